/**
 * When the Encord client retries, and how long it waits: the retry classes of calls, the statuses and
 * network errors each retries on, and the backoff. Split from transport.ts, which applies them.
 */

/**
 * How a call may be retried. Encord's Python SDK retries GET/POST/PUT marked retryable on status codes,
 * read errors and connection errors, and everything else on connection errors only (spec §5). We add
 * one class for calls whose effect must not be applied twice (proceed), which the client checks itself.
 *
 * - `idempotent`: connection errors, read errors/timeouts, and HTTP 429/500/502/503/504.
 * - `unapplied`: connection errors (the request never left) and HTTP 429 (rejected before processing).
 *   Anything after which the request may have been applied (a dropped response, a timeout, a 5xx) is
 *   returned/thrown to the caller, which decides (see `EncordClient.proceedTasks`).
 * - `connect-only`: connection errors only (PATCH, legacy `labelrow` PUT, as the SDK).
 */
export type RetryClass = 'idempotent' | 'unapplied' | 'connect-only'

/** HTTP statuses retried for `idempotent` calls. 413 is deliberately absent: see docs/encord-api.md. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504])
export const UNAPPLIED_RETRY_STATUSES: ReadonlySet<number> = new Set([429])

/** Errors raised before the request reached the server: always safe to retry. */
export const CONNECT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** Errors that retrying cannot fix (certificates, bad URLs): fail at once. */
export function isPermanentNetworkError(code: string | null): boolean {
  if (code === null) return false
  return (
    code.startsWith('CERT_') ||
    code.startsWith('ERR_TLS_') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'ERR_INVALID_URL'
  )
}

export interface RetryPolicy {
  /** Retries after the first attempt. @default 3 (as the Python SDK) */
  retries: number
  /** Base of the exponential backoff: retry n sleeps ~ base × 2^(n-1), with jitter. @default 1500 */
  backoffBaseMs: number
  /**
   * Longest single sleep. A `Retry-After` longer than this is not waited for: the call fails at once
   * with `EncordRateLimitedError` carrying the server's value. @default 60000
   */
  maxRetryDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, backoffBaseMs: 1500, maxRetryDelayMs: 60_000 }

/**
 * Sleep before retry `retry` (1-based): "equal jitter" exponential backoff, half fixed and half random,
 * so concurrent clients spread out while the delay still grows: with base 1.5 s → 0.75–1.5 s, 1.5–3 s,
 * 3–6 s (the SDK sleeps 0, 3, 6 s). A `Retry-After` (seconds) replaces the backoff, plus up to 10 %
 * jitter (it is a minimum). Returns null when the server asks for longer than `maxRetryDelayMs`.
 */
export function retryDelayMs(
  retry: number,
  retryAfterSeconds: number | null,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | null {
  if (retryAfterSeconds !== null) {
    const ms = retryAfterSeconds * 1000
    if (ms > policy.maxRetryDelayMs) return null
    return Math.min(policy.maxRetryDelayMs, ms + ms * 0.1 * random())
  }
  const full = Math.min(policy.maxRetryDelayMs, policy.backoffBaseMs * 2 ** (retry - 1))
  return full / 2 + (full / 2) * random()
}

/** The `code` of an error or of one of its causes (undici wraps the socket error). */
export function errorCode(error: unknown): string | null {
  let e: unknown = error
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    e = (e as { cause?: unknown }).cause
  }
  return null
}
