/**
 * Turns of the event loop that let requests already dispatched be written first (issue 21).
 *
 * undici writes a request on a keep-alive socket that has answered before only in the loop's next check
 * phase (it validates the idle socket there, with one `setImmediate`). Work that yielded with its own
 * `setImmediate` earlier in the same loop turn runs before that write: a label-row reply being parsed,
 * a handler's turn. A request on a chain (the listing's next page: one round trip per page, the bound
 * of runs without handler work) then waited several ms per page behind work that could as well run
 * after it, and so did the last window's loads (the tail of every run: 8–10 ms behind a handler's turn).
 *
 * `requestDispatched()` is called as any request is handed to undici; `turnAfterPendingWrites()` is the
 * yield for everything else: one turn of the loop, taken again when a request was dispatched meanwhile,
 * so its write goes first. Requests are few (a run sends about 0.03 per task), and the turns taken again
 * are bounded, so a yield under a stream of requests (a handler's own client calls) still goes on.
 */
let dispatched = 0

/** The most turns one yield takes: the first, and two more for writes dispatched while it waited. */
const MAX_TURNS = 3

/** A request was just handed to undici: its write may be due in the next check phase. */
export function requestDispatched(): void {
  dispatched++
}

/** One turn of the event loop (`setImmediate`), after the writes of requests dispatched meanwhile. */
export async function turnAfterPendingWrites(): Promise<void> {
  for (let turn = 1; ; turn++) {
    const seen = dispatched
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (dispatched === seen || turn === MAX_TURNS) return
  }
}
