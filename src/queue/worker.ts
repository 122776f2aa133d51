import { hostname } from 'node:os'
import type { Job, Worker as BullWorker } from 'bullmq'
import type { Redis } from 'ioredis'
import { RunScope } from '../core/deps/resolver.js'
import type { TaskLogger } from '../core/deps/types.js'
import type { RunEvent } from '../core/runner/events.js'
import type { ResolvedBinding } from '../core/runner/validate.js'
import type { AgentTask, EncordApi, Project, Stage } from '../encord/types.js'
import {
  completionResult,
  StageExecutor,
  type DecidedTask,
  type PreparedTask,
  type RunSlot,
  type TaskReport,
  type WorkItem,
} from './executor.js'
import {
  journalNamespace,
  QUEUE_PREFIX,
  queueName,
  registerStages,
  type TaskJobData,
  type TaskJobResult,
} from './names.js'
import { loadBullmq } from './redis.js'
import { RedisEffectJournal } from './redis-journal.js'
import { parseTaskSpec } from './spec.js'

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** A connection made by `connectRedis` (BullMQ duplicates it for its blocking reads). */
  redis: Redis
  client: EncordApi
  /** The project, fetched; `bindings` validated against it. */
  project: Project
  bindings: readonly ResolvedBinding[]
  /** Jobs handled at once per stage. @default 1 */
  concurrency?: number
  /** Fail a handler that takes longer (ms). */
  taskTimeout?: number
  /** Retries of a failing Encord request before the job fails (the job itself is then retried by BullMQ). @default 3 */
  requestRetries?: number
  retryDelayMs?: number
  maxRetryDelayMs?: number
  /** Decisions are applied together: at most this long after the first one waits. @default 100 */
  flushWindowMs?: number
  /** ... or as soon as this many wait. @default 100 */
  flushSize?: number
  /** Jobs picked up within this window are re-fetched and loaded together. @default 10 */
  loadWindowMs?: number
  /** BullMQ lock of a job; a dead worker's jobs return to the queue after it. @default 30000 */
  lockDurationMs?: number
  /** How often stalled jobs (of dead workers) are looked for. @default lockDurationMs */
  stalledIntervalMs?: number
  /** Stop when no job is waiting, delayed or active in any of the stages' queues. @default false */
  untilEmpty?: boolean
  /** Abort to stop: no new jobs are taken, running ones finish and are flushed. */
  signal?: AbortSignal
  onEvent?: (event: WorkerEvent) => void
  logger: (stage?: Stage, task?: AgentTask) => TaskLogger
}

/** What a worker reports while it works. */
export type WorkerEvent =
  | { type: 'started'; stages: Array<{ uuid: string; title: string; queue: string }>; concurrency: number }
  | { type: 'job'; stage: { uuid: string; title: string }; report: TaskReport; attempt: number; willRetry: boolean }
  | { type: 'flushed'; stage: { uuid: string; title: string }; tasks: number; durationMs: number }
  | { type: 'stopping'; reason: 'signal' | 'empty' }
  | { type: 'error'; message: string }
  | { type: 'log'; event: RunEvent }

/** Per-stage counts of what one worker did. */
export interface WorkerStageSummary {
  uuid: string
  title: string
  queue: string
  /** Jobs finished by this worker (completed or failed for good). */
  processed: number
  /** Tasks moved, by pathway name. */
  moved: Record<string, number>
  stayed: number
  /** Jobs failed for good (their error is kept on the job: `queue status`). */
  failed: number
  /** Attempts that failed and were handed back to BullMQ for a retry. */
  retried: number
  /** Tasks no longer in the stage when delivered (nothing to do). */
  gone: number
  /** Tasks moved by someone else between the decision and the move. */
  stale: number
  /** Redelivered tasks finished from the journal without running the handler again. */
  replayed: number
  /** The last failures (at most 50). */
  errors: Array<{ taskUuid: string; dataTitle: string; code: string; message: string }>
}

/** What `runWorker` returns, and `worker --json` prints. */
export interface WorkerSummary {
  projectHash: string
  concurrency: number
  durationMs: number
  /** Stopped by a signal (SIGINT/SIGTERM). */
  interrupted: boolean
  stoppedBecause: 'signal' | 'empty'
  stages: WorkerStageSummary[]
}

/**
 * Run BullMQ workers for the bound agent stages until `signal` aborts (or, with `untilEmpty`, until
 * the queues are empty). Each job is one task: re-fetched, decided by the stage's handler with the
 * same dependency injection as `run`, and applied exactly once through the Redis effect journal.
 * Decisions of jobs running at the same time are applied together (saves, priorities, then moves).
 * Handler errors are retried by BullMQ (`attempts` and `backoff` of the job, set by `enqueue`); a
 * `NonRetryableError` fails the job at once; failed jobs keep the error.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const started = performance.now()
  const { Worker, UnrecoverableError } = await loadBullmq()
  const concurrency = options.concurrency ?? 1
  const lockDuration = options.lockDurationMs ?? 30_000
  const emit = (event: WorkerEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // A listener must never break the worker.
    }
  }
  const runLog = options.logger()
  const runScope = new RunScope(
    { project: options.project, client: options.client, dryRun: false, log: runLog },
    new AbortController().signal,
  )
  await registerStages(
    options.redis,
    options.bindings.map((b) => ({
      projectHash: options.project.projectHash,
      projectTitle: options.project.title,
      stageUuid: b.stage.uuid,
      stageTitle: b.stage.title,
      queue: queueName(options.project.projectHash, b.stage.uuid),
    })),
  )

  const processors = options.bindings.map(
    (binding) =>
      new StageProcessor({
        redis: options.redis,
        executor: new StageExecutor({
          client: options.client,
          project: options.project,
          binding,
          runScope,
          journal: new RedisEffectJournal(
            options.redis,
            journalNamespace(options.project.projectHash, binding.stage.uuid),
          ),
          requestRetries: options.requestRetries,
          retryDelayMs: options.retryDelayMs,
          maxRetryDelayMs: options.maxRetryDelayMs,
          taskTimeout: options.taskTimeout,
          emit: (event) => {
            if (event.type === 'log') emit({ type: 'log', event })
          },
          logger: options.logger,
        }),
        journal: new RedisEffectJournal(
          options.redis,
          journalNamespace(options.project.projectHash, binding.stage.uuid),
        ),
        queue: queueName(options.project.projectHash, binding.stage.uuid),
        concurrency,
        flushWindowMs: options.flushWindowMs ?? 100,
        flushSize: options.flushSize ?? 100,
        loadWindowMs: options.loadWindowMs ?? 10,
        emit,
        unrecoverable: (message) => new UnrecoverableError(message),
      }),
  )

  const workers: BullWorker[] = []
  let stoppedBecause: 'signal' | 'empty' = 'signal'
  let stop: () => void = () => undefined
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  const onAbort = (): void => stop()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted === true) stop()

  let emptyTimer: NodeJS.Timeout | undefined
  try {
    for (const processor of processors) {
      const worker = new Worker<TaskJobData, TaskJobResult>(
        processor.queue,
        (job, token) => processor.process(job, token),
        {
          connection: options.redis,
          prefix: QUEUE_PREFIX,
          // Recorded on each job as `processedBy`: which machine and process handled it.
          name: workerName(),
          concurrency,
          lockDuration,
          stalledInterval: options.stalledIntervalMs ?? lockDuration,
          // Effects are exactly-once, so a job whose worker died may safely come back several times.
          maxStalledCount: 10,
          autorun: false,
        },
      )
      worker.on('completed', (job) => processor.onCompleted(job))
      worker.on('failed', (job) => processor.onFailed(job))
      worker.on('error', (error) => emit({ type: 'error', message: error.message }))
      workers.push(worker)
    }
    for (const worker of workers) {
      void worker.run().catch((error: Error) => emit({ type: 'error', message: error.message }))
    }
    await Promise.all(workers.map((w) => w.waitUntilReady()))
    emit({
      type: 'started',
      stages: processors.map((p) => ({ uuid: p.stage.uuid, title: p.stage.title, queue: p.queue })),
      concurrency,
    })

    if (options.untilEmpty === true) {
      const { Queue } = await loadBullmq()
      const queues = processors.map((p) => new Queue(p.queue, { connection: options.redis, prefix: QUEUE_PREFIX }))
      const check = async (): Promise<void> => {
        try {
          let outstanding = processors.reduce((n, p) => n + p.inFlight, 0)
          for (const queue of queues) {
            const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')
            outstanding += Object.values(counts).reduce((a, b) => a + b, 0)
          }
          if (outstanding === 0) {
            stoppedBecause = 'empty'
            stop()
            return
          }
        } catch (error) {
          emit({ type: 'error', message: `Checking whether the queues are empty failed: ${(error as Error).message}` })
        }
        emptyTimer = setTimeout(() => void check(), 250)
      }
      void check()
      await stopped
      await Promise.all(queues.map((q) => q.close()))
    } else {
      await stopped
    }
    emit({ type: 'stopping', reason: stoppedBecause })
  } finally {
    if (emptyTimer !== undefined) clearTimeout(emptyTimer)
    options.signal?.removeEventListener('abort', onAbort)
    // close() stops taking jobs and waits for the running ones (whose decisions are flushed).
    await Promise.all(workers.map((w) => w.close()))
    await Promise.all(processors.map((p) => p.idle()))
    await runScope.dispose()
  }
  return {
    projectHash: options.project.projectHash,
    concurrency,
    durationMs: Math.round(performance.now() - started),
    interrupted: stoppedBecause === 'signal',
    stoppedBecause,
    stages: processors.map((p) => p.summary),
  }
}

/** `host:pid`, the name a worker gives BullMQ (kept on each job it handles). */
export function workerName(): string {
  return `${hostname()}:${process.pid}`
}

interface Waiter<I, O> {
  input: I
  resolve: (value: O) => void
  reject: (error: unknown) => void
}

/**
 * Collects inputs and hands them to `run` together: when `size` are waiting, when `ready()` says so,
 * or `windowMs` after the first one arrived.
 */
class MicroBatcher<I, O> {
  #waiting: Array<Waiter<I, O>> = []
  #timer: NodeJS.Timeout | undefined
  readonly #running = new Set<Promise<void>>()

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly size: () => number,
    private readonly windowMs: number,
    private readonly ready: (waiting: number) => boolean = () => false,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject })
      this.poke()
    })
  }

  /** Re-check whether the waiting inputs should go now. */
  poke(): void {
    if (this.#waiting.length === 0) return
    if (this.#waiting.length >= this.size() || this.ready(this.#waiting.length)) {
      this.#fire()
      return
    }
    this.#timer ??= setTimeout(() => this.#fire(), this.windowMs)
  }

  /** Wait for every batch handed out so far. */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#waiting.length > 0) {
      if (this.#waiting.length > 0) this.#fire()
      await Promise.allSettled([...this.#running])
    }
  }

  #fire(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#waiting.splice(0)
    if (batch.length === 0) return
    const promise = (async () => {
      try {
        const outputs = await this.run(batch.map((w) => w.input))
        batch.forEach((w, i) => w.resolve(outputs[i]))
      } catch (error) {
        for (const w of batch) w.reject(error)
      }
    })()
    this.#running.add(promise)
    void promise.finally(() => this.#running.delete(promise))
  }
}

interface StageProcessorOptions {
  redis: Redis
  executor: StageExecutor
  journal: RedisEffectJournal
  queue: string
  concurrency: number
  flushWindowMs: number
  flushSize: number
  loadWindowMs: number
  emit: (event: WorkerEvent) => void
  unrecoverable: (message: string) => Error
}

/** One stage's job processor: batches re-fetching and loading, then batches applying decisions. */
class StageProcessor {
  readonly stage: Stage
  readonly queue: string
  readonly summary: WorkerStageSummary
  inFlight = 0
  readonly #o: StageProcessorOptions
  readonly #loader: MicroBatcher<WorkItem, PreparedTask | RunSlot>
  readonly #flusher: MicroBatcher<{ decided: DecidedTask; lockKey: string; token?: string }, TaskReport | 'lockLost'>
  /** Jobs whose failure leaves nothing to finish: their journal entry is forgotten once failed. */
  readonly #settledFailures = new Set<string>()

  constructor(options: StageProcessorOptions) {
    this.#o = options
    this.stage = options.executor.stage
    this.queue = options.queue
    this.summary = {
      uuid: this.stage.uuid,
      title: this.stage.title,
      queue: options.queue,
      processed: 0,
      moved: {},
      stayed: 0,
      failed: 0,
      retried: 0,
      gone: 0,
      stale: 0,
      replayed: 0,
      errors: [],
    }
    this.#loader = new MicroBatcher(
      (items) => options.executor.prepare(items),
      () => Math.max(1, options.concurrency),
      options.loadWindowMs,
    )
    // Every job of this worker is waiting for the flush: nothing else can join it, go now.
    this.#flusher = new MicroBatcher(
      async (inputs) => {
        const t0 = performance.now()
        // A job whose lock expired (this worker stalled) was handed to another worker, which applies
        // the same recorded decision: applying it here as well could save its labels twice.
        const locks = await options.redis.mget(...inputs.map((i) => i.lockKey))
        const owned = inputs.filter((input, i) => input.token === undefined || locks[i] === input.token)
        const reports = await options.executor.apply(owned.map((i) => i.decided))
        options.emit({
          type: 'flushed',
          stage: { uuid: this.stage.uuid, title: this.stage.title },
          tasks: owned.length,
          durationMs: Math.round(performance.now() - t0),
        })
        const byInput = new Map(owned.map((input, i) => [input, reports[i]]))
        return inputs.map((input) => byInput.get(input) ?? 'lockLost')
      },
      () => options.flushSize,
      options.flushWindowMs,
      (waiting) => waiting >= this.inFlight,
    )
  }

  async process(job: Job<TaskJobData, TaskJobResult>, token?: string): Promise<TaskJobResult> {
    const attempts = job.opts.attempts ?? 1
    let spec
    try {
      spec = parseTaskSpec(job.data.task as unknown as Record<string, unknown>)
    } catch (error) {
      // Not a job of ours (or a damaged one): retrying cannot help.
      throw this.#o.unrecoverable(`InvalidTaskSpec: ${(error as Error).message}`)
    }
    const item: WorkItem = {
      spec,
      attempt: job.attemptsMade,
      finalAttempt: job.attemptsMade + 1 >= attempts,
      ref: `${job.id}@${job.timestamp}`,
    }
    this.inFlight++
    let report: TaskReport
    try {
      const slot = await this.#loader.add(item)
      // Each job runs its own handler: a slow one does not hold back the others loaded with it.
      const prepared = slot.kind === 'run' ? await slot.run() : slot
      if (prepared.kind === 'report') report = prepared.report
      else {
        const applied = await this.#flusher.add({
          decided: prepared,
          lockKey: `${QUEUE_PREFIX}:${this.queue}:${job.id}:lock`,
          token,
        })
        if (applied === 'lockLost')
          throw new Error(
            'This worker lost the job (its lock expired): the worker that took it over applies its decision.',
          )
        report = applied
      }
    } finally {
      this.inFlight--
      this.#flusher.poke()
    }
    const willRetry =
      (report.status === 'retry' || (report.status === 'failed' && report.retryable)) && !item.finalAttempt
    this.#tally(report, willRetry)
    this.#o.emit({
      type: 'job',
      stage: { uuid: this.stage.uuid, title: this.stage.title },
      report,
      attempt: item.attempt,
      willRetry,
    })
    if (report.status === 'retry' || report.status === 'failed') {
      const message = report.error !== undefined ? `${report.error.code}: ${report.error.message}` : 'The task failed.'
      if (willRetry) throw new Error(message)
      if (report.settled && job.id !== undefined) this.#settledFailures.add(job.id)
      // Fail now, whatever attempts are left: the failure is final (NonRetryableError, last attempt).
      throw this.#o.unrecoverable(message)
    }
    const result = completionResult(report)
    return { ...result, status: report.status, pathway_name: report.pathway?.name ?? null, replayed: report.replayed }
  }

  /** Acknowledged: the journal entry is not needed any more. */
  onCompleted(job: Job<TaskJobData, TaskJobResult>): void {
    void this.#o.journal.forget(job.data.task.uuid).catch(() => undefined)
  }

  onFailed(job: Job<TaskJobData, TaskJobResult> | undefined): void {
    if (job?.id === undefined || !this.#settledFailures.delete(job.id)) return
    void this.#o.journal.forget(job.data.task.uuid).catch(() => undefined)
  }

  async idle(): Promise<void> {
    await this.#loader.idle()
    await this.#flusher.idle()
  }

  #tally(report: TaskReport, willRetry: boolean): void {
    const s = this.summary
    if (willRetry) {
      s.retried++
      return
    }
    s.processed++
    if (report.replayed) s.replayed++
    switch (report.status) {
      case 'moved':
        s.moved[report.pathway?.name ?? '?'] = (s.moved[report.pathway?.name ?? '?'] ?? 0) + 1
        break
      case 'stayed':
        s.stayed++
        break
      case 'gone':
        s.gone++
        break
      case 'stale':
        s.stale++
        break
      default:
        s.failed++
        s.errors.push({
          taskUuid: report.taskUuid,
          dataTitle: report.dataTitle,
          code: report.error?.code ?? 'TaskFailed',
          message: report.error?.message ?? 'The task failed.',
        })
        if (s.errors.length > 50) s.errors.shift()
    }
  }
}
