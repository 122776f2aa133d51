import type { Pathway } from '../encord/types.js'
import type { TaskEffect } from './deps/types.js'

/**
 * A write-ahead journal of task decisions, so that effects are applied exactly once even when a task
 * is handed out twice (a queue redelivers a job whose worker died after moving the task but before
 * acknowledging it; a process is killed between saving labels and moving the task).
 *
 * The protocol, for each task:
 * 1. `get` — a decision already recorded means the handler ran before: do NOT run it again; finish
 *    the effects not yet marked done.
 * 2. otherwise run the handler, then `recordDecision` BEFORE applying any effect. The first decision
 *    recorded wins: two deliveries racing each other end up applying the same one.
 * 3. apply the pre-move effects (label saves, storage item updates, priority), then `markSaved`;
 * 4. move the task, then `markProceeded`;
 * 5. `forget` once the task is acknowledged (nothing more will be done for it).
 *
 * A journal instance is one namespace (e.g. one agent stage of one project): task UUIDs are its keys.
 * Implementations: {@link MemoryEffectJournal} (one process), the Redis journal of the queue workers.
 * A file-backed one can implement the same interface for the single-process runner.
 */
export interface EffectJournal {
  /** The entry of a task, if a decision was recorded and not forgotten. */
  get(taskUuid: string): Promise<JournalEntry | undefined>
  /**
   * Record a decision unless one is already recorded for the task; returns the entry in force (the
   * earlier one when there was one: callers must apply *that* decision, not their own).
   */
  recordDecision(taskUuid: string, decision: JournalDecision): Promise<JournalEntry>
  /** The decision's label saves, storage item updates and priority are applied. */
  markSaved(taskUuid: string): Promise<void>
  /** The task was moved along the decision's pathway (or was found already gone from the stage). */
  markProceeded(taskUuid: string): Promise<void>
  /** Drop the entry (the task is settled and acknowledged). Forgetting an unknown task is a no-op. */
  forget(taskUuid: string): Promise<void>
}

/** What a handler decided for one task, with everything needed to apply it without the handler. */
export interface JournalDecision {
  /** The stage the task was decided in. */
  stageUuid: string
  /** The task's data hash (priorities and proceeds are addressed by it). */
  dataHash: string
  /** The pathway to move the task along; null leaves it in the stage. */
  pathway: Pathway | null
  /** The task's new priority (0..1), when the handler set one. */
  priority?: number
  /** Label row saves (each row as its full dict) and storage item updates, applied before the move. */
  effects: TaskEffect[]
  /**
   * Set when the handler failed for good and `pathway` is the agent's `onFailure` pathway: the task is
   * reported failed with this error after it was moved.
   */
  failure?: { code: string; message: string }
  /**
   * Which delivery this decision belongs to (e.g. a queue job id and its creation time). A later,
   * different delivery of the same task (the task came back to the stage and was queued again)
   * ignores an entry with another ref. Absent: the entry applies to any delivery.
   */
  ref?: string
  /** ISO time the decision was made. */
  decidedAt: string
}

/** A recorded decision and how far its effects got. */
export interface JournalEntry {
  decision: JournalDecision
  /** ISO time the pre-move effects (saves, storage updates, priority) were applied. */
  savedAt?: string
  /** ISO time the task was moved (or found gone from the stage). */
  proceededAt?: string
}

/**
 * The live entries of a journal by task UUID, and the rules every journal keeps: the first decision
 * recorded wins, each mark is set once, and callers only ever see copies.
 */
export class JournalEntries {
  readonly #entries = new Map<string, JournalEntry>()

  get size(): number {
    return this.#entries.size
  }

  /** A copy of the task's entry. */
  get(taskUuid: string): JournalEntry | undefined {
    const entry = this.#entries.get(taskUuid)
    return entry === undefined ? undefined : structuredClone(entry)
  }

  /**
   * Keep `entry` (as given: pass one the caller will not change) unless the task has an entry already.
   * Returns a copy of that earlier entry, or undefined when `entry` was kept.
   */
  record(taskUuid: string, entry: JournalEntry): JournalEntry | undefined {
    const existing = this.#entries.get(taskUuid)
    if (existing !== undefined) return structuredClone(existing)
    this.#entries.set(taskUuid, entry)
    return undefined
  }

  /** Set a mark of the task's entry to `at` unless it is set; true when this call set it. */
  mark(taskUuid: string, mark: 'savedAt' | 'proceededAt', at: string): boolean {
    const entry = this.#entries.get(taskUuid)
    if (entry === undefined || entry[mark] !== undefined) return false
    entry[mark] = at
    return true
  }

  /** Drop the task's entry; true when there was one. */
  delete(taskUuid: string): boolean {
    return this.#entries.delete(taskUuid)
  }

  /** The entries themselves, not copies (for writing them out). */
  [Symbol.iterator](): IterableIterator<[taskUuid: string, entry: JournalEntry]> {
    return this.#entries.entries()
  }
}

/**
 * An in-memory journal: protects against redelivery within one process (e.g. a queue consumer that
 * retries a message). It does not survive a crash; use a shared journal (Redis) across processes.
 *
 * @example
 * ```ts
 * const runner = new QueueRunner({ projectHash, journal: new MemoryEffectJournal() })
 * ```
 */
export class MemoryEffectJournal implements EffectJournal {
  readonly #entries = new JournalEntries()

  async get(taskUuid: string): Promise<JournalEntry | undefined> {
    return this.#entries.get(taskUuid)
  }

  async recordDecision(taskUuid: string, decision: JournalDecision): Promise<JournalEntry> {
    const entry: JournalEntry = { decision: structuredClone(decision) }
    return this.#entries.record(taskUuid, entry) ?? structuredClone(entry)
  }

  async markSaved(taskUuid: string): Promise<void> {
    this.#entries.mark(taskUuid, 'savedAt', new Date().toISOString())
  }

  async markProceeded(taskUuid: string): Promise<void> {
    this.#entries.mark(taskUuid, 'proceededAt', new Date().toISOString())
  }

  async forget(taskUuid: string): Promise<void> {
    this.#entries.delete(taskUuid)
  }

  /** Entries held (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size
  }
}
