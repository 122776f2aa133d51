import type { Redis } from 'ioredis'
import type { EffectJournal, JournalDecision, JournalEntry } from '../core/journal.js'
import { QUEUE_PREFIX } from './names.js'

/** Journal entries expire after this long even if never forgotten (a crash between ack and forget). */
export const JOURNAL_TTL_SECONDS = 7 * 24 * 3600

/**
 * The effect journal on Redis, shared by every worker: one hash per task,
 * `encord-agents:journal:<namespace>:<taskUuid>` with `decision` (JSON), `savedAt`, `proceededAt`.
 * Recording is atomic (HSETNX in a MULTI): when two deliveries race, both apply the first decision.
 */
export class RedisEffectJournal implements EffectJournal {
  constructor(
    private readonly redis: Redis,
    /** e.g. `<projectHash>:<stageUuid>` */
    private readonly namespace: string,
    private readonly ttlSeconds = JOURNAL_TTL_SECONDS,
  ) {}

  key(taskUuid: string): string {
    return `${QUEUE_PREFIX}:journal:${this.namespace}:${taskUuid}`
  }

  async get(taskUuid: string): Promise<JournalEntry | undefined> {
    return toEntry(await this.redis.hgetall(this.key(taskUuid)))
  }

  async recordDecision(taskUuid: string, decision: JournalDecision): Promise<JournalEntry> {
    const key = this.key(taskUuid)
    const results = await this.redis
      .multi()
      .hsetnx(key, 'decision', JSON.stringify(decision))
      .hgetall(key)
      .expire(key, this.ttlSeconds)
      .exec()
    const failed = results?.find(([error]) => error !== null)
    if (results === null || failed !== undefined)
      throw failed?.[0] ?? new Error('Redis discarded the journal transaction')
    const entry = toEntry(results[1][1] as Record<string, string>)
    if (entry === undefined)
      throw new Error(`The journal entry of task ${taskUuid} vanished while it was being recorded`)
    return entry
  }

  async markSaved(taskUuid: string): Promise<void> {
    await this.#mark(taskUuid, 'savedAt')
  }

  async markProceeded(taskUuid: string): Promise<void> {
    await this.#mark(taskUuid, 'proceededAt')
  }

  async forget(taskUuid: string): Promise<void> {
    await this.redis.del(this.key(taskUuid))
  }

  async #mark(taskUuid: string, field: 'savedAt' | 'proceededAt'): Promise<void> {
    const key = this.key(taskUuid)
    await this.redis.multi().hsetnx(key, field, new Date().toISOString()).expire(key, this.ttlSeconds).exec()
  }
}

function toEntry(hash: Record<string, string>): JournalEntry | undefined {
  if (hash.decision === undefined) return undefined
  return {
    decision: JSON.parse(hash.decision) as JournalDecision,
    ...(hash.savedAt !== undefined ? { savedAt: hash.savedAt } : {}),
    ...(hash.proceededAt !== undefined ? { proceededAt: hash.proceededAt } : {}),
  }
}
