import pLimit from 'p-limit'
import { BatchData, type RunScope } from '../core/deps/resolver.js'
import type { TaskEffect, TaskLogger } from '../core/deps/types.js'
import { describe } from '../shared/error-catalogue/index.js'
import type { EffectJournal, JournalDecision, JournalEntry } from '../core/journal.js'
import { decideTask } from '../core/runner/decide.js'
import { describeTaskError, isRetryable } from '../core/runner/errors.js'
import type { RunEvent } from '../core/runner/events.js'
import { emptyStageResult, Flusher } from '../core/runner/flush.js'
import type { TaskOutcome } from '../core/runner/outcome.js'
import { withRetries } from '../core/runner/retry.js'
import type { ResolvedBinding } from '../core/runner/validate.js'
import { labelsFingerprint } from '../encord/labels-fingerprint.js'
import type { AgentTask, EncordApi, Pathway, Project, Stage } from '../encord/types.js'
import type { TaskCompletionResult, TaskSpec } from './spec.js'

/** One delivery of a task to a stage's handler. */
export interface WorkItem {
  spec: TaskSpec
  /** 0 on the first attempt, then 1, 2... (passed to the handler as `attempt`). */
  attempt: number
  /** No retry follows a failure: a failing task fails for good (and takes the agent's `onFailure` pathway). */
  finalAttempt: boolean
  /** Identity of this delivery (see JournalDecision.ref). */
  ref?: string
}

/**
 * What became of a task:
 * - `moved`: moved along `pathway` (the handler's choice);
 * - `stayed`: the handler returned nothing; its saves were applied and the task left in the stage;
 * - `failed`: the handler (or applying its decision) failed; `pathway` is set when the task took the
 *   agent's `onFailure` pathway;
 * - `retry`: the handler failed and a later attempt may succeed (nothing was applied);
 * - `gone`: the task was no longer in the stage when it was delivered (nothing to do);
 * - `stale`: someone else moved the task between the decision and its move.
 */
export type QueueTaskStatus = 'moved' | 'stayed' | 'failed' | 'retry' | 'gone' | 'stale'

export interface TaskReport {
  taskUuid: string
  stageUuid: string
  dataHash: string
  dataTitle: string
  status: QueueTaskStatus
  pathway?: { uuid: string; name: string }
  error?: { code: string; message: string }
  /** Trying again may help (a handler error, a failed request). */
  retryable: boolean
  /** The decision came from the journal: the handler did not run again for this delivery. */
  replayed: boolean
  /** Nothing more will be done for the task: its journal entry may be forgotten once acknowledged. */
  settled: boolean
  durationMs: number
}

/** A task whose decision is recorded and whose effects are to be applied. */
export interface DecidedTask {
  kind: 'apply'
  item: WorkItem
  task: AgentTask
  entry: JournalEntry
  replayed: boolean
  started: number
}

/** A task whose handler is to run (see `StageExecutor.prepare`). */
export interface RunSlot {
  kind: 'run'
  run(): Promise<PreparedTask>
}

/** The result of the decide step: a decision to apply, or a final report. */
export type PreparedTask = DecidedTask | { kind: 'report'; report: TaskReport }

export interface StageExecutorOptions {
  client: EncordApi
  project: Project
  /** The agent bound to its stage (from `validateProject`). */
  binding: ResolvedBinding
  /** Run-scoped dependencies, shared by every task this process handles. */
  runScope: RunScope
  journal: EffectJournal
  /** Retries of a failing request (re-fetching tasks, loading data, applying effects). @default 3 */
  requestRetries?: number
  /** @default 1000 */
  retryDelayMs?: number
  /** @default 30000 */
  maxRetryDelayMs?: number
  /** Fail a handler that takes longer (ms). @default none */
  taskTimeout?: number
  /** Handlers run at once within one batch. @default the whole batch */
  concurrency?: number
  emit?: (event: RunEvent) => void
  logger: (stage: Stage, task?: AgentTask) => TaskLogger
  /** Aborted when the process must stop at once (handlers see it through their dependencies). */
  signal?: AbortSignal
}

/**
 * Handles delivered tasks of one agent stage with the runner's machinery: the live tasks are
 * re-fetched (`listTasks` by data hash), data is loaded for the whole batch (`BatchData`), handlers
 * run with the same dependency injection, their results are checked by `interpretHandlerResult`, and
 * effects are applied by the runner's `Flusher` (saves, storage updates, priorities, then moves).
 *
 * Exactly-once effects come from the {@link EffectJournal}: a decision is recorded before any effect,
 * each effect is marked after it succeeded, and a task delivered again with a recorded decision does
 * not run its handler again: the effects not yet marked are finished. A move is never sent for a task
 * that is no longer in the stage (it is re-fetched first), so a move cannot happen twice.
 */
export class StageExecutor {
  readonly stage: Stage
  readonly #o: StageExecutorOptions
  readonly #retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>
  readonly #stageLog: TaskLogger

  constructor(options: StageExecutorOptions) {
    this.#o = options
    this.stage = options.binding.stage
    this.#stageLog = options.logger(this.stage)
    const retries = {
      retries: options.requestRetries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 1000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
    }
    this.#retry = (what, fn) => withRetries(what, fn, retries, this.#stageLog)
  }

  /** Decide and apply a batch in one go (the queue-agnostic wrapped handler). Reports in input order. */
  async process(items: WorkItem[]): Promise<TaskReport[]> {
    const prepared = await this.decide(items)
    const decided = prepared.filter((p): p is DecidedTask => p.kind === 'apply')
    const applied = await this.apply(decided)
    const byTask = new Map(decided.map((d, i) => [d, applied[i]]))
    return prepared.map((p) => (p.kind === 'report' ? p.report : (byTask.get(p) as TaskReport)))
  }

  /**
   * Re-fetch the delivered tasks, read the journal, and run the handlers of tasks without a recorded
   * decision (their data loaded in bulk). Returns, in input order, a decision to apply or a report.
   * Throws only when the tasks cannot be re-fetched (after retries).
   */
  async decide(items: WorkItem[]): Promise<PreparedTask[]> {
    const slots = await this.prepare(items)
    const limit = pLimit(Math.max(1, this.#o.concurrency ?? items.length))
    return Promise.all(slots.map((slot) => (slot.kind === 'run' ? limit(() => slot.run()) : Promise.resolve(slot))))
  }

  /**
   * The first half of `decide`: re-fetch the tasks, read the journal, load the batch's data. Tasks
   * whose handler must run get a `run` slot each, to be called once (the queue worker runs each in
   * its own job, so a slow handler does not hold the others back); the batch's data is released when
   * the last one finished.
   */
  async prepare(items: WorkItem[]): Promise<Array<PreparedTask | RunSlot>> {
    const { client, project, journal } = this.#o
    const started = performance.now()
    const live = new Map<string, AgentTask>()
    const hashes = [...new Set(items.map((i) => i.spec.data_hash))]
    if (hashes.length > 0) {
      await this.#retry('re-fetching the tasks', async () => {
        live.clear()
        for await (const task of client.listTasks(project.projectHash, this.stage.uuid, { dataHashes: hashes }))
          live.set(task.uuid, task)
      })
    }
    const entries = await Promise.all(items.map((i) => journal.get(i.spec.uuid)))
    const out: Array<PreparedTask | RunSlot> = new Array(items.length)
    const toRun: Array<{ at: number; task: AgentTask }> = []
    for (const [at, item] of items.entries()) {
      const task = live.get(item.spec.uuid)
      let entry = entries[at]
      if (entry !== undefined && this.#isStale(entry, item, task)) {
        await journal.forget(item.spec.uuid)
        entry = undefined
      }
      if (entry !== undefined) {
        out[at] =
          task !== undefined
            ? { kind: 'apply', item, task, entry, replayed: true, started }
            : { kind: 'report', report: await this.#goneWithEntry(item, entry, started) }
        continue
      }
      if (task === undefined) {
        out[at] = {
          kind: 'report',
          report: this.#report(item, 'gone', {
            started,
            settled: true,
            error: describe('TaskNotInStage.gone', { stage: this.stage.title }),
          }),
        }
        continue
      }
      toRun.push({ at, task })
    }
    if (toRun.length > 0) {
      const { binding, runScope } = this.#o
      const data = new BatchData({
        project,
        client,
        dryRun: false,
        log: this.#stageLog,
        tasks: toRun.map((r) => r.task),
        stage: this.stage,
        graph: binding.graph,
        labelRowMetadata: { ...binding.graph.labelRowMetadata, ...binding.binding.agent.labelRowMetadata },
        runCache: runScope.runCache,
        signal: this.#o.signal ?? new AbortController().signal,
      })
      try {
        await data.loadAll(this.#retry)
      } catch (error) {
        data.release()
        throw error
      }
      let remaining = toRun.length
      for (const [index, r] of toRun.entries()) {
        let ran = false
        out[r.at] = {
          kind: 'run',
          run: async () => {
            if (ran) throw new Error('A run slot is used once')
            ran = true
            try {
              return await this.#decideOne(items[r.at], r.task, index, data)
            } finally {
              if (--remaining === 0) data.release()
            }
          },
        }
      }
    }
    return out
  }

  /**
   * Apply recorded decisions together: label saves, storage updates and priorities first (then each
   * is marked saved), then the moves (then each is marked proceeded). Reports in input order.
   */
  async apply(decided: DecidedTask[]): Promise<TaskReport[]> {
    const { journal } = this.#o
    const preFailed = new Map<string, { code: string; message: string }>()
    const moveFailed = new Map<string, { code: string; message: string }>()

    const pre = decided.filter((d) => d.entry.savedAt === undefined && hasPreEffects(d.entry.decision))
    if (pre.length > 0) {
      const remaining = await this.#effectsStillToSave(pre)
      const outcomes: TaskOutcome[] = pre.map((d) => ({
        kind: 'done',
        task: d.task,
        decision: { pathway: null, priority: d.entry.decision.priority },
        effects: remaining.get(d) ?? d.entry.decision.effects,
        durationMs: 0,
      }))
      for (const e of await this.#flush(outcomes)) preFailed.set(e.taskUuid, { code: e.code, message: e.message })
      await Promise.all(pre.filter((d) => !preFailed.has(d.task.uuid)).map((d) => journal.markSaved(d.task.uuid)))
    }

    const moves = decided.filter(
      (d) => !preFailed.has(d.task.uuid) && d.entry.decision.pathway !== null && d.entry.proceededAt === undefined,
    )
    if (moves.length > 0) {
      const outcomes: TaskOutcome[] = moves.map((d) => ({
        kind: 'done',
        task: d.task,
        decision: { pathway: d.entry.decision.pathway },
        effects: [],
        durationMs: 0,
      }))
      for (const e of await this.#flush(outcomes)) moveFailed.set(e.taskUuid, { code: e.code, message: e.message })
      // A stale task is not in the stage any more: there is nothing left to do for it either.
      const settledMoves = moves.filter((d) => {
        const failure = moveFailed.get(d.task.uuid)
        return failure === undefined || failure.code === 'StaleTask'
      })
      await Promise.all(settledMoves.map((d) => journal.markProceeded(d.task.uuid)))
    }

    return decided.map((d) => {
      const decision = d.entry.decision
      const base = { started: d.started, replayed: d.replayed }
      const failedBefore = preFailed.get(d.task.uuid) ?? moveFailed.get(d.task.uuid)
      if (failedBefore?.code === 'StaleTask')
        return this.#report(d.item, 'stale', { ...base, settled: true, error: failedBefore })
      if (failedBefore !== undefined)
        return this.#report(d.item, 'failed', { ...base, settled: false, retryable: true, error: failedBefore })
      if (decision.failure !== undefined)
        return this.#report(d.item, 'failed', {
          ...base,
          settled: true,
          pathway: decision.pathway ?? undefined,
          error: decision.failure,
        })
      if (decision.pathway !== null)
        return this.#report(d.item, 'moved', { ...base, settled: true, pathway: decision.pathway })
      return this.#report(d.item, 'stayed', { ...base, settled: true })
    })
  }

  /** An entry that belongs to another delivery or another pass of the task through the stage. */
  #isStale(entry: JournalEntry, item: WorkItem, task: AgentTask | undefined): boolean {
    const d = entry.decision
    if (d.stageUuid !== this.stage.uuid) return true
    if (d.ref !== undefined && item.ref !== undefined && d.ref !== item.ref) return true
    // Moved already, yet in the stage again: it came back through the workflow; decide afresh.
    return task !== undefined && entry.proceededAt !== undefined
  }

  /** A task with a recorded decision that is no longer in the stage. */
  async #goneWithEntry(item: WorkItem, entry: JournalEntry, started: number): Promise<TaskReport> {
    const d = entry.decision
    const saved = entry.savedAt !== undefined || !hasPreEffects(d)
    if (d.pathway !== null && saved) {
      // Our move went through before the earlier delivery was acknowledged: report it, do not redo it.
      if (entry.proceededAt === undefined) await this.#o.journal.markProceeded(item.spec.uuid)
      return this.#report(item, d.failure !== undefined ? 'failed' : 'moved', {
        started,
        replayed: true,
        settled: true,
        pathway: d.pathway,
        error: d.failure,
      })
    }
    return this.#report(item, 'gone', {
      started,
      replayed: true,
      settled: true,
      error: describe('TaskNotInStage.leftBeforeApplied', { stage: this.stage.title }),
    })
  }

  /** Run one task's handler once and record its decision. */
  async #decideOne(item: WorkItem, task: AgentTask, index: number, data: BatchData): Promise<PreparedTask> {
    const { project, client, binding, runScope, journal } = this.#o
    const stage = this.stage
    const agent = binding.binding.agent
    const log = this.#o.logger(stage, task)
    const started = performance.now()
    try {
      const { decision, effects } = await decideTask({
        task,
        index,
        stage,
        batch: data,
        runScope,
        attempt: item.attempt,
        project,
        client,
        dryRun: false,
        log,
        graph: binding.graph,
        agent,
        taskTimeout: this.#o.taskTimeout,
      })
      const mine: JournalDecision = {
        stageUuid: stage.uuid,
        dataHash: task.dataHash,
        pathway: decision.pathway,
        ...(decision.priority !== undefined ? { priority: decision.priority } : {}),
        effects,
        ...(item.ref !== undefined ? { ref: item.ref } : {}),
        decidedAt: new Date().toISOString(),
      }
      const entry = await journal.recordDecision(task.uuid, mine)
      // Another delivery recorded first: apply its decision, not ours (both must not be applied).
      const replayed =
        entry.decision.decidedAt !== mine.decidedAt || entry.decision.pathway?.uuid !== mine.pathway?.uuid
      return { kind: 'apply', item, task, entry, replayed, started }
    } catch (error) {
      const described = describeTaskError(error)
      const retryable = isRetryable(error)
      if (retryable && !item.finalAttempt) {
        return {
          kind: 'report',
          report: this.#report(item, 'retry', { started, settled: false, retryable: true, error: described }),
        }
      }
      const onFailure = binding.onFailure
      if (onFailure !== undefined) {
        const entry = await journal.recordDecision(task.uuid, {
          stageUuid: stage.uuid,
          dataHash: task.dataHash,
          pathway: onFailure,
          effects: [],
          failure: described,
          ...(item.ref !== undefined ? { ref: item.ref } : {}),
          decidedAt: new Date().toISOString(),
        })
        return { kind: 'apply', item, task, entry, replayed: false, started }
      }
      return { kind: 'report', report: this.#report(item, 'failed', { started, settled: true, error: described }) }
    }
  }

  /**
   * The label saves of redelivered decisions that did not land before the crash. The journal marks a
   * save after Encord acknowledged it, so a crash in between leaves a save unmarked that did land: a
   * row on the server that already holds exactly the decision's labels is not saved again. When that
   * cannot be checked, the save is sent again (it writes the same content).
   */
  async #effectsStillToSave(pre: DecidedTask[]): Promise<Map<DecidedTask, TaskEffect[]>> {
    const remaining = new Map<DecidedTask, TaskEffect[]>()
    const replayed = pre.filter((d) => d.replayed && d.entry.decision.effects.some((e) => e.kind === 'saveLabelRow'))
    if (replayed.length === 0) return remaining
    const byProject = new Map<string, Set<string>>()
    for (const d of replayed) {
      for (const e of d.entry.decision.effects) {
        if (e.kind !== 'saveLabelRow') continue
        const set = byProject.get(e.projectHash) ?? new Set<string>()
        set.add(e.labelHash)
        byProject.set(e.projectHash, set)
      }
    }
    const current = new Map<string, string>()
    for (const [projectHash, labelHashes] of byProject) {
      try {
        const rows = await this.#retry('reading label rows', () =>
          this.#o.client.getLabelRows(projectHash, [...labelHashes]),
        )
        for (const row of rows)
          if (typeof row.label_hash === 'string')
            current.set(`${projectHash}\u0000${row.label_hash}`, labelsFingerprint(row))
      } catch (error) {
        this.#stageLog.warn(
          `Could not check which label saves of redelivered tasks already landed (${(error as Error).message}); saving them again.`,
        )
      }
    }
    for (const d of replayed) {
      remaining.set(
        d,
        d.entry.decision.effects.filter(
          (e) =>
            e.kind !== 'saveLabelRow' ||
            current.get(`${e.projectHash}\u0000${e.labelHash}`) !== labelsFingerprint(e.labelRow),
        ),
      )
    }
    return remaining
  }

  /** Apply outcomes with the runner's Flusher; returns the per-task errors (StaleTask included). */
  async #flush(outcomes: TaskOutcome[]): Promise<Array<{ taskUuid: string; code: string; message: string }>> {
    const result = emptyStageResult(this.stage)
    const flusher = new Flusher(
      {
        client: this.#o.client,
        projectHash: this.#o.project.projectHash,
        stage: this.stage,
        dryRun: false,
        emit: this.#o.emit ?? (() => undefined),
        retry: this.#retry,
      },
      result,
    )
    flusher.enqueue(outcomes)
    await flusher.close()
    return result.errors
  }

  #report(
    item: WorkItem,
    status: QueueTaskStatus,
    extra: {
      started: number
      settled: boolean
      replayed?: boolean
      retryable?: boolean
      pathway?: Pathway
      error?: { code: string; message: string }
    },
  ): TaskReport {
    return {
      taskUuid: item.spec.uuid,
      stageUuid: this.stage.uuid,
      dataHash: item.spec.data_hash,
      dataTitle: item.spec.data_title,
      status,
      ...(extra.pathway !== undefined ? { pathway: { uuid: extra.pathway.uuid, name: extra.pathway.name } } : {}),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      retryable: extra.retryable ?? false,
      replayed: extra.replayed ?? false,
      settled: extra.settled,
      durationMs: Math.round(performance.now() - extra.started),
    }
  }
}

/** The completion result (Python's TaskCompletionResult fields) of a report. */
export function completionResult(report: TaskReport): TaskCompletionResult {
  const success = report.status === 'moved' || report.status === 'stayed'
  return {
    task_uuid: report.taskUuid,
    stage_uuid: report.stageUuid,
    success,
    pathway: report.pathway?.uuid ?? null,
    error: success ? null : report.error !== undefined ? `${report.error.code}: ${report.error.message}` : null,
  }
}

function hasPreEffects(decision: JournalDecision): boolean {
  return decision.effects.length > 0 || decision.priority !== undefined
}
