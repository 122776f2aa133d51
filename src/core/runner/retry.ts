/** Retrying the runner's requests (listing, loading, flushing): which failures end it, and the loop. */
import { EncordAuthenticationError, EncordPermissionError } from '../../encord/errors.js'
import { UserError } from '../../shared/errors.js'
import type { TaskLogger } from '../deps/types.js'
import { backoffMs, sleep } from './backoff.js'
import { isRetryable } from './errors.js'

/** Errors after which trying a request again cannot help: authentication, permissions, bad requests. */
export function isFatal(error: unknown): boolean {
  return (
    error instanceof EncordAuthenticationError || error instanceof EncordPermissionError || error instanceof UserError
  )
}

/** How a request is retried: how many times after the first attempt, and the backoff's base and cap. */
export interface RetryPolicy {
  retries: number
  retryDelayMs: number
  maxRetryDelayMs: number
}

/**
 * Run `fn`, retrying failures that retrying can help, with the runner's backoff; each retry is said on
 * `log`. With a `signal`, an abort ends the wait and the last failure is thrown (loads); without one
 * (flushes, the queue's requests) every wait is served, so pending decisions are still applied after a stop.
 */
export async function withRetries<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
  log: TaskLogger,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (attempt >= policy.retries || isFatal(error) || !isRetryable(error)) throw error
      const delay = backoffMs(attempt + 1, policy.retryDelayMs, policy.maxRetryDelayMs)
      log.warn(`${what} failed (${(error as Error).message}); trying again in ${delay} ms.`)
      if (!(await sleep(delay, signal))) throw error
    }
  }
}
