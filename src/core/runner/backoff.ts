/** Waiting between attempts: an abortable sleep and the backoff schedule of retries. */
import { setTimeout as sleepTimer } from 'node:timers/promises'

/** Sleep that ends early (returns false) when the signal aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false
  try {
    await sleepTimer(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}

/** Equal-jitter exponential backoff: retry n waits between half and all of base × 2^(n-1). */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1))
  return Math.round(full / 2 + (full / 2) * random())
}
