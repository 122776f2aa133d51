import type { AgentTask, EncordApi, LabelRowMetadataOptions, Project, Stage } from '../../encord/types.js'

/** Where a dependency lives: `task` (resolved once per task attempt) or `run` (once per run). */
export type DependencyScope = 'task' | 'run'

export const DEPENDENCY_BRAND: unique symbol = Symbol.for('encord-agents.dependency')
export const DEPENDENCY_FACTORY_BRAND: unique symbol = Symbol.for('encord-agents.dependency-factory')

/** A logger handed to handlers and dependencies. The CLI renders its lines; the library prints to stderr. */
export interface TaskLogger {
  debug(message: string, data?: Record<string, unknown>): void
  info(message: string, data?: Record<string, unknown>): void
  warn(message: string, data?: Record<string, unknown>): void
  error(message: string, data?: Record<string, unknown>): void
}

/**
 * A side effect a dependency asks the runner to apply when the task's decision is flushed: label saves
 * and storage updates go out in bulk, before the task is moved, and only if the task succeeded (and not
 * in a dry run).
 */
export type TaskEffect =
  | {
      kind: 'saveLabelRow'
      projectHash: string
      labelHash: string
      /** The label row in the save format. */
      labelRow: Record<string, unknown>
    }
  | {
      kind: 'setPriority'
      projectHash: string
      dataHash: string
      /** 0 (lowest) to 1 (highest). */
      priority: number
    }
  | {
      /**
       * A dry run's label row that does not exist yet (a dry run creates none) and that the handler
       * changed: a real run would create and save it. Only counted for the dry run's summary; nothing
       * applies it.
       */
      kind: 'wouldSaveLabelRow'
      projectHash: string
      dataHash: string
      branchName: string
    }
  | {
      kind: 'updateStorageItem'
      item: { uuid: string; parent: string }
      patch: { name?: string; description?: string; clientMetadata?: Record<string, unknown> }
    }

/** Options of a stage's label row listing (Python's `LabelRowMetadataIncludeArgs`). */
export type StageLabelRowMetadataOptions = Pick<
  LabelRowMetadataOptions,
  | 'includeClientMetadata'
  | 'includeImagesData'
  | 'includeChildren'
  | 'includeWorkflowGraphNode'
  | 'includeAllLabelBranches'
  | 'branchName'
>

/** What every resolution can see, whatever the scope. */
export interface BaseResolveContext {
  project: Project
  client: EncordApi
  /** Aborted when the task times out (task scope) or the run stops at once (run scope). */
  signal: AbortSignal
  dryRun: boolean
  log: TaskLogger
}

/** Context of a task-scoped `resolve`. */
export interface TaskResolveContext<V, B> extends BaseResolveContext {
  task: AgentTask
  stage: Stage
  /** The values of this dependency's own `deps`. */
  deps: V
  /** This task's item from `resolveMany`, when the dependency has one. */
  batch: B
  /** 0 on the first attempt, then 1, 2... on retries. */
  attempt: number
  /** Register an effect collected when the handler succeeded (see TaskEffect). Advanced. */
  onCommit(collect: () => TaskEffect | TaskEffect[] | undefined | Promise<TaskEffect | TaskEffect[] | undefined>): void
  /** Memo shared by every dependency of this task attempt (e.g. one LabelRow object per label hash). */
  taskCache: Map<string, unknown>
  /** Memo shared by the whole run (e.g. a twin project). */
  runCache: Map<string, unknown>
}

/** Context of a run-scoped `resolve`: no task. */
export interface RunResolveContext<V> extends BaseResolveContext {
  deps: V
  runCache: Map<string, unknown>
}

/** A batch's per-task values of a dependency: a value or the error that task gets. */
export type BatchValues<B> = Array<B | Error>

/** Context of `resolveMany`: a whole batch of tasks, so data can be loaded with bulk calls. */
export interface BatchContext {
  tasks: readonly AgentTask[]
  project: Project
  stage: Stage
  client: EncordApi
  signal: AbortSignal
  dryRun: boolean
  log: TaskLogger
  /** The stage's label row listing options merged with what the agent's dependencies ask for. */
  labelRowMetadata: StageLabelRowMetadataOptions
  /** The batch values of another dependency that has `resolveMany`, loaded once per batch. */
  load<B>(dep: Dependency<unknown, B>): Promise<BatchValues<B>>
  /** Memo for this batch (e.g. one label row metadata request per branch). */
  batchCache: Map<string, Promise<unknown>>
  runCache: Map<string, unknown>
}

/** Issues a dependency's `validate` hook can report (see `validateProject`). */
export interface DependencyValidateContext {
  project: Project
  client: EncordApi
}

/**
 * A dependency: a plain object made by `defineDependency` (or a built-in factory). The runner walks
 * the graph of `deps` records, resolves each dependency at most once per task (or per run), and
 * loads data for a whole batch with `resolveMany` when there is one.
 */
export interface Dependency<T = unknown, B = unknown> {
  readonly [DEPENDENCY_BRAND]: true
  /** For messages: the name given, or the key it was first found under. */
  readonly name: string
  readonly scope: DependencyScope
  /** Its own dependencies (a thunk allows references to dependencies declared later). */
  readonly deps: DepsRecord | (() => DepsRecord)
  readonly resolve: (ctx: never) => T | Promise<T>
  readonly resolveMany?: (ctx: BatchContext) => Promise<BatchValues<B>>
  readonly dispose?: (value: T) => void | Promise<void>
  /** `file:line:column` of the definition, for messages. */
  readonly location?: string
  /** Ontology features this dependency needs (checked by `validate`). */
  readonly requires?: { objects?: string[]; classifications?: string[] }
  /** Label row listing options this dependency needs merged into its batch's metadata request. */
  readonly labelRowMetadata?: StageLabelRowMetadataOptions
  /** Extra checks at validation time (e.g. a twin project is reachable). Returns messages of problems. */
  readonly validate?: (ctx: DependencyValidateContext) => Promise<string[]> | string[]
  /** Phantom members carrying the value types (never set). */
  readonly __value?: T
  readonly __batch?: B
}

/** A built-in factory such as `labelRow`: may be put in `deps` without calling it. */
export interface DependencyFactory<T> {
  (...args: never[]): Dependency<T, unknown>
  readonly [DEPENDENCY_FACTORY_BRAND]: () => Dependency<T, unknown>
}

/** A `deps` record: names to dependencies (or built-in factories used with their defaults). */
export type DepsRecord = Record<string, Dependency<any, any> | DependencyFactory<any>>

/** The value type of one entry of a `deps` record. */
export type DepValue<X> = X extends Dependency<infer T, any> ? T : X extends DependencyFactory<infer T> ? T : never

/** The values a handler (or dependency) receives for its `deps` record. */
export type DepValues<D> = { [K in keyof D]: DepValue<D[K]> }
