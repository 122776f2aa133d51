import { fail } from '../../shared/error-catalogue/index.js'
/**
 * One handler attempt, shared by the runner and the queue workers: dependencies resolved in a task
 * scope, the handler called under its timeout, its result checked and its effects collected.
 */
import type { AgentTask, EncordApi, Project, Stage } from '../../encord/types.js'
import type { AgentDefinition, HandlerContext, SavableLabelRow } from '../agent.js'
import { isUncreatedLabelRow, labelRowOrigin } from '../deps/builtins/origins.js'
import type { DependencyGraph } from '../deps/graph.js'
import { AttemptContext, TaskScope, type BatchData, type RunScope, type TaskScopeOptions } from '../deps/resolver.js'
import type { DepsRecord, TaskEffect, TaskLogger } from '../deps/types.js'
import { TaskTimeoutError } from './errors.js'
import { interpretHandlerResult, type TaskDecision } from './result.js'
import { traceHandler } from './spans.js'

/** What one handler attempt needs: the task, where it runs, and what to inject. */
export interface DecideTaskOptions {
  task: AgentTask
  index: number
  stage: Stage
  batch: BatchData
  runScope: RunScope
  attempt: number
  project: Project
  client: EncordApi
  dryRun: boolean
  log: TaskLogger
  graph: DependencyGraph
  agent: AgentDefinition<DepsRecord>
  /** Fail the attempt with TaskTimeoutError after this many ms (the handler's signal is aborted). */
  taskTimeout?: number
}

/**
 * One attempt of a task's handler, shared by the runner and the queue workers: resolve its
 * dependencies in a fresh task scope, call the handler (under `taskTimeout`), check what it returned,
 * and collect the effects to apply (label saves of changed rows, storage updates, a returned label
 * row). The scope is disposed whatever happens; errors are thrown for the caller's retry policy.
 */
export function decideTask(o: DecideTaskOptions): Promise<{ decision: TaskDecision; effects: TaskEffect[] }> {
  return traceHandler(o.attempt, () => decide(o))
}

async function decide(o: DecideTaskOptions): Promise<{ decision: TaskDecision; effects: TaskEffect[] }> {
  const cancel = lazyAbort()
  const attempt: TaskScopeOptions = {
    task: o.task,
    index: o.index,
    stage: o.stage,
    batch: o.batch,
    run: o.runScope,
    attempt: o.attempt,
    signal: cancel.signal,
    base: { project: o.project, client: o.client, dryRun: o.dryRun, log: o.log },
  }
  const scope = new TaskScope(attempt)
  let timer: NodeJS.Timeout | undefined
  const started = performance.now()
  try {
    let value: unknown
    if (o.taskTimeout !== undefined) {
      const work = (async () => {
        const deps = await scope.resolveRoots(o.graph)
        return o.agent.handler(new HandlerCall(attempt, deps))
      })()
      const timeoutMs = o.taskTimeout
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new TaskTimeoutError(timeoutMs)
          cancel.abort(error)
          reject(error)
        }, timeoutMs)
      })
      // A handler that ignores the signal keeps running detached; its result is discarded.
      work.catch(() => undefined)
      value = await Promise.race([work, timeout])
      // A handler that blocks the event loop (a synchronous loop) returns before the timer can fire:
      // past its timeout it fails all the same, with the time it took.
      const tookMs = performance.now() - started
      if (tookMs > timeoutMs) {
        cancel.abort(new TaskTimeoutError(timeoutMs, tookMs))
        throw new TaskTimeoutError(timeoutMs, tookMs)
      }
    } else {
      // No timeout to race: the dependencies, then the handler, with no promise around the two.
      const deps = await scope.resolveRoots(o.graph)
      value = await o.agent.handler(new HandlerCall(attempt, deps))
    }
    const decision = interpretHandlerResult(value, o.stage)
    const effects = await scope.collectEffects()
    if (decision.labelRow !== undefined) addReturnedLabelRow(effects, decision.labelRow, o.project.projectHash)
    return { decision, effects }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
    const disposing = scope.dispose()
    if (disposing !== undefined) await disposing
  }
}

/** What a handler is called with (a class, as the dependencies' contexts: see `AttemptContext`). */
class HandlerCall extends AttemptContext implements HandlerContext<DepsRecord> {
  constructor(
    attempt: TaskScopeOptions,
    readonly deps: HandlerContext<DepsRecord>['deps'],
  ) {
    super(attempt)
  }
}

/**
 * A label row the handler returned is saved once, only if it changed. Rows from the label row
 * dependencies are already registered (and saved when changed); a row built by the handler itself is
 * saved to this project under its own label hash.
 */
export function addReturnedLabelRow(effects: TaskEffect[], row: SavableLabelRow, projectHash: string): void {
  // A row from a label row dependency registered its own save (made only if it changed); one it gave
  // in a dry run for a data unit without a label row has nothing to save (a dry run saves nothing).
  if (labelRowOrigin(row) !== undefined || isUncreatedLabelRow(row)) return
  if (typeof row.labelHash !== 'string') {
    throw fail('LabelRowNotSavable')
  }
  const labelHash = row.labelHash
  if (effects.some((e) => e.kind === 'saveLabelRow' && e.projectHash === projectHash && e.labelHash === labelHash))
    return
  const flags = row as { hasLabelChanges?: boolean; isDirty?: boolean | (() => boolean) }
  const dirty = flags.hasLabelChanges ?? (typeof flags.isDirty === 'function' ? flags.isDirty.call(row) : flags.isDirty)
  // A row we cannot tell about is saved; one that says it did not change is not.
  if (dirty === false) return
  effects.push({ kind: 'saveLabelRow', projectHash, labelHash, labelRow: row.toDict() })
}

/**
 * An attempt's abort signal, made only when a handler or dependency reads it: most never do, and an
 * AbortController per task attempt was ~3% of the engine's CPU in the bench (issue 21). Aborting
 * before it is read makes the signal already aborted, with the same reason, when it is.
 */
function lazyAbort(): { signal: () => AbortSignal; abort: (reason: unknown) => void } {
  let controller: AbortController | undefined
  let aborted: { reason: unknown } | undefined
  return {
    signal: () => {
      if (controller === undefined) {
        controller = new AbortController()
        if (aborted !== undefined) controller.abort(aborted.reason)
      }
      return controller.signal
    },
    abort: (reason) => {
      aborted ??= { reason }
      controller?.abort(reason)
    },
  }
}
