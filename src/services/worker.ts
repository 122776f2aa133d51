import type { AgentTask, Stage } from '../encord/types.js'
import type { TaskLogger } from '../core/deps/types.js'
import { guardProcessExit } from '../core/runner/exit-guard.js'
import { runWorker, type WorkerEvent, type WorkerSummary } from '../queue/worker.js'
import { redact } from '../ui/redact.js'
import { failedTaskLine, stageCells, STAGE_COLUMNS, summaryTable } from '../ui/summary.js'
import { stdoutTheme, type Theme } from '../ui/theme.js'
import type { Logger } from 'pino'
import type { QueueJobCounts } from '../observability/metrics.js'
import { queueStatus } from '../queue/status.js'
import { openQueueSession, type QueueSession, type QueueSessionOptions } from './queue-session.js'

/** Run options used: `concurrency` (jobs at once per stage), `taskTimeout`, `numRetries` (of requests). */
export interface WorkerServiceOptions extends QueueSessionOptions {
  /** Exit once every stage queue is empty. */
  untilEmpty?: boolean
  /** BullMQ job lock (ms): a dead worker's jobs go back to the queue after it. @default 30000 */
  lockDurationMs?: number
  /** Decisions applied together: window (ms) and size. @default 100 ms, 100 */
  flushWindowMs?: number
  flushSize?: number
  signal?: AbortSignal
  onEvent?: (event: WorkerEvent) => void
  /** Handler and dependency log lines (warnings and errors always reach it; info/debug with verbose). */
  onLog?: (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void
  /** `--log-format json`: handlers' `ctx.log` writes here, with the stage's and task's fields. */
  jsonLog?: Logger
  /** Called once Redis and the project are open (the metrics' queue probes attach here). */
  onSession?: (session: QueueSession) => void
}

/** What `worker --json` prints when the worker stops. */
export type WorkerCommandResult = WorkerSummary & { redis: string }

/**
 * `encord-agents worker`: validate the config's agents against the project, then handle jobs of
 * every agent stage's queue until stopped (or, with `untilEmpty`, until the queues are empty).
 */
export async function runWorkerService(options: WorkerServiceOptions): Promise<WorkerCommandResult> {
  const session = await openQueueSession(options)
  try {
    options.onSession?.(session)
    const { concurrency, taskTimeout, numRetries } = session.settings
    const log = options.onLog ?? (() => undefined)
    const jsonLog = options.jsonLog
    const logger = (stage?: Stage, task?: AgentTask): TaskLogger => {
      if (jsonLog !== undefined) return taskJsonLogger(jsonLog, stage, task)
      const prefix = [stage?.title, task?.dataTitle].filter(Boolean).join(' › ')
      const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) =>
        log(level, `${prefix ? `${prefix}: ` : ''}${message}`)
      return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
    }
    // A handler's process.exit fails its job instead of stopping the worker (see exit-guard.ts).
    const stages = session.bindings.map((b) => `"${b.stage.title}"`).join(', ')
    const release = guardProcessExit({ describe: () => `A handler of this worker (stages ${stages})` })
    const summary = await runWorker({
      redis: session.redis,
      client: session.client,
      project: session.project,
      bindings: session.bindings,
      concurrency,
      taskTimeout,
      requestRetries: numRetries,
      lockDurationMs: options.lockDurationMs,
      flushWindowMs: options.flushWindowMs,
      flushSize: options.flushSize,
      untilEmpty: options.untilEmpty,
      signal: options.signal,
      onEvent: options.onEvent,
      logger,
    }).finally(release)
    return { ...summary, redis: session.redisShown }
  } finally {
    await session.close()
  }
}

/** A handler's `ctx.log` in JSON mode: the command's logger with the stage's and task's fields. */
export function taskJsonLogger(log: Logger, stage?: Stage, task?: AgentTask): TaskLogger {
  const child = log.child({
    ...(stage !== undefined ? { stage: stage.title, stageUuid: stage.uuid } : {}),
    ...(task !== undefined ? { taskUuid: task.uuid, dataHash: task.dataHash, dataTitle: task.dataTitle } : {}),
  })
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, data?: Record<string, unknown>): void => {
      if (data === undefined) child[level](message)
      else child[level](data, message)
    }
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

/**
 * What `/metrics` and `/healthz` read from a worker: job counts per stage queue (at scrape time) and
 * the Redis connection's status. Attach the session once it is open (`onSession`).
 */
export function workerProbes(): {
  queueJobs: () => Promise<QueueJobCounts[]>
  redisStatus: () => string
  attach: (session: QueueSession) => void
} {
  let session: QueueSession | undefined
  return {
    attach: (s) => {
      session = s
    },
    redisStatus: () => session?.redis.status ?? 'ready',
    queueJobs: async () => {
      if (session === undefined) return []
      const titles = new Set(session.bindings.map((b) => b.stage.title))
      const status = await queueStatus(session.redis, { projectHash: session.projectHash, failedLimit: 0 })
      return status.stages
        .filter((s) => titles.has(s.stageTitle))
        .map((s) => ({ stage: s.stageTitle, counts: s.counts }))
    },
  }
}

/** Live counts from worker events, for the periodic progress line. */
export class WorkerProgress {
  #done = 0
  #moved = 0
  #stayed = 0
  #failed = 0
  #retried = 0
  #other = 0
  #lastShown = ''
  readonly #started = performance.now()

  onEvent(event: WorkerEvent): void {
    if (event.type !== 'job') return
    if (event.willRetry) {
      this.#retried++
      return
    }
    this.#done++
    const s = event.report.status
    if (s === 'moved') this.#moved++
    else if (s === 'stayed') this.#stayed++
    else if (s === 'failed' || s === 'retry') this.#failed++
    else this.#other++
  }

  /** A progress line, or undefined when nothing changed since the last one. */
  line(): string | undefined {
    const seconds = (performance.now() - this.#started) / 1000
    const rate = seconds > 0 ? this.#done / seconds : 0
    const text = `${this.#done} done (${this.#moved} moved, ${this.#stayed} stayed, ${this.#failed} failed${this.#other ? `, ${this.#other} already gone` : ''}), ${this.#retried} retried`
    if (text === this.#lastShown) return undefined
    this.#lastShown = text
    return `${text}, ${rate.toFixed(1)} tasks/s`
  }
}

/** The summary printed when a worker stops. */
export function formatWorkerSummary(result: WorkerCommandResult, t: Theme = stdoutTheme): string {
  const rows = summaryTable([...STAGE_COLUMNS, 'Retried', 'Replayed', 'Gone'], t)
  for (const s of result.stages)
    rows.push([...stageCells(s, t), String(s.retried), String(s.replayed), String(s.gone + s.stale)])
  const out = [rows.toString()]
  const errors = result.stages.flatMap((s) => s.errors.map((e) => ({ stage: s.title, ...e })))
  if (errors.length > 0) {
    out.push('', t.bold(`Failed jobs (latest ${Math.min(errors.length, 20)}):`))
    for (const e of errors.slice(-20))
      out.push(`  ${t.error('✖')} ${failedTaskLine(e.stage, e.dataTitle, e.taskUuid, e.code, e.message, t)}`)
    out.push(
      '',
      'Their errors stay on the jobs: `encord-agents queue status`; queue them again with `encord-agents queue retry-failed`.',
    )
  }
  const processed = result.stages.reduce((n, s) => n + s.processed, 0)
  const seconds = (result.durationMs / 1000).toFixed(1)
  out.push(
    '',
    result.stoppedBecause === 'empty'
      ? `${t.ok('✔')} Queues empty: ${processed} job${processed === 1 ? '' : 's'} handled in ${seconds}s.`
      : `${t.warn('■')} Stopped: ${processed} job${processed === 1 ? '' : 's'} handled in ${seconds}s; running jobs were finished and their decisions applied.`,
  )
  return redact(out.join('\n'))
}
