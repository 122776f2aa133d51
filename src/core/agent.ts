import { fail } from '../shared/error-catalogue/index.js'
import type { AgentTask, Project, Stage } from '../encord/types.js'
import { captureCallerLocation } from './deps/location.js'
import type { DepValues, DepsRecord, StageLabelRowMetadataOptions, TaskLogger } from './deps/types.js'
import type { ClassificationFeature, ObjectFeature, PathwayOf, StageTitle } from '../shared/register.js'

const AGENT_BRAND: unique symbol = Symbol.for('encord-agents.agent')

/** A label row a handler may return to have it saved (the `LabelRow` of `src/labels` fits). */
export interface SavableLabelRow {
  readonly labelHash?: string | null
  toDict(): Record<string, unknown>
}

/**
 * What a handler returns:
 * - a pathway name or pathway UUID: move the task along it;
 * - nothing (`undefined`/`null`): leave the task in the stage (it is picked up again next run);
 * - `{ pathway?, labelRow?, priority? }`: also save a label row and/or set the task's priority (0..1).
 *
 * `P` is the pathways allowed: `string`, or in a typed project (`encord-agents types`) the names and
 * UUIDs of the agent's `stage`.
 */
export type HandlerResult<P extends string = string> =
  | P
  | null
  | undefined
  | void
  | {
      /** Pathway name or UUID; omit to leave the task in the stage. */
      pathway?: P | null
      /** A label row to save (saved once, only if it changed). Changed label rows from `deps` are saved anyway. */
      labelRow?: SavableLabelRow | null
      /** The task's new priority, 0 (lowest) to 1 (highest). 0 is sent. */
      priority?: number | null
    }

/** What a handler receives. */
export interface HandlerContext<D extends DepsRecord = {}> {
  /** The task being decided. */
  task: AgentTask
  /** The project (with its ontology and workflow). */
  project: Project
  /** The agent stage the task is in. */
  stage: Stage
  /** The values of the agent's `deps`, typed from the record. */
  deps: DepValues<D>
  /**
   * Aborted when `taskTimeout` passes: stop work and return (or throw). Made when first read (a getter
   * of the context, so a spread `{ ...ctx }` does not carry it: pass `ctx.signal` itself along).
   */
  signal: AbortSignal
  /** Log lines attached to the task (rendered by the CLI). */
  log: TaskLogger
  /** 0 on the first attempt, then 1, 2... on retries. */
  attempt: number
}

export type Handler<D extends DepsRecord = {}, P extends string = string> = (
  ctx: HandlerContext<D>,
) => HandlerResult<P> | Promise<HandlerResult<P>>

/** Options of an agent that are about its stage rather than its code. */
export interface AgentStageOptions<P extends string = string> {
  /**
   * Pathways (names or UUIDs) this agent may return; `validate` checks they exist on the stage.
   * Returning another pathway of the stage still works.
   */
  pathways?: P[]
  /** Pathway (name or UUID) taken by tasks that failed after all retries. @default none: they stay */
  onFailure?: P
  /** Options of the stage's label row listing (Python's `LabelRowMetadataIncludeArgs`). */
  labelRowMetadata?: StageLabelRowMetadataOptions
}

/** What `defineAgent` takes. `S` is the agent's `stage` (in a typed project, one of its agent stage titles). */
export interface AgentSpec<D extends DepsRecord = {}, S extends StageTitle = StageTitle> extends AgentStageOptions<
  PathwayOf<S>
> {
  /**
   * The agent stage this agent serves (title or UUID). A config entry for this agent may then leave out
   * `stage`. In a typed project (`encord-agents types`) it must be one of the project's agent stage titles,
   * and the handler's result, `pathways` and `onFailure` are checked against that stage's pathways.
   * @default none: the config entry (or `runner.stage(title, agent)`) names the stage
   */
  stage?: S
  /** What the handler needs, by name: built-ins (`labelRow()`, `storageItem()`...) or `defineDependency` ones. */
  deps?: D
  /** Decide one task. */
  handler: Handler<D, PathwayOf<S>>
  /**
   * Ontology features the agent needs (titles or feature hashes; in a typed project, the titles and feature
   * hashes of the project's ontology); `validate` checks they exist.
   */
  ontology?: { objects?: ObjectFeature[]; classifications?: ClassificationFeature[] }
  /** One line about what the agent does (shown by `validate`). */
  description?: string
}

/** An agent: a handler and what it needs, bound to a stage by the config or `Runner.stage`. */
export interface AgentDefinition<D extends DepsRecord = DepsRecord> extends AgentStageOptions {
  readonly [AGENT_BRAND]: true
  /** The stage given to `defineAgent`, if any (a config entry without `stage` takes it). */
  readonly stage?: string
  readonly deps: D
  readonly handler: Handler<D>
  readonly ontology?: { objects?: string[]; classifications?: string[] }
  readonly description?: string
  /** `file:line:column` where `defineAgent` was called. */
  readonly location?: string
}

/**
 * Define a task agent. The handler's `deps` are typed from the `deps` record: no decorators, no
 * reflection. Bind it to a stage in the config (`agents: [{ stage, handler: './agent.ts' }]`) or with
 * `runner.stage(title, agent)`.
 *
 * @example
 * ```ts
 * export default defineAgent({
 *   deps: { row: labelRow(), item: storageItem() },
 *   pathways: ['complete', 'needs review'],
 *   async handler({ task, deps }) {
 *     if (deps.item.clientMetadata.skip) return 'complete'
 *     return deps.row.objects().length > 0 ? 'needs review' : undefined
 *   },
 * })
 * ```
 * @see defineDependency
 */
export function defineAgent<D extends DepsRecord = {}, S extends StageTitle = StageTitle>(
  spec: AgentSpec<D, S>,
): AgentDefinition<D> {
  const location = captureCallerLocation()
  if (spec === null || typeof spec !== 'object' || typeof spec.handler !== 'function') {
    throw fail('InvalidAgent.notAnObject', {}, { location })
  }
  if (spec.deps !== undefined && (spec.deps === null || typeof spec.deps !== 'object' || Array.isArray(spec.deps))) {
    throw fail('InvalidAgent.deps', {}, { location })
  }
  for (const key of ['pathways'] as const) {
    const value = spec[key]
    if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
      throw fail('InvalidAgent.pathways', {}, { location })
    }
  }
  if (spec.stage !== undefined && (typeof spec.stage !== 'string' || spec.stage.trim() === '')) {
    throw fail('InvalidAgent.stage', {}, { location })
  }
  if (spec.onFailure !== undefined && typeof spec.onFailure !== 'string') {
    throw fail('InvalidAgent.onFailure', {}, { location })
  }
  const agent: AgentDefinition<D> = {
    [AGENT_BRAND]: true,
    stage: spec.stage,
    deps: (spec.deps ?? {}) as D,
    handler: spec.handler,
    pathways: spec.pathways,
    onFailure: spec.onFailure,
    labelRowMetadata: spec.labelRowMetadata,
    ontology: spec.ontology,
    description: spec.description,
    location,
  }
  return Object.freeze(agent)
}

/** True for values made by `defineAgent` (also across copies of the package, e.g. a global CLI). */
export function isAgentDefinition(value: unknown): value is AgentDefinition<DepsRecord> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[AGENT_BRAND] === true
}

/** A copy of an agent with some options replaced (used by `Runner.stage` options). */
export function withAgentOptions<D extends DepsRecord>(
  agent: AgentDefinition<D>,
  options: AgentStageOptions & { location?: string },
): AgentDefinition<D> {
  return Object.freeze({
    ...agent,
    pathways: options.pathways ?? agent.pathways,
    onFailure: options.onFailure ?? agent.onFailure,
    labelRowMetadata: options.labelRowMetadata ?? agent.labelRowMetadata,
    location: options.location ?? agent.location,
  })
}
