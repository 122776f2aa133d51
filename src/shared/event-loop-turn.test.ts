import { describe, expect, it } from 'vitest'
import { chainedRequestDispatched, turnAfterChainedWrites } from './event-loop-turn.js'

/** What undici does as a chained request is dispatched on a reused socket: the write in the next check phase. */
function dispatchChained(order: string[]): void {
  chainedRequestDispatched()
  setImmediate(() => order.push('chained write'))
}

describe('turnAfterChainedWrites', () => {
  it('is one turn of the loop when no chained request was dispatched meanwhile', async () => {
    const order: string[] = []
    const turn = turnAfterChainedWrites().then(() => order.push('turn'))
    setImmediate(() => order.push('queued after'))
    await turn
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual(['turn', 'queued after'])
  })

  it('lets the write of a chained request dispatched meanwhile go first, though the turn was taken before', async () => {
    const order: string[] = []
    const turns = [1, 2].map((n) => turnAfterChainedWrites().then(() => order.push(`turn ${n}`)))
    dispatchChained(order)
    await Promise.all(turns)
    expect(order).toEqual(['chained write', 'turn 1', 'turn 2'])
  })

  it('waits for each chained write dispatched while it waited, and no longer', async () => {
    const order: string[] = []
    const turn = turnAfterChainedWrites().then(() => order.push('turn'))
    dispatchChained(order)
    setImmediate(() => dispatchChained(order))
    await turn
    expect(order).toEqual(['chained write', 'chained write', 'turn'])
  })
})
