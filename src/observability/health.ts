/**
 * Liveness and readiness of a long-running process (`run --refresh-every`, `worker`), as `/healthz`
 * reports it: healthy while it takes work; unhealthy once it is shutting down, or when the Encord API
 * (or Redis, for workers) has been unreachable past the retry budget.
 */
import { RequestSubscription } from './request-subscription.js'

/** How long Redis may be reconnecting before the worker says it is unhealthy (ioredis retries forever). */
export const REDIS_GRACE_MS = 10_000

/** What `/healthz` answers, and its JSON body. */
export interface HealthReport {
  ok: boolean
  /** Why not ok: `shutting down`, `encord unreachable (ECONNREFUSED)`, `redis unreachable`. */
  reasons: string[]
}

export class Health {
  #shuttingDown = false
  /** The network code of the last request that failed for good, until a response arrives again. */
  #encordDown: string | undefined
  #redis: { status: () => string; downSince?: number } | undefined
  readonly #now: () => number
  readonly #requests = new RequestSubscription((outcome) => {
    if (outcome.status !== null) this.#encordDown = undefined
    else if (outcome.final) this.#encordDown = outcome.networkCode ?? 'no response'
  })

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Follows the transport's requests: a request that failed after its retries marks Encord down. */
  subscribe(): void {
    this.#requests.subscribe()
  }

  unsubscribe(): void {
    this.#requests.unsubscribe()
  }

  /** For workers: the ioredis connection's status (`ready` when connected). */
  watchRedis(status: () => string): void {
    this.#redis = { status }
  }

  shuttingDown(): void {
    this.#shuttingDown = true
  }

  report(): HealthReport {
    const reasons: string[] = []
    if (this.#shuttingDown) reasons.push('shutting down')
    if (this.#encordDown !== undefined) reasons.push(`encord unreachable (${this.#encordDown})`)
    const redis = this.#redis
    if (redis !== undefined) {
      if (redis.status() === 'ready') redis.downSince = undefined
      else {
        redis.downSince ??= this.#now()
        if (this.#now() - redis.downSince >= REDIS_GRACE_MS) reasons.push(`redis unreachable (${redis.status()})`)
      }
    }
    return { ok: reasons.length === 0, reasons }
  }
}
