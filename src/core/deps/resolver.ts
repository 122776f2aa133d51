import { describe } from '../../shared/error-catalogue/index.js'
import type { AgentTask, EncordApi, Project, Stage } from '../../encord/types.js'
import type { DependencyGraph, DependencyNode } from './graph.js'
import type {
  BatchContext,
  BatchValues,
  Dependency,
  StageLabelRowMetadataOptions,
  TaskEffect,
  TaskLogger,
  TaskResolveContext,
  RunResolveContext,
} from './types.js'

/**
 * Resolution of a dependency graph in three scopes: the run (values shared by every task), the batch
 * (bulk loads with `resolveMany`) and the task attempt (each dependency at most once). No container,
 * no global registry: the graph is plain data walked here.
 */

/** Raised for a dependency that failed; the runner retries it like a handler error. */
export class DependencyError extends Error {
  readonly dependency: string
  /** False when retrying cannot help (the whole batch load already exhausted its retries). */
  readonly retryable: boolean
  constructor(dependency: string, cause: unknown, retryable = true) {
    const message = cause instanceof Error ? cause.message : String(cause)
    super(describe('DependencyFailed', { dependency, message }).message, { cause })
    this.name = 'DependencyError'
    this.dependency = dependency
    this.retryable = retryable
  }
}

/** An error for every task of a batch whose bulk load failed after its retries. */
export class BatchLoadError extends Error {
  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'BatchLoadError'
  }
}

/** Memoise a promise under a key; a rejected promise is forgotten so a retry tries again. */
export function memoize<T>(
  cache: Map<string, Promise<unknown>> | Map<unknown, Promise<unknown>>,
  key: unknown,
  make: () => Promise<T>,
): Promise<T> {
  const map = cache as Map<unknown, Promise<unknown>>
  const existing = map.get(key)
  if (existing !== undefined) return existing as Promise<T>
  const promise = make()
  map.set(key, promise)
  promise.catch(() => {
    if (map.get(key) === promise) map.delete(key)
  })
  return promise
}

interface Base {
  project: Project
  client: EncordApi
  dryRun: boolean
  log: TaskLogger
}

/** Run-scoped values: resolved once per run on first use, disposed when the run ends. */
export class RunScope {
  readonly runCache = new Map<string, unknown>()
  private readonly values = new Map<Dependency<unknown, unknown>, Promise<unknown>>()
  private readonly resolved: Array<{ dep: Dependency<unknown, unknown>; value: unknown }> = []

  constructor(
    private readonly base: Base,
    /** Aborted only when the run must stop at once. */
    private readonly signal: AbortSignal,
  ) {}

  get(node: DependencyNode): Promise<unknown> {
    return memoize(this.values, node.dep, async () => {
      const deps: Record<string, unknown> = {}
      for (const { key, node: child } of node.children) deps[key] = await this.get(child)
      const ctx: RunResolveContext<Record<string, unknown>> = {
        ...this.base,
        signal: this.signal,
        deps,
        runCache: this.runCache,
      }
      try {
        const value = await (node.dep.resolve as (c: typeof ctx) => unknown)(ctx)
        this.resolved.push({ dep: node.dep, value })
        return value
      } catch (error) {
        throw error instanceof DependencyError ? error : new DependencyError(node.label, error)
      }
    })
  }

  /** Dispose run-scoped values, last resolved first. Errors are logged, not thrown. */
  async dispose(): Promise<void> {
    for (const { dep, value } of this.resolved.splice(0).reverse()) {
      if (dep.dispose === undefined) continue
      try {
        await dep.dispose(value)
      } catch (error) {
        this.base.log.warn(`Disposing ${dep.name || 'a run-scoped dependency'} failed: ${(error as Error).message}`)
      }
    }
    this.values.clear()
  }
}

export interface BatchDataOptions extends Base {
  tasks: readonly AgentTask[]
  stage: Stage
  graph: DependencyGraph
  labelRowMetadata: StageLabelRowMetadataOptions
  runCache: Map<string, unknown>
  signal: AbortSignal
}

/** Bulk-loaded data of one batch: each `resolveMany` called once for all its tasks. */
export class BatchData {
  private readonly items = new Map<Dependency<unknown, unknown>, Promise<BatchValues<unknown>>>()
  private readonly overrides = new Map<string, unknown>()
  private readonly batchCache = new Map<string, Promise<unknown>>()

  constructor(private readonly options: BatchDataOptions) {}

  /** Nodes that load data per batch. */
  get batchNodes(): DependencyNode[] {
    return this.options.graph.order.filter((n) => n.dep.scope === 'task' && n.dep.resolveMany !== undefined)
  }

  /**
   * Load every batch dependency, retrying a failing bulk load with `retry` (the runner's backoff).
   * When retries are exhausted the failure becomes each task's (non-retryable) error: retrying task
   * by task would send one request per task for a fault that hit the whole batch.
   */
  async loadAll(retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>): Promise<void> {
    await Promise.all(
      this.batchNodes.map(async (node) => {
        try {
          await retry(`loading ${node.label}`, () => this.load(node.dep))
        } catch (error) {
          const failure = new BatchLoadError(node.label, error)
          this.items.set(node.dep, Promise.resolve(this.options.tasks.map(() => failure)))
        }
      }),
    )
  }

  /** Batch values of a dependency (memoised; a failed load is forgotten so it can be retried). */
  load<B>(dep: Dependency<unknown, B>): Promise<BatchValues<B>> {
    return memoize(this.items, dep, () => this.callResolveMany(dep, this.options.tasks, this.batchCache))
  }

  private async callResolveMany<B>(
    dep: Dependency<unknown, B>,
    tasks: readonly AgentTask[],
    batchCache: Map<string, Promise<unknown>>,
  ): Promise<BatchValues<B>> {
    if (dep.resolveMany === undefined) throw new Error(`Dependency ${dep.name} has no resolveMany`)
    const ctx: BatchContext = {
      tasks,
      project: this.options.project,
      stage: this.options.stage,
      client: this.options.client,
      signal: this.options.signal,
      dryRun: this.options.dryRun,
      log: this.options.log,
      labelRowMetadata: this.options.labelRowMetadata,
      batchCache,
      runCache: this.options.runCache,
      load: <C>(other: Dependency<unknown, C>) =>
        tasks === this.options.tasks
          ? this.load(other)
          : memoize(batchCache, other, () => this.callResolveMany(other, tasks, batchCache)),
    }
    const values = await dep.resolveMany(ctx)
    if (!Array.isArray(values) || values.length !== tasks.length) {
      throw new Error(
        `resolveMany of ${dep.name || 'a dependency'} returned ${Array.isArray(values) ? values.length : typeof values} items for ${tasks.length} tasks`,
      )
    }
    return values
  }

  /** One task's item of a batch dependency; an item that failed is loaded again, for this task alone, on retries. */
  async itemFor(node: DependencyNode, index: number, attempt: number): Promise<unknown> {
    const overrides = this.overrides
    // Keys exist only once a retry reloaded an item (rare): most calls make none.
    const key = overrides.size > 0 ? overrideKey(index, this.nodeIndex(node)) : undefined
    let value = key !== undefined && overrides.has(key) ? overrides.get(key) : (await this.load(node.dep))[index]
    if (value instanceof BatchLoadError) throw new DependencyError(node.label, value.cause ?? value, false)
    if (value instanceof Error && attempt > 0) {
      // A per-task failure (e.g. a missing row): try again for this task only.
      const single = await this.callResolveMany(node.dep, [this.options.tasks[index]], new Map())
      value = single[0]
      overrides.set(key ?? overrideKey(index, this.nodeIndex(node)), value)
    }
    if (value instanceof Error) throw new DependencyError(node.label, value)
    return value
  }

  private nodeIndex(node: DependencyNode): number {
    return this.options.graph.order.indexOf(node)
  }

  /** Drop the loaded data (the batch is done). */
  release(): void {
    this.items.clear()
    this.overrides.clear()
    this.batchCache.clear()
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/** A task's reloaded item of one dependency node (see `BatchData.itemFor`). */
function overrideKey(index: number, nodeIndex: number): string {
  return `${index}:${nodeIndex}`
}

export interface TaskScopeOptions {
  task: AgentTask
  index: number
  stage: Stage
  batch: BatchData
  run: RunScope
  attempt: number
  /** The attempt's abort signal, made on first read (see decide.ts). */
  signal: () => AbortSignal
  base: Base
}

/**
 * What every context of a task attempt carries: the handler's (decide.ts) and each task-scoped
 * dependency's. A class: one is made for every attempt and every task-scoped dependency, and in V8 an
 * object literal that spreads the base (~3 KB) or holds a getter (~1 KB) leaves far more young
 * garbage than an instance whose getter is on its prototype (issue 21, `--heap-prof`).
 */
export class AttemptContext {
  readonly task: AgentTask
  readonly project: Project
  readonly stage: Stage
  readonly log: TaskLogger
  readonly attempt: number
  readonly #signal: () => AbortSignal

  constructor(options: TaskScopeOptions) {
    this.task = options.task
    this.project = options.base.project
    this.stage = options.stage
    this.log = options.base.log
    this.attempt = options.attempt
    this.#signal = options.signal
  }

  /** The attempt's abort signal, made on first read (see decide.ts). */
  get signal(): AbortSignal {
    return this.#signal()
  }
}

/** The context a task-scoped `resolve` gets. */
class TaskResolveScope extends AttemptContext implements TaskResolveContext<Record<string, unknown>, unknown> {
  readonly client: EncordApi
  readonly dryRun: boolean
  readonly runCache: Map<string, unknown>

  constructor(
    options: TaskScopeOptions,
    readonly deps: Record<string, unknown>,
    readonly batch: unknown,
    readonly taskCache: Map<string, unknown>,
    readonly onCommit: TaskResolveContext<Record<string, unknown>, unknown>['onCommit'],
  ) {
    super(options)
    this.client = options.base.client
    this.dryRun = options.base.dryRun
    this.runCache = options.run.runCache
  }
}

/** One task attempt: every dependency resolved at most once, disposed at the end. */
export class TaskScope {
  private readonly values = new Map<Dependency<unknown, unknown>, Promise<unknown>>()
  private readonly resolved: Array<{ dep: Dependency<unknown, unknown>; value: unknown; label: string }> = []
  private readonly commits: Array<
    () => TaskEffect | TaskEffect[] | undefined | Promise<TaskEffect | TaskEffect[] | undefined>
  > = []
  private readonly taskCache = new Map<string, unknown>()

  constructor(private readonly options: TaskScopeOptions) {}

  /** Resolve the agent's top-level deps into the handler's `deps` object. */
  async resolveRoots(graph: DependencyGraph): Promise<Record<string, unknown>> {
    const deps: Record<string, unknown> = {}
    for (const { key, node } of graph.roots) deps[key] = await this.get(node)
    return deps
  }

  get(node: DependencyNode): Promise<unknown> {
    if (node.dep.scope === 'run') return this.options.run.get(node)
    return memoize(this.values, node.dep, async () => {
      const deps: Record<string, unknown> = {}
      for (const { key, node: child } of node.children) deps[key] = await this.get(child)
      const batch =
        node.dep.resolveMany !== undefined
          ? await this.options.batch.itemFor(node, this.options.index, this.options.attempt)
          : undefined
      const ctx = new TaskResolveScope(this.options, deps, batch, this.taskCache, (collect) => {
        this.commits.push(collect)
      })
      try {
        const value = await (node.dep.resolve as (c: typeof ctx) => unknown)(ctx)
        this.resolved.push({ dep: node.dep, value, label: node.label })
        return value
      } catch (error) {
        throw error instanceof DependencyError ? error : new DependencyError(node.label, error)
      }
    })
  }

  /** The effects registered by the task's dependencies, collected after the handler succeeded. */
  async collectEffects(): Promise<TaskEffect[]> {
    const effects: TaskEffect[] = []
    for (const collect of this.commits) {
      const pending = collect()
      // Most commits answer at once (the label row's does): no await, no promise job, for those.
      const result = isPromiseLike(pending) ? await pending : pending
      if (result === undefined) continue
      if (Array.isArray(result)) effects.push(...result)
      else effects.push(result)
    }
    return effects
  }

  /**
   * Dispose task-scoped values, last resolved first. Undefined when none of them has a `dispose`
   * (most tasks): nothing to wait for, so the caller does not await (this runs once per task attempt).
   */
  dispose(): Promise<void> | undefined {
    const resolved = this.resolved.splice(0)
    let disposable = false
    for (let i = 0; i < resolved.length && !disposable; i++) disposable = resolved[i].dep.dispose !== undefined
    if (!disposable) return undefined
    return this.#disposeAll(resolved.reverse())
  }

  async #disposeAll(resolved: ReadonlyArray<{ dep: Dependency<unknown, unknown>; value: unknown; label: string }>) {
    for (const { dep, value, label } of resolved) {
      if (dep.dispose === undefined) continue
      try {
        await dep.dispose(value)
      } catch (error) {
        this.options.base.log.warn(`Disposing ${label} failed: ${(error as Error).message}`)
      }
    }
  }
}
