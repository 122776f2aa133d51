/**
 * The engine's OpenTelemetry spans, when the user registered an OpenTelemetry SDK (see
 * docs/operations.md, "Traces"); plain calls otherwise (shared/tracing.ts: one branch, no span objects).
 *
 *   encord-agents.run            one per pass (a `refreshEvery` process ends a trace per pass)
 *   └ encord-agents.stage        one per agent stage and pass
 *     ├ encord-agents.listing    the stage's task listing (its `encord listTasks` requests are children)
 *     ├ encord-agents.batch      one per window of tasks loaded together (the `batchLoaded` event's batch)
 *     │ ├ encord-agents.dependencies   the batch's bulk dependency loads (label rows, storage items)
 *     │ └ encord-agents.task     one per task: its handler attempts, retries and backoff
 *     │   └ encord-agents.handler      one per attempt: the task's dependencies resolved, the handler called
 *     └ encord-agents.flush      one per flush: journal, label saves, priorities, moves
 *
 * Requests to Encord are `encord <endpoint>` client spans under whichever of these made them.
 */
import type { AgentTask, Stage } from '../../encord/types.js'
import { setSpanError, traceIterable, tracingEnabled, withSpan } from '../../shared/tracing.js'
import type { StageResult } from '../types.js'
import type { TaskOutcome } from './outcome.js'

export const SPAN_NAMES = {
  run: 'encord-agents.run',
  stage: 'encord-agents.stage',
  listing: 'encord-agents.listing',
  batch: 'encord-agents.batch',
  dependencies: 'encord-agents.dependencies',
  task: 'encord-agents.task',
  handler: 'encord-agents.handler',
  flush: 'encord-agents.flush',
} as const

export function tracePass<T>(run: { projectHash: string; pass: number; dryRun: boolean }, fn: () => Promise<T>) {
  return withSpan(
    SPAN_NAMES.run,
    {
      attributes: {
        'encord.project_hash': run.projectHash,
        'encord_agents.pass': run.pass,
        'encord_agents.dry_run': run.dryRun,
      },
    },
    fn,
  )
}

export function traceStage(stage: Stage, fn: () => Promise<StageResult>): Promise<StageResult> {
  return withSpan(
    SPAN_NAMES.stage,
    { attributes: { 'encord.stage.uuid': stage.uuid, 'encord.stage.title': stage.title } },
    async (span) => {
      const result = await fn()
      span?.setAttributes({
        'encord_agents.tasks.processed': result.processed,
        'encord_agents.tasks.stayed': result.stayed,
        'encord_agents.tasks.failed': result.failed,
      })
      return result
    },
  )
}

export function traceListing(
  stage: Stage,
  pages: AsyncIterable<readonly AgentTask[]>,
): AsyncIterable<readonly AgentTask[]> {
  return traceIterable(
    SPAN_NAMES.listing,
    {
      attributes: { 'encord.stage.uuid': stage.uuid },
      itemsAttribute: 'encord_agents.tasks',
      weigh: (page) => page.length,
    },
    pages,
  )
}

export function traceBatch(batch: number, tasks: number, fn: () => Promise<void>): Promise<void> {
  return withSpan(SPAN_NAMES.batch, { attributes: { 'encord_agents.batch': batch, 'encord_agents.tasks': tasks } }, fn)
}

export function traceDependencies(tasks: number, fn: () => Promise<void>): Promise<void> {
  return withSpan(SPAN_NAMES.dependencies, { attributes: { 'encord_agents.tasks': tasks } }, fn)
}

export function traceTask(
  task: AgentTask,
  fn: () => Promise<TaskOutcome | undefined>,
): Promise<TaskOutcome | undefined> {
  // Once per task: with tracing off, the call itself (no span options, no async step around it).
  if (!tracingEnabled()) return fn()
  return withSpan(
    SPAN_NAMES.task,
    { attributes: { 'encord.task.uuid': task.uuid, 'encord.data.hash': task.dataHash } },
    async (span) => {
      const outcome = await fn()
      if (span === undefined) return outcome
      if (outcome === undefined) span.setAttribute('encord_agents.outcome', 'interrupted')
      else if (outcome.kind === 'failed') {
        span.setAttributes({ 'encord_agents.outcome': 'failed', 'encord_agents.error.code': outcome.error.code })
        setSpanError(span, outcome.error.message)
      } else {
        const pathway = outcome.decision.pathway
        span.setAttributes({
          'encord_agents.outcome': pathway === null ? 'stayed' : 'moved',
          ...(pathway === null ? {} : { 'encord_agents.pathway': pathway.name }),
        })
      }
      return outcome
    },
  )
}

export function traceHandler<T>(attempt: number, fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn()
  return withSpan(SPAN_NAMES.handler, { attributes: { 'encord_agents.attempt': attempt } }, fn)
}

export function traceFlush(tasks: number, fn: () => Promise<void>): Promise<void> {
  return withSpan(SPAN_NAMES.flush, { attributes: { 'encord_agents.tasks': tasks } }, fn)
}
