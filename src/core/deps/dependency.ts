import { fail } from '../../shared/error-catalogue/index.js'
import { captureCallerLocation } from './location.js'
import {
  DEPENDENCY_BRAND,
  DEPENDENCY_FACTORY_BRAND,
  type BatchContext,
  type BatchValues,
  type Dependency,
  type DependencyFactory,
  type DependencyValidateContext,
  type DepValues,
  type DepsRecord,
  type RunResolveContext,
  type StageLabelRowMetadataOptions,
  type TaskResolveContext,
} from './types.js'

interface CommonSpec<T, D extends DepsRecord> {
  /** A name for messages (cycles, failures). @default the key it is first used under */
  name?: string
  /** Dependencies of this dependency, resolved first. A thunk may refer to ones declared later. */
  deps?: D | (() => D)
  /** Release the value (close a model, delete a file). Called after the task (or the run). */
  dispose?: (value: T) => void | Promise<void>
  /** Ontology features (titles or feature hashes) this dependency needs; `validate` checks them. */
  requires?: { objects?: string[]; classifications?: string[] }
  /** Extra validation: return one message per problem (an empty list when all is well). */
  validate?: (ctx: DependencyValidateContext) => Promise<string[]> | string[]
  /** Label row listing options to merge into the batch's metadata request (built-ins use this). */
  labelRowMetadata?: StageLabelRowMetadataOptions
}

/** A dependency resolved for every task (the default), optionally loading data for a batch at once. */
export interface TaskDependencySpec<T, D extends DepsRecord, B> extends CommonSpec<T, D> {
  /** @default 'task' */
  scope?: 'task'
  /**
   * Produce the value for one task. Called at most once per task attempt, after its `deps`. When
   * `resolveMany` is given, `ctx.batch` holds this task's item from it.
   */
  resolve: (ctx: TaskResolveContext<DepValues<D>, B>) => T | Promise<T>
  /**
   * Load data for a whole batch of tasks in one go (bulk requests). Returns one item per task, in
   * order; an `Error` item fails that task only. Retried with backoff when it throws.
   */
  resolveMany?: (ctx: BatchContext) => Promise<BatchValues<B>>
}

/** A dependency resolved once per run and shared by every task (a model, a connection pool). */
export interface RunDependencySpec<T, D extends DepsRecord> extends CommonSpec<T, D> {
  scope: 'run'
  resolve: (ctx: RunResolveContext<DepValues<D>>) => T | Promise<T>
}

/**
 * Define a dependency a handler (or another dependency) can declare in its `deps`.
 *
 * @example
 * ```ts
 * export const detector = defineDependency({
 *   scope: 'run',
 *   deps: { ontology: ontology() },
 *   resolve: ({ deps }) => loadDetector(deps.ontology),
 *   dispose: (model) => model.close(),
 * })
 * export const threshold = (value: number) => defineDependency({ resolve: () => value })
 * ```
 * @see defineAgent
 */
export function defineDependency<T, D extends DepsRecord = {}>(spec: RunDependencySpec<T, D>): Dependency<T, never>
export function defineDependency<T, D extends DepsRecord = {}, B = never>(
  spec: TaskDependencySpec<T, D, B>,
): Dependency<T, B>
export function defineDependency<T, D extends DepsRecord, B>(
  spec: TaskDependencySpec<T, D, B> | RunDependencySpec<T, D>,
): Dependency<T, B> {
  if (spec === null || typeof spec !== 'object' || typeof spec.resolve !== 'function') {
    throw fail('InvalidDependency.notAnObject', {}, { location: captureCallerLocation() })
  }
  const scope = spec.scope ?? 'task'
  if (scope !== 'task' && scope !== 'run') {
    throw fail('InvalidDependency.scope', { scope: JSON.stringify(scope) }, { location: captureCallerLocation() })
  }
  const resolveMany = 'resolveMany' in spec ? spec.resolveMany : undefined
  if (scope === 'run' && resolveMany !== undefined) {
    throw fail('InvalidDependency.runScopedResolveMany', {}, { location: captureCallerLocation() })
  }
  const dep: Dependency<T, B> = {
    [DEPENDENCY_BRAND]: true,
    name: spec.name ?? '',
    scope,
    deps: spec.deps ?? {},
    resolve: spec.resolve,
    resolveMany: resolveMany,
    dispose: spec.dispose,
    location: captureCallerLocation(),
    requires: spec.requires,
    validate: spec.validate,
    labelRowMetadata: spec.labelRowMetadata,
  }
  return Object.freeze(dep)
}

/** True for values made by `defineDependency` or a built-in factory call. */
export function isDependency(value: unknown): value is Dependency<unknown, unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEPENDENCY_BRAND] === true
}

/** True for a built-in factory (e.g. `labelRow`) that may stand for its default instance. */
export function isDependencyFactory(value: unknown): value is DependencyFactory<unknown> {
  return (
    typeof value === 'function' &&
    typeof (value as unknown as Record<symbol, unknown>)[DEPENDENCY_FACTORY_BRAND] === 'function'
  )
}

/**
 * Turn a `deps` entry into a dependency: built-in factories used without a call stand for their
 * default instance (`labelRow` is `labelRow()`). Anything else is a user error naming the key.
 */
export function toDependency(value: unknown, path: string): Dependency<unknown, unknown> {
  if (isDependency(value)) return value
  if (isDependencyFactory(value)) return value[DEPENDENCY_FACTORY_BRAND]()
  const what =
    value === undefined
      ? 'undefined'
      : typeof value === 'function'
        ? 'a function'
        : (JSON.stringify(value) ?? String(value))
  throw fail('InvalidDependency.notADependency', { path, what })
}

/** The `deps` record of a dependency (calling the thunk form). */
export function depsOf(dep: { deps?: DepsRecord | (() => DepsRecord) }): DepsRecord {
  const deps = dep.deps
  if (deps === undefined) return {}
  const record = typeof deps === 'function' ? deps() : deps
  if (record === null || typeof record !== 'object') {
    throw fail('InvalidDependency.depsNotAnObject')
  }
  return record
}

/**
 * Make a built-in factory: calls with the same options return the same dependency object (so two
 * handlers or dependencies asking for `labelRow()` share one value per task), and the bare factory
 * may be put in `deps` for its defaults.
 */
export function makeFactory<O, T>(
  name: string,
  create: (options: O | undefined) => Dependency<T, unknown>,
): ((options?: O) => Dependency<T, unknown>) & DependencyFactory<T> {
  const instances = new Map<string, Dependency<T, unknown>>()
  const get = (options?: O): Dependency<T, unknown> => {
    const key = stableKey(options)
    let dep = instances.get(key)
    if (dep === undefined) {
      dep = create(options)
      instances.set(key, dep)
    }
    return dep
  }
  const factory = ((options?: O) => get(options)) as ((options?: O) => Dependency<T, unknown>) & DependencyFactory<T>
  Object.defineProperty(factory, DEPENDENCY_FACTORY_BRAND, { value: () => get(undefined) })
  Object.defineProperty(factory, 'name', { value: name })
  return factory
}

/** A key for options objects: same content, same key (undefined members ignored). */
export function stableKey(value: unknown): string {
  if (value === undefined) return ''
  const key = JSON.stringify(value, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      )
    }
    return v
  })
  return key === '{}' ? '' : key
}
