import type { Pathway, Stage } from '../../encord/types.js'
import type { SavableLabelRow } from '../agent.js'
import { HandlerResultError } from './errors.js'
import { closest, quoteList } from './suggest.js'

/** A handler's return value, checked against its stage. */
export interface TaskDecision {
  /** The pathway to move along, or null to leave the task in the stage. */
  pathway: Pathway | null
  labelRow?: SavableLabelRow
  priority?: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const RESULT_KEYS = new Set(['pathway', 'labelRow', 'priority'])

/** A stage's pathway by exact name, or by UUID (any case). */
export function findPathway(stage: Stage, nameOrUuid: string): Pathway | undefined {
  const byName = stage.pathways.find((p) => p.name === nameOrUuid)
  if (byName !== undefined) return byName
  if (UUID.test(nameOrUuid)) {
    const lower = nameOrUuid.toLowerCase()
    return stage.pathways.find((p) => p.uuid.toLowerCase() === lower)
  }
  return undefined
}

/** "complete" (uuid …), "needs review" (uuid …) — for messages. */
export function describePathways(stage: Stage): string {
  if (stage.pathways.length === 0) return 'This stage has no pathways.'
  return `Pathways of "${stage.title}": ${stage.pathways.map((p) => `${JSON.stringify(p.name)} (${p.uuid})`).join(', ')}.`
}

/** The error for a pathway the stage does not have, with a suggestion and the list of pathways. */
export function unknownPathwayMessage(stage: Stage, value: string): string {
  const suggestion = closest(
    value,
    stage.pathways.map((p) => p.name),
  )
  return (
    `Unknown pathway ${JSON.stringify(value)} for stage "${stage.title}".` +
    (suggestion !== undefined ? ` Did you mean ${JSON.stringify(suggestion)}?` : '') +
    ` ${describePathways(stage)}`
  )
}

function resolvePathway(stage: Stage, value: string): Pathway {
  const pathway = findPathway(stage, value)
  if (pathway === undefined) throw new HandlerResultError('UnknownPathway', unknownPathwayMessage(stage, value))
  return pathway
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  try {
    return `${typeof value} ${JSON.stringify(value) ?? String(value)}`
  } catch {
    return typeof value
  }
}

const EXPECTED =
  'A handler returns a pathway name or UUID, nothing (to leave the task in the stage), or { pathway?, labelRow?, priority? }.'

/**
 * Check what a handler returned and turn it into a decision. Anything the runner cannot apply throws
 * a HandlerResultError (the task fails, without retries; the run goes on).
 */
export function interpretHandlerResult(value: unknown, stage: Stage): TaskDecision {
  if (value === undefined || value === null) return { pathway: null }
  if (typeof value === 'string') return { pathway: resolvePathway(stage, value) }
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Promise) {
    throw new HandlerResultError(
      'InvalidHandlerResult',
      `The handler returned ${describe(value)}. ${EXPECTED} ${describePathways(stage)}`,
    )
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  const unknown = keys.filter((k) => !RESULT_KEYS.has(k))
  if (unknown.length > 0) {
    const hint = unknown.map((k) => closest(k, [...RESULT_KEYS])).find((s) => s !== undefined)
    throw new HandlerResultError(
      'InvalidHandlerResult',
      `The handler returned an object with unknown key${unknown.length > 1 ? 's' : ''} ${quoteList(unknown)}` +
        (hint !== undefined ? ` (did you mean "${hint}"?)` : '') +
        `. ${EXPECTED}`,
    )
  }
  if (keys.length === 0) {
    throw new HandlerResultError(
      'InvalidHandlerResult',
      `The handler returned an empty object. ${EXPECTED} Return undefined to leave the task in the stage.`,
    )
  }
  const decision: TaskDecision = { pathway: null }
  const pathway = record.pathway
  if (pathway !== undefined && pathway !== null) {
    if (typeof pathway !== 'string') {
      throw new HandlerResultError(
        'InvalidHandlerResult',
        `The handler returned pathway ${describe(pathway)}; expected a pathway name or UUID. ${describePathways(stage)}`,
      )
    }
    decision.pathway = resolvePathway(stage, pathway)
  }
  const priority = record.priority
  if (priority !== undefined && priority !== null) {
    if (typeof priority !== 'number' || !Number.isFinite(priority) || priority < 0 || priority > 1) {
      throw new HandlerResultError(
        'InvalidHandlerResult',
        `The handler returned priority ${describe(priority)}; a priority is a number from 0 (lowest) to 1 (highest).`,
      )
    }
    decision.priority = priority
  }
  const labelRow = record.labelRow
  if (labelRow !== undefined && labelRow !== null) {
    if (typeof labelRow !== 'object' || typeof (labelRow as SavableLabelRow).toDict !== 'function') {
      throw new HandlerResultError(
        'InvalidHandlerResult',
        `The handler returned labelRow ${describe(labelRow)}; expected a label row (for example the labelRow() dependency's value).`,
      )
    }
    decision.labelRow = labelRow as SavableLabelRow
  }
  return decision
}
