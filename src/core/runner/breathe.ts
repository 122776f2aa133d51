import { turnAfterPendingWrites } from '../../shared/event-loop-turn.js'

/**
 * Cooperative yielding for CPU-bound handlers.
 *
 * Handlers are started from promise callbacks (p-limit starts the next one as soon as one settles), so
 * a run of synchronous, CPU-bound handlers is one long chain of microtasks: the event loop does not turn
 * until the whole window of tasks is done (200 tasks × 5 ms = a second). Meanwhile responses (listing,
 * loads, flushes) are not read, progress is not drawn, and Ctrl-C is not even seen.
 *
 * `makeBreather()` returns a check to call before starting each handler. It notes when the event loop
 * last turned (a marker `setImmediate`, at most one pending) and, when it has not turned for `everyMs`,
 * returns a promise that resolves on the next turn, after pending I/O callbacks have run. Otherwise it
 * returns `undefined` (no await, no extra microtask): I/O-bound handlers turn the loop themselves and
 * never wait here.
 */
export function makeBreather(
  everyMs = 5,
  now: () => number = () => performance.now(),
): () => Promise<void> | undefined {
  let lastTurn = now()
  let markerPending = false
  const mark = (): void => {
    markerPending = false
    lastTurn = now()
  }
  return () => {
    if (!markerPending) {
      markerPending = true
      setImmediate(mark)
    }
    if (now() - lastTurn < everyMs) return undefined
    // Requests dispatched meanwhile (the listing's next page, a window's loads) are written first.
    return turnAfterPendingWrites()
  }
}
