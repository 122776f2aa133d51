import type { Pathway, Stage } from '../../encord/types.js'
import { describe } from '../../shared/error-catalogue/index.js'
import type { SavableLabelRow } from '../agent.js'
import { HandlerResultError } from './errors.js'
import { closest, quoteList } from '../../shared/suggest.js'

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
  return unknownPathway(stage, value).message
}

function unknownPathway(stage: Stage, value: string): { code: 'UnknownPathway'; message: string } {
  const suggestion = closest(
    value,
    stage.pathways.map((p) => p.name),
  )
  return describe('UnknownPathway', { value, stage: stage.title, suggestion, pathways: describePathways(stage) })
}

function resolvePathway(stage: Stage, value: string): Pathway {
  const pathway = findPathway(stage, value)
  if (pathway === undefined) throw new HandlerResultError(unknownPathway(stage, value))
  return pathway
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  try {
    return `${typeof value} ${JSON.stringify(value) ?? String(value)}`
  } catch {
    return typeof value
  }
}

/**
 * Check what a handler returned and turn it into a decision. Anything the runner cannot apply throws
 * a HandlerResultError (the task fails, without retries; the run goes on).
 */
export function interpretHandlerResult(value: unknown, stage: Stage): TaskDecision {
  if (value === undefined || value === null) return { pathway: null }
  if (typeof value === 'string') return { pathway: resolvePathway(stage, value) }
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Promise) {
    throw new HandlerResultError(
      describe('InvalidHandlerResult.notAResult', { value: describeValue(value), pathways: describePathways(stage) }),
    )
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  const unknown = keys.filter((k) => !RESULT_KEYS.has(k))
  if (unknown.length > 0) {
    const suggestion = unknown.map((k) => closest(k, [...RESULT_KEYS])).find((s) => s !== undefined)
    throw new HandlerResultError(
      describe('InvalidHandlerResult.unknownKeys', { count: unknown.length, keys: quoteList(unknown), suggestion }),
    )
  }
  if (keys.length === 0) {
    throw new HandlerResultError(describe('InvalidHandlerResult.emptyObject'))
  }
  const decision: TaskDecision = { pathway: null }
  const pathway = record.pathway
  if (pathway !== undefined && pathway !== null) {
    if (typeof pathway !== 'string') {
      throw new HandlerResultError(
        describe('InvalidHandlerResult.pathway', { value: describeValue(pathway), pathways: describePathways(stage) }),
      )
    }
    decision.pathway = resolvePathway(stage, pathway)
  }
  const priority = record.priority
  if (priority !== undefined && priority !== null) {
    if (typeof priority !== 'number' || !Number.isFinite(priority) || priority < 0 || priority > 1) {
      throw new HandlerResultError(describe('InvalidHandlerResult.priority', { value: describeValue(priority) }))
    }
    decision.priority = priority
  }
  const labelRow = record.labelRow
  if (labelRow !== undefined && labelRow !== null) {
    if (typeof labelRow !== 'object' || typeof (labelRow as SavableLabelRow).toDict !== 'function') {
      throw new HandlerResultError(describe('InvalidHandlerResult.labelRow', { value: describeValue(labelRow) }))
    }
    decision.labelRow = labelRow as SavableLabelRow
  }
  return decision
}
