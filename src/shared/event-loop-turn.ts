/**
 * Turns of the event loop that let a chained request leave first (issue 21).
 *
 * undici writes a request on a keep-alive socket that has answered before only in the loop's next check
 * phase (it validates the idle socket there, with one `setImmediate`). Work that yielded with its own
 * `setImmediate` earlier in the same loop turn runs before that write: a label-row reply being parsed,
 * a handler's turn. A request on a chain (the listing's next page: one round trip per page, the bound
 * of runs without handler work) then waited several ms per page behind work that could as well run
 * after it.
 *
 * `chainedRequestDispatched()` is called as such a request is handed to undici; `turnAfterChainedWrites()`
 * is the yield for everything else: one turn of the loop, taken again when a chained request was
 * dispatched meanwhile, so its write goes first. Chained requests are few (one per listing page), so
 * nothing waits more than a turn or two.
 */
let chained = 0

/** A request on a chain was just handed to undici: its write is due in the next check phase. */
export function chainedRequestDispatched(): void {
  chained++
}

/** One turn of the event loop (`setImmediate`), after the writes of chained requests dispatched meanwhile. */
export async function turnAfterChainedWrites(): Promise<void> {
  for (;;) {
    const seen = chained
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (chained === seen) return
  }
}
