import pLimit from 'p-limit'
import type { AgentTask, EncordApi, Pathway, Project, Stage, TaskFilters } from '../../encord/types.js'
import type { AgentDefinition } from '../agent.js'
import { mergeLabelRowMetadata, type DependencyGraph } from '../deps/graph.js'
import { BatchData, RunScope } from '../deps/resolver.js'
import type { DepsRecord, TaskLogger } from '../deps/types.js'
import type { EffectJournal } from '../journal.js'
import type { RunSettings, StageResult } from '../types.js'
import { backoffMs, sleep } from './backoff.js'
import { makeBreather } from './breathe.js'
import { decideTask } from './decide.js'
import { describeTaskError, isRetryable } from './errors.js'
import type { RunEvent } from './events.js'
import { emptyStageResult, eventStage, eventTask, Flusher } from './flush.js'
import type { TaskOutcome } from './outcome.js'
import { planReplays } from './journal-replay.js'
import { isFatal, withRetries } from './retry.js'
import { traceBatch, traceDependencies, traceListing, traceTask } from './spans.js'
import { readAhead, takeItems, windowsOf } from './streams.js'

/** Everything one stage pass needs. */
export interface StageRunContext {
  client: EncordApi
  project: Project
  stage: Stage
  agent: AgentDefinition<DepsRecord>
  graph: DependencyGraph
  /** The agent's `onFailure` pathway, resolved. */
  onFailure?: Pathway
  settings: RunSettings
  runScope: RunScope
  /** Aborted to stop: nothing more is listed or started; running handlers finish; decisions flush. */
  stopSignal: AbortSignal
  emit: (event: RunEvent) => void
  retryDelayMs: number
  maxRetryDelayMs: number
  /** Tasks whose data is loaded together (at least `taskBatchSize`). */
  loadWindow: number
  logger: (stage: Stage, task?: AgentTask) => TaskLogger
  /** Write-ahead journal of decisions (not used in a dry run). @default none */
  journal?: EffectJournal
  /**
   * This stage's listing, already started (`ListingHeadStart`, by `listStagePages`): the first
   * attempt of `listTasksResilient` reads it instead of starting another. @default none
   */
  startedListing?: AsyncIterable<AgentTask[]>
}

/**
 * After a stop (the first Ctrl-C), how long handlers still running may take before they are abandoned:
 * their tasks stay in their stage, undecided, for the next run. Decisions already made are applied at
 * once, without waiting for it.
 */
export const STOP_GRACE_MS = 10_000

/**
 * The stage's last decided batches are held at most this long for one flush, and only while the
 * remaining tasks are expected to be decided within it (see `runStage`): a slow handler never keeps
 * the other tasks from moving for longer.
 */
export const TAIL_HOLD_MS = 30

/**
 * Load windows in flight at once: enough to keep `concurrency` handlers busy, plus windows loading
 * ahead, more of them as concurrency grows (their loads use one connection at a time each; at
 * concurrency 16 a third window keeps the listing from waiting for a slot while two are loading),
 * at most four ahead so memory stays bounded.
 */
export function windowsInFlight(concurrency: number, window: number): number {
  return Math.ceil(concurrency / window) + Math.min(4, Math.max(1, Math.ceil(concurrency / 8)))
}

/** The task filters of the run settings, in the client's terms. */
export function taskFilters(settings: RunSettings): TaskFilters | undefined {
  const f = settings.filters
  if (f === undefined) return undefined
  return {
    dataTitleContains: f.dataTitleContains,
    dataHashes: f.dataHashes,
    statuses: f.statuses,
    userEmails: f.assignees,
  }
}

/**
 * A stage's tasks as a run lists them: page ahead, each page's request leaving as soon as the previous
 * page's cursor is read, not after that page is checked and its tasks handed out (the listing is the
 * bound of runs without handler work: one round trip per page and nothing more).
 */
export function listStagePages(
  client: EncordApi,
  projectHash: string,
  stageUuid: string,
  settings: RunSettings,
): AsyncIterable<AgentTask[]> {
  return client.listTaskPages(projectHash, stageUuid, taskFilters(settings), { pageAhead: true })
}

/**
 * Run one agent stage once over the tasks waiting in it: list lazily page by page, load the data of a
 * window of tasks (one or more batches) in bulk, run handlers with the configured concurrency, and
 * flush each batch's decisions in the background as soon as the batch is decided. The next window is
 * listed and loaded while the current one runs, so round trips overlap handler work; at most a few
 * windows are held in memory, whatever the size of the stage.
 */
export async function runStage(ctx: StageRunContext): Promise<StageResult> {
  const { stage, settings } = ctx
  const result = emptyStageResult(stage)
  const evStage = eventStage(stage)
  const stageLog = ctx.logger(stage)
  const retries = { retries: settings.numRetries, retryDelayMs: ctx.retryDelayMs, maxRetryDelayMs: ctx.maxRetryDelayMs }
  const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> => withRetries(what, fn, retries, stageLog)
  const loadRetry = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    withRetries(what, fn, retries, stageLog, ctx.stopSignal)
  const journal = settings.dryRun ? undefined : ctx.journal
  const flusher = new Flusher(
    {
      client: ctx.client,
      projectHash: ctx.project.projectHash,
      stage,
      dryRun: settings.dryRun,
      emit: ctx.emit,
      retry,
      journal,
    },
    result,
  )
  const limit = pLimit(settings.concurrency)
  const breathe = makeBreather()
  const inFlight = new Set<Promise<void>>()
  // Data is loaded for a window of tasks (at least one batch): fewer, larger bulk requests, while
  // decisions are still flushed batch by batch.
  const window = Math.max(settings.taskBatchSize, ctx.loadWindow)
  const maxInFlight = windowsInFlight(settings.concurrency, window)
  // The stage's own listing options first (its branch wins), with what the dependencies need OR-ed in.
  const labelRowMetadata = mergeLabelRowMetadata([ctx.agent.labelRowMetadata, ctx.graph.labelRowMetadata])
  let windowNumber = 0
  let fatal: unknown
  // The tail of the stage: once the listing is done and every window's data is loaded, a decided
  // batch is held (at most TAIL_HOLD_MS) when the tasks still undecided should be decided within that
  // time at the rate tasks were decided since the last window's handlers started. The last batches of
  // a stage without handler work then go out as one proceed instead of two.
  let listingDone = false
  let loading = 0
  let undecided = 0
  let handlingSince = 0
  let decidedSince = 0
  const atTail = (): boolean => listingDone && loading === 0 && !ctx.stopSignal.aborted
  const holdTail = (): boolean => {
    if (!atTail() || undecided === 0 || decidedSince === 0) return false
    return (undecided * (performance.now() - handlingSince)) / decidedSince <= TAIL_HOLD_MS
  }
  // Every task of the stage is decided: nothing more can join a flush (see Flusher.finish).
  const lastDecisions = (): boolean => atTail() && undecided === 0
  const releaseOnStop = (): void => flusher.release()
  ctx.stopSignal.addEventListener('abort', releaseOnStop, { once: true })
  // Resolves when the run is asked to stop, then when the handlers' grace period is over.
  let stopped: Promise<'stopping'> | undefined
  const stopping = (): Promise<'stopping'> =>
    (stopped ??= new Promise((resolve) => {
      if (ctx.stopSignal.aborted) resolve('stopping')
      else ctx.stopSignal.addEventListener('abort', () => resolve('stopping'), { once: true })
    }))
  let graceTimer: NodeJS.Timeout | undefined
  let grace: Promise<'abandoned'> | undefined
  const graceOver = (): Promise<'abandoned'> =>
    (grace ??= new Promise((resolve) => {
      graceTimer = setTimeout(() => resolve('abandoned'), STOP_GRACE_MS)
    }))

  const processWindow = async (listed: AgentTask[], number: number): Promise<void> => {
    const started = performance.now()
    loading++
    let loaded = false
    const doneLoading = (): void => {
      if (!loaded) loading--
      loaded = true
    }
    let tasks: AgentTask[]
    try {
      tasks = journal === undefined ? listed : await replayRecorded(listed)
    } catch (error) {
      doneLoading()
      throw error
    }
    if (tasks.length === 0) {
      doneLoading()
      return
    }
    const data = new BatchData({
      project: ctx.project,
      client: ctx.client,
      dryRun: settings.dryRun,
      log: stageLog,
      tasks,
      stage,
      graph: ctx.graph,
      labelRowMetadata,
      runCache: ctx.runScope.runCache,
      signal: ctx.stopSignal,
    })
    try {
      try {
        await traceDependencies(tasks.length, () => data.loadAll(loadRetry))
      } finally {
        doneLoading()
      }
      undecided += tasks.length
      handlingSince = performance.now()
      decidedSince = 0
      ctx.emit({
        type: 'batchLoaded',
        stage: evStage,
        batch: number,
        tasks: tasks.length,
        durationMs: Math.round(performance.now() - started),
      })
      const batches: Array<Array<{ task: AgentTask; index: number }>> = []
      tasks.forEach((task, index) => {
        if (index % settings.taskBatchSize === 0) batches.push([])
        batches[batches.length - 1].push({ task, index })
      })
      // All tasks are queued at once (p-limit is first in, first out); each batch is flushed as soon
      // as its own tasks are decided, while the next batch's handlers run, except at the stage's tail,
      // where a batch may wait up to TAIL_HOLD_MS for the last few (holdTail). The last window is never
      // held until its slowest handler returns: a stage that fits in one window (most stages) would then
      // move nothing in Encord until then (issue 21's first attempt, taken back).
      await Promise.all(
        batches.map(async (batch) => {
          const outcomes: Array<TaskOutcome | undefined> = []
          // Once the run is stopping, each decision is flushed as soon as it is made; after the grace
          // period, a handler that still returns is ignored (the stage's flush is closed).
          let flushEach = false
          let abandoned = false
          const runs = batch.map(({ task, index }, i) =>
            limit(async () => {
              // Interrupted: tasks whose handler has not started stay untouched for the next run.
              if (ctx.stopSignal.aborted || fatal !== undefined) return undefined
              // CPU-bound handlers: let the listing, loads and flushes be read in between (see breathe.ts).
              const pause = breathe()
              if (pause !== undefined) await pause
              if (ctx.stopSignal.aborted || fatal !== undefined) return undefined
              return traceTask(task, () => runTask(ctx, task, index, data))
            }).then((outcome) => {
              undecided--
              decidedSince++
              if (abandoned) return
              if (!flushEach) outcomes[i] = outcome
              else if (outcome !== undefined) flusher.enqueue([outcome])
            }),
          )
          const all = Promise.all(runs)
          // Stopped while handlers of this batch still run: what is decided is applied now, not when
          // the batch ends; handlers that do not finish within the grace period are abandoned (their
          // tasks stay in their stage for the next run).
          if ((await Promise.race([all.then(() => 'done' as const), stopping()])) === 'stopping') {
            flushEach = true
            flusher.enqueue(outcomes.filter((o): o is TaskOutcome => o !== undefined))
            if ((await Promise.race([all.then(() => 'done' as const), graceOver()])) === 'abandoned') {
              abandoned = true
              stageLog.warn(
                `Abandoned the handlers still running ${STOP_GRACE_MS / 1000} s after the stop; their tasks stay in "${stage.title}" for the next run.`,
              )
            }
            return
          }
          const decided = outcomes.filter((o): o is TaskOutcome => o !== undefined)
          if (lastDecisions()) flusher.finish(decided)
          else if (holdTail()) flusher.hold(decided, TAIL_HOLD_MS)
          else flusher.enqueue(decided)
        }),
      )
    } finally {
      data.release()
    }
  }

  /**
   * Tasks with a decision recorded by an earlier run that stopped before settling it: what is left of
   * that decision is applied (flushed with the next flush) without calling the handler again. Returns
   * the tasks whose handler must run.
   */
  const replayRecorded = async (listed: AgentTask[]): Promise<AgentTask[]> => {
    if (journal === undefined) return listed
    const { fresh, replays } = await planReplays({
      journal,
      client: ctx.client,
      stage,
      tasks: listed,
      log: stageLog,
      retry: loadRetry,
    })
    for (const outcome of replays) {
      const evTask = eventTask(outcome.task)
      if (outcome.kind === 'done') {
        const pathway = outcome.decision.pathway
        ctx.emit({
          type: 'taskDone',
          stage: evStage,
          task: evTask,
          outcome: pathway === null ? 'stayed' : 'moved',
          pathway: pathway?.name,
          durationMs: 0,
          replayed: true,
        })
      } else {
        ctx.emit({
          type: 'taskFailed',
          stage: evStage,
          task: evTask,
          ...outcome.error,
          onFailure: outcome.onFailure?.name,
        })
      }
    }
    flusher.enqueue(replays)
    return fresh
  }

  ctx.emit({ type: 'stageStarted', stage: evStage, agentLocation: ctx.agent.location })
  try {
    // Exactly maxTasksPerStage tasks are taken from the listing, read ahead by up to two windows.
    const pages = readAhead(
      takeItems(traceListing(stage, listTasksResilient(ctx, stageLog)), settings.maxTasksPerStage),
      2 * window,
    )
    for await (const group of windowsOf(pages, window)) {
      if (ctx.stopSignal.aborted) break
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight)
      if (ctx.stopSignal.aborted) break
      windowNumber++
      const number = windowNumber
      const promise: Promise<void> = traceBatch(number, group.length, () => processWindow(group, number))
        .catch((error: unknown) => {
          fatal ??= error
        })
        .finally(() => inFlight.delete(promise))
      inFlight.add(promise)
    }
  } catch (error) {
    fatal ??= error
  }
  listingDone = true
  // Whatever happened, every decision already made is applied before we return or throw.
  await Promise.all(inFlight)
  clearTimeout(graceTimer)
  ctx.stopSignal.removeEventListener('abort', releaseOnStop)
  await flusher.close()
  ctx.emit({ type: 'stageDone', stage: evStage, result })
  if (fatal !== undefined) throw fatal
  return result
}

/**
 * The stage's tasks, page by page. A listing that fails after the client's own retries is started
 * again (with backoff, up to `numRetries` times): tasks already seen in this pass are skipped, so
 * none is handed to a handler twice.
 */
async function* listTasksResilient(ctx: StageRunContext, log: TaskLogger): AsyncGenerator<AgentTask[]> {
  const seen = new Set<string>()
  let failures = 0
  let started = ctx.startedListing
  for (;;) {
    try {
      const pages = started ?? listStagePages(ctx.client, ctx.project.projectHash, ctx.stage.uuid, ctx.settings)
      // A listing started ahead serves the first attempt only.
      started = undefined
      for await (const page of pages) {
        if (ctx.stopSignal.aborted) return
        const fresh: AgentTask[] = []
        for (const task of page) {
          if (seen.has(task.uuid)) continue
          seen.add(task.uuid)
          fresh.push(task)
        }
        failures = 0
        if (fresh.length > 0) yield fresh
      }
      return
    } catch (error) {
      if (ctx.stopSignal.aborted) return
      failures++
      if (isFatal(error) || failures > ctx.settings.numRetries) throw error
      const delay = backoffMs(failures, ctx.retryDelayMs, ctx.maxRetryDelayMs)
      log.warn(
        `Listing the tasks of "${ctx.stage.title}" failed (${(error as Error).message}); listing again in ${delay} ms.`,
      )
      if (!(await sleep(delay, ctx.stopSignal))) return
    }
  }
}

/**
 * One task: resolve its dependencies, call the handler, check the result, retry with backoff.
 * Undefined when the run stopped before the task was decided (it is left for the next run).
 */
async function runTask(
  ctx: StageRunContext,
  task: AgentTask,
  index: number,
  data: BatchData,
): Promise<TaskOutcome | undefined> {
  const { settings, stage, agent } = ctx
  const evStage = eventStage(stage)
  const evTask = eventTask(task)
  const log = ctx.logger(stage, task)
  const started = performance.now()
  let lastError: unknown
  // The try the last event is about (0 for the first): on taskDone and taskFailed, as in the worker's.
  let tried = 0
  for (let attempt = 0; attempt <= settings.numRetries; attempt++) {
    tried = attempt
    if (attempt > 0) {
      const delay = backoffMs(attempt, ctx.retryDelayMs, ctx.maxRetryDelayMs)
      const described = describeTaskError(lastError)
      ctx.emit({ type: 'taskRetry', stage: evStage, task: evTask, attempt, delayMs: delay, ...described })
      // Interrupted while waiting to retry: leave the task untouched (not failed, not sent to
      // onFailure) so the next run tries it again with all its retries.
      if (!(await sleep(delay, ctx.stopSignal))) {
        log.warn(`Not retrying "${task.dataTitle}": the run was stopped. It stays in its stage for the next run.`)
        return undefined
      }
    }
    ctx.emit({ type: 'taskStarted', stage: evStage, task: evTask, attempt })
    try {
      const { decision, effects } = await decideTask({
        task,
        index,
        stage,
        batch: data,
        runScope: ctx.runScope,
        attempt,
        project: ctx.project,
        client: ctx.client,
        dryRun: settings.dryRun,
        log,
        graph: ctx.graph,
        agent,
        taskTimeout: settings.taskTimeout,
      })
      const durationMs = Math.round(performance.now() - started)
      ctx.emit({
        type: 'taskDone',
        stage: evStage,
        task: evTask,
        outcome: decision.pathway === null ? 'stayed' : 'moved',
        pathway: decision.pathway?.name,
        durationMs,
        attempt,
      })
      return { kind: 'done', task, decision, effects, durationMs }
    } catch (error) {
      lastError = error
      if (!isRetryable(error)) break
    }
  }
  const described = describeTaskError(lastError)
  ctx.emit({
    type: 'taskFailed',
    stage: evStage,
    task: evTask,
    ...described,
    onFailure: ctx.onFailure?.name,
    attempt: tried,
    durationMs: Math.round(performance.now() - started),
  })
  return { kind: 'failed', task, error: described, onFailure: ctx.onFailure }
}
