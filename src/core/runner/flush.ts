import pLimit from 'p-limit'
import { chunk } from '../../shared/arrays.js'
import { describe, type ErrorCode } from '../../shared/error-catalogue/index.js'
import { activeTraceContext, inTraceContext } from '../../shared/tracing.js'
import type { AgentTask, EncordApi, Pathway, ProceedAction, Stage } from '../../encord/types.js'
import type { EffectJournal } from '../journal.js'
import type { StageResult } from '../types.js'
import type { EventStage, EventTask, RunEvent } from './events.js'
import { describeTaskError } from './errors.js'
import { journalDecisionOf } from './journal-replay.js'
import type { TaskOutcome } from './outcome.js'
import { traceFlush } from './spans.js'

/** Limits per request, as the Python SDK's SequentialRunner sends them (wire spec §7). */
export const SAVE_BUNDLE = 100
export const PRIORITY_BUNDLE = 100
export const PROCEED_BUNDLE = 1000

export interface FlushContext {
  client: EncordApi
  projectHash: string
  stage: Stage
  dryRun: boolean
  emit: (event: RunEvent) => void
  /** Retry one request with the runner's backoff (the client has already retried transport faults). */
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>
  /**
   * Write-ahead journal: each decision is recorded (durably) before any of its effects is applied,
   * its saves and move are marked, and it is forgotten once settled. @default none
   */
  journal?: EffectJournal
}

export function eventStage(stage: Stage): EventStage {
  return { uuid: stage.uuid, title: stage.title }
}

export function eventTask(task: AgentTask): EventTask {
  return { uuid: task.uuid, dataTitle: task.dataTitle, dataHash: task.dataHash }
}

/** A fresh, empty stage result (the counts every run starts from; tests build theirs on it too). */
export function emptyStageResult(stage: Pick<Stage, 'uuid' | 'title'>): StageResult {
  return {
    uuid: stage.uuid,
    title: stage.title,
    processed: 0,
    moved: {},
    stayed: 0,
    failed: 0,
    saved: 0,
    priorities: 0,
    storageUpdated: 0,
    interrupted: false,
    errors: [],
  }
}

interface Entry {
  outcome: TaskOutcome
  /** Set when applying the decision failed: the task is then reported failed, not moved. */
  flushError?: { code: string; message: string }
  stale?: string
  onFailureError?: string
  /** The decision is in the journal (recorded now, or replayed from it). */
  journaled?: boolean
  /** The task was found gone from the stage when it was to be moved. */
  gone?: boolean
}

/**
 * Applies decisions in the background, in the order the batches finished, each flush in this order:
 * label saves (bundled, each row once, only changed ones), storage item updates, priorities (0 sent),
 * then proceeds (bundled). A task is moved only after its own saves succeeded, so no task leaves its
 * stage without its labels; a save that fails leaves its task in the stage, reported as failed.
 * Decisions that pile up while a flush is in flight are coalesced into the next one (fewer requests);
 * the stage's last batches may be held for a few ms (`hold`) so that they go out as one flush.
 */
export class Flusher {
  private pending: TaskOutcome[] = []
  private running: Promise<void> | undefined
  /** Flushes of the stage's last decisions started beside the one in flight (see `finish`). */
  private readonly beside = new Set<Promise<void>>()
  private holdTimer: NodeJS.Timeout | undefined
  private readonly trace = activeTraceContext()

  constructor(
    private readonly ctx: FlushContext,
    private readonly result: StageResult,
  ) {}

  /** Apply these decisions now (with whatever is held), or with the next flush if one is in flight. */
  enqueue(outcomes: TaskOutcome[]): void {
    if (outcomes.length === 0) return
    this.pending.push(...outcomes)
    this.release()
  }

  /**
   * Hold these decisions for a moment, so that batches decided just after them go out in the same
   * flush (the stage's last few tasks): the flush starts when `release()` is called, when decisions
   * are enqueued, or `ms` after the first held batch, whichever comes first; never later. While a
   * flush is in flight they wait for it, as any batch does.
   */
  hold(outcomes: TaskOutcome[], ms: number): void {
    if (outcomes.length === 0) return
    this.pending.push(...outcomes)
    if (this.running === undefined) this.holdTimer ??= setTimeout(() => this.release(), ms)
  }

  /** Start flushing whatever is held or pending (if no flush is in flight). */
  release(): void {
    clearTimeout(this.holdTimer)
    this.holdTimer = undefined
    if (this.pending.length === 0 || this.running !== undefined) return
    // Under the stage's span (where the Flusher was made), whichever batch's decisions start the drain.
    this.running = inTraceContext(this.trace, () => this.drain()).finally(() => {
      this.running = undefined
    })
  }

  /**
   * The stage's last decisions: nothing decided later can join them, so they (and whatever is held or
   * pending) are flushed now, beside the flush in flight if there is one, instead of one round trip
   * after it (issue 21: the end of every stage). Each decision is still in exactly one flush.
   */
  finish(outcomes: TaskOutcome[]): void {
    this.pending.push(...outcomes)
    if (this.running === undefined) return this.release()
    clearTimeout(this.holdTimer)
    this.holdTimer = undefined
    if (this.pending.length === 0) return
    const items = this.pending.splice(0)
    const flush: Promise<void> = inTraceContext(this.trace, () => this.flush(items)).finally(() => {
      this.beside.delete(flush)
    })
    this.beside.add(flush)
  }

  /** Wait until everything enqueued or held so far is applied. */
  async close(): Promise<void> {
    this.release()
    while (this.running !== undefined || this.beside.size > 0) await Promise.all([this.running, ...this.beside])
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const items = this.pending.splice(0)
      await this.flush(items)
    }
  }

  private flush(outcomes: TaskOutcome[]): Promise<void> {
    return traceFlush(outcomes.length, () => this.apply(outcomes))
  }

  private async apply(outcomes: TaskOutcome[]): Promise<void> {
    const entries: Entry[] = outcomes.map((outcome) => ({ outcome }))
    const counts = { saved: 0, priorities: 0, storageUpdated: 0, moved: 0, stale: 0, failed: 0 }
    if (this.ctx.dryRun) Object.assign(counts, wouldApply(entries, this.ctx.projectHash))
    else {
      try {
        await this.recordDecisions(entries)
        counts.saved = await this.applySaves(entries)
        counts.storageUpdated = await this.applyStorageUpdates(entries)
        counts.priorities = await this.applyPriorities(entries)
        await this.markSaved(entries)
        const proceeded = await this.applyProceeds(entries)
        counts.moved = proceeded.moved
        counts.stale = proceeded.stale
        await this.settleJournal(entries)
      } catch (error) {
        // Only a bug can get here (each step catches its own request failures); keep the tasks honest.
        const described = describeTaskError(error)
        for (const entry of entries)
          if (entry.outcome.kind === 'done' && entry.flushError === undefined)
            entry.flushError = { code: 'Bug', message: described.message }
      }
    }
    for (const entry of entries) {
      if (this.tally(entry)) counts.failed++
    }
    this.result.saved += counts.saved
    this.result.priorities += counts.priorities
    this.result.storageUpdated += counts.storageUpdated
    this.ctx.emit({ type: 'flushed', stage: eventStage(this.ctx.stage), ...counts, dryRun: this.ctx.dryRun })
  }

  /**
   * Write-ahead: every decision with something to apply is on disk before anything is applied. One
   * that cannot be written is not applied (its task stays, reported failed): without the record a
   * crash could make a later run apply its effects a second time.
   */
  private async recordDecisions(entries: Entry[]): Promise<void> {
    const journal = this.ctx.journal
    if (journal === undefined) return
    await Promise.all(
      entries.map(async (entry) => {
        const { outcome } = entry
        if (outcome.replayed === true) {
          entry.journaled = true
          return
        }
        const decision = journalDecisionOf(outcome, this.ctx.stage)
        if (decision === undefined) return
        try {
          await journal.recordDecision(outcome.task.uuid, decision)
          entry.journaled = true
        } catch (error) {
          const described = describe('JournalFailed.notRecorded', { error: describeTaskError(error).message })
          if (outcome.kind === 'failed') entry.onFailureError = described.message
          else entry.flushError = described
        }
      }),
    )
  }

  /** Journal: the pre-move effects of these decisions are applied. */
  private async markSaved(entries: Entry[]): Promise<void> {
    const journal = this.ctx.journal
    if (journal === undefined) return
    const saved = entries.filter(
      (e) =>
        e.journaled === true &&
        e.outcome.kind === 'done' &&
        e.flushError === undefined &&
        (e.outcome.effects.length > 0 || e.outcome.decision.priority !== undefined),
    )
    await this.journalUpdate(() => Promise.all(saved.map((e) => journal.markSaved(e.outcome.task.uuid))))
  }

  /**
   * Marks and forgets are bookkeeping: the decisions are on disk already, so a failure to write them
   * (a full disk) does not stop their effects; a later run just checks what landed before finishing them.
   */
  private async journalUpdate(update: () => Promise<unknown>): Promise<void> {
    try {
      await update()
    } catch (error) {
      this.ctx.emit({
        type: 'log',
        level: 'warn',
        stage: eventStage(this.ctx.stage),
        message: `The run journal could not be updated (${describeTaskError(error).message}); the recorded decisions are applied anyway.`,
      })
    }
  }

  /**
   * Journal: moves are marked (durably: a task that comes back to the stage later is then decided
   * afresh), then settled decisions are forgotten. A decision whose effects failed stays recorded: the
   * next run (or pass) finishes it without calling the handler again.
   */
  private async settleJournal(entries: Entry[]): Promise<void> {
    const journal = this.ctx.journal
    if (journal === undefined) return
    const settled: Entry[] = []
    const moved: Entry[] = []
    for (const entry of entries) {
      if (entry.journaled !== true) continue
      const { outcome } = entry
      if (outcome.kind === 'done') {
        if (entry.flushError !== undefined) continue
        settled.push(entry)
        if (outcome.decision.pathway !== null && entry.stale === undefined) moved.push(entry)
      } else if (entry.gone === true || entry.onFailureError === undefined) {
        settled.push(entry)
        if (entry.gone !== true) moved.push(entry)
      }
    }
    await this.journalUpdate(() => Promise.all(moved.map((e) => journal.markProceeded(e.outcome.task.uuid))))
    await this.journalUpdate(() => Promise.all(settled.map((e) => journal.forget(e.outcome.task.uuid))))
  }

  /** Record an entry in the stage result; true when the task counts as failed. */
  private tally(entry: Entry): boolean {
    const { outcome } = entry
    const result = this.result
    result.processed++
    if (outcome.replayed === true) result.replayed = (result.replayed ?? 0) + 1
    if (outcome.kind === 'failed') {
      result.failed++
      let message = outcome.error.message
      if (outcome.onFailure !== undefined) {
        message +=
          entry.onFailureError !== undefined
            ? ` Moving it along the onFailure pathway "${outcome.onFailure.name}" failed too: ${entry.onFailureError}`
            : ''
      }
      result.errors.push({ taskUuid: outcome.task.uuid, dataTitle: outcome.task.dataTitle, ...outcome.error, message })
      return true
    }
    if (entry.flushError !== undefined) {
      result.failed++
      result.errors.push({ taskUuid: outcome.task.uuid, dataTitle: outcome.task.dataTitle, ...entry.flushError })
      this.ctx.emit({
        type: 'taskFailed',
        stage: eventStage(this.ctx.stage),
        task: eventTask(outcome.task),
        ...entry.flushError,
      })
      return true
    }
    if (entry.stale !== undefined) {
      // Someone else moved the task first: not our failure, but reported.
      result.errors.push({
        taskUuid: outcome.task.uuid,
        dataTitle: outcome.task.dataTitle,
        code: 'StaleTask' satisfies ErrorCode,
        message: entry.stale,
      })
      return false
    }
    const pathway = outcome.decision.pathway
    if (pathway === null) result.stayed++
    else result.moved[pathway.name] = (result.moved[pathway.name] ?? 0) + 1
    return false
  }

  private async applySaves(entries: Entry[]): Promise<number> {
    // Each label row once per flush (two tasks could share a data unit): the last decision wins.
    const rows = new Map<
      string,
      { projectHash: string; labelHash: string; labelRow: Record<string, unknown>; owners: Entry[] }
    >()
    for (const entry of entries) {
      if (entry.outcome.kind !== 'done' || entry.flushError !== undefined) continue
      for (const effect of entry.outcome.effects) {
        if (effect.kind !== 'saveLabelRow') continue
        const key = `${effect.projectHash}\u0000${effect.labelHash}`
        const existing = rows.get(key)
        if (existing === undefined)
          rows.set(key, {
            projectHash: effect.projectHash,
            labelHash: effect.labelHash,
            labelRow: effect.labelRow,
            owners: [entry],
          })
        else {
          existing.labelRow = effect.labelRow
          if (!existing.owners.includes(entry)) existing.owners.push(entry)
        }
      }
    }
    if (rows.size === 0) return 0
    const byProject = new Map<string, Array<typeof rows extends Map<string, infer V> ? V : never>>()
    for (const row of rows.values()) {
      const list = byProject.get(row.projectHash) ?? []
      list.push(row)
      byProject.set(row.projectHash, list)
    }
    let saved = 0
    const limit = pLimit(4)
    const jobs: Array<Promise<void>> = []
    for (const [projectHash, list] of byProject) {
      for (const bundle of chunk(list, SAVE_BUNDLE)) {
        jobs.push(
          limit(async () => {
            try {
              await this.ctx.retry('saving label rows', () =>
                this.ctx.client.saveLabelRows(
                  projectHash,
                  bundle.map((r) => ({ labelHash: r.labelHash, labelRow: r.labelRow })),
                ),
              )
              saved += bundle.length
            } catch (error) {
              const { message } = describeTaskError(error)
              for (const row of bundle)
                for (const owner of row.owners) owner.flushError ??= describe('SaveFailed', { error: message })
            }
          }),
        )
      }
    }
    await Promise.all(jobs)
    return saved
  }

  private async applyStorageUpdates(entries: Entry[]): Promise<number> {
    const limit = pLimit(4)
    const jobs: Array<Promise<void>> = []
    let updated = 0
    for (const entry of entries) {
      if (entry.outcome.kind !== 'done' || entry.flushError !== undefined) continue
      for (const effect of entry.outcome.effects) {
        if (effect.kind !== 'updateStorageItem') continue
        jobs.push(
          limit(async () => {
            try {
              await this.ctx.retry('updating a storage item', () =>
                this.ctx.client.updateStorageItem(effect.item, effect.patch),
              )
              updated++
            } catch (error) {
              entry.flushError ??= describe('StorageUpdateFailed', { error: describeTaskError(error).message })
            }
          }),
        )
      }
    }
    await Promise.all(jobs)
    return updated
  }

  private async applyPriorities(entries: Entry[]): Promise<number> {
    // Per project and data hash, one priority: the handler's returned priority wins over a label row's.
    const byProject = new Map<string, Map<string, { priority: number; owners: Entry[] }>>()
    const add = (projectHash: string, dataHash: string, priority: number, owner: Entry, wins: boolean): void => {
      const rows = byProject.get(projectHash) ?? new Map<string, { priority: number; owners: Entry[] }>()
      byProject.set(projectHash, rows)
      const existing = rows.get(dataHash)
      if (existing === undefined) rows.set(dataHash, { priority, owners: [owner] })
      else {
        if (wins) existing.priority = priority
        if (!existing.owners.includes(owner)) existing.owners.push(owner)
      }
    }
    for (const entry of entries) {
      const { outcome } = entry
      if (outcome.kind !== 'done' || entry.flushError !== undefined) continue
      for (const effect of outcome.effects)
        if (effect.kind === 'setPriority') add(effect.projectHash, effect.dataHash, effect.priority, entry, false)
      if (outcome.decision.priority !== undefined)
        add(this.ctx.projectHash, outcome.task.dataHash, outcome.decision.priority, entry, true)
    }
    let set = 0
    for (const [projectHash, rows] of byProject) {
      for (const bundle of chunk([...rows], PRIORITY_BUNDLE)) {
        const priorities = bundle.map(([dataHash, { priority }]) => ({ dataHash, priority }))
        try {
          await this.ctx.retry('setting priorities', () => this.ctx.client.setPriorities(projectHash, priorities))
          set += bundle.length
        } catch (error) {
          const { message } = describeTaskError(error)
          for (const [, { owners }] of bundle)
            for (const e of owners) e.flushError ??= describe('PriorityFailed', { error: message })
        }
      }
    }
    return set
  }

  private async applyProceeds(entries: Entry[]): Promise<{ moved: number; stale: number }> {
    const actions: Array<{ entry: Entry; action: ProceedAction }> = []
    for (const entry of entries) {
      const { outcome } = entry
      let pathway: Pathway | null | undefined
      if (outcome.kind === 'done') pathway = entry.flushError === undefined ? outcome.decision.pathway : null
      else pathway = entry.onFailureError === undefined ? outcome.onFailure : undefined
      if (pathway === null || pathway === undefined) continue
      actions.push({
        entry,
        action: { taskUuid: outcome.task.uuid, pathwayUuid: pathway.uuid, dataHash: outcome.task.dataHash },
      })
    }
    let moved = 0
    let stale = 0
    const markStale = (entry: Entry, reason: string): void => {
      stale++
      entry.gone = true
      const { message } = describe('StaleTask', { stage: this.ctx.stage.title, reason })
      if (entry.outcome.kind === 'failed') entry.onFailureError = message
      else entry.stale = message
    }
    for (const bundle of chunk(actions, PROCEED_BUNDLE)) {
      // Retried with only the tasks not yet settled: after an ambiguous failure the client reports
      // which tasks it did move (or found gone), so a task is never sent twice and never reported
      // stale because our own first attempt moved it.
      let pending = bundle
      const settle = (
        proceeded: readonly string[],
        staleTasks: ReadonlyArray<{ taskUuid: string; reason: string }>,
      ): void => {
        const movedSet = new Set(proceeded)
        const staleByTask = new Map(staleTasks.map((x) => [x.taskUuid, x.reason]))
        pending = pending.filter(({ entry, action }) => {
          if (movedSet.has(action.taskUuid)) {
            moved++
            return false
          }
          const reason = staleByTask.get(action.taskUuid)
          if (reason !== undefined) {
            markStale(entry, reason)
            return false
          }
          return true
        })
      }
      try {
        await this.ctx.retry('moving tasks', async () => {
          try {
            const result = await this.ctx.client.proceedTasks(
              this.ctx.projectHash,
              this.ctx.stage.uuid,
              pending.map((a) => a.action),
            )
            // Anything neither moved nor stale was accepted by Encord: moved.
            settle(
              [
                ...result.proceeded,
                ...pending.map((a) => a.action.taskUuid).filter((t) => !result.stale.some((x) => x.taskUuid === t)),
              ],
              result.stale,
            )
          } catch (error) {
            const data = (error as { data?: { proceeded?: unknown; stale?: unknown } }).data
            if (data !== undefined && Array.isArray(data.proceeded) && Array.isArray(data.stale)) {
              settle(data.proceeded as string[], data.stale as Array<{ taskUuid: string; reason: string }>)
            }
            if (pending.length > 0) throw error
          }
        })
      } catch (error) {
        const { message } = describeTaskError(error)
        for (const { entry } of pending) {
          if (entry.outcome.kind === 'failed') entry.onFailureError = message
          else entry.flushError ??= describe('ProceedFailed', { error: message })
        }
      }
    }
    return { moved, stale }
  }
}

/**
 * A dry run applies nothing; its summary says what would have been: label rows (each once, as
 * applySaves sends them), storage item updates, and priorities (one per project and data unit).
 */
function wouldApply(
  entries: Entry[],
  projectHash: string,
): { saved: number; priorities: number; storageUpdated: number } {
  const rows = new Set<string>()
  const priorities = new Set<string>()
  let storageUpdated = 0
  for (const { outcome } of entries) {
    if (outcome.kind !== 'done') continue
    for (const effect of outcome.effects) {
      if (effect.kind === 'saveLabelRow') rows.add(`${effect.projectHash}\u0000${effect.labelHash}`)
      else if (effect.kind === 'wouldSaveLabelRow')
        rows.add(`${effect.projectHash}\u0000${effect.branchName}\u0000${effect.dataHash}`)
      else if (effect.kind === 'setPriority') priorities.add(`${effect.projectHash}\u0000${effect.dataHash}`)
      else if (effect.kind === 'updateStorageItem') storageUpdated++
    }
    if (outcome.decision.priority !== undefined) priorities.add(`${projectHash}\u0000${outcome.task.dataHash}`)
  }
  return { saved: rows.size, priorities: priorities.size, storageUpdated }
}
