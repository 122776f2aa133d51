import { describe, expect, it } from 'vitest'
import { requestDispatched, turnAfterPendingWrites } from './event-loop-turn.js'

/** What undici does as a request is dispatched on a reused socket: the write in the next check phase. */
function dispatch(order: string[]): void {
  requestDispatched()
  setImmediate(() => order.push('write'))
}

describe('turnAfterPendingWrites', () => {
  it('is one turn of the loop when no request was dispatched meanwhile', async () => {
    const order: string[] = []
    const turn = turnAfterPendingWrites().then(() => order.push('turn'))
    setImmediate(() => order.push('queued after'))
    await turn
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual(['turn', 'queued after'])
  })

  it('lets the write of a request dispatched meanwhile go first, though the turn was taken before', async () => {
    const order: string[] = []
    const turns = [1, 2].map((n) => turnAfterPendingWrites().then(() => order.push(`turn ${n}`)))
    dispatch(order)
    await Promise.all(turns)
    expect(order).toEqual(['write', 'turn 1', 'turn 2'])
  })

  it('waits for each write dispatched while it waited', async () => {
    const order: string[] = []
    const turn = turnAfterPendingWrites().then(() => order.push('turn'))
    dispatch(order)
    setImmediate(() => dispatch(order))
    await turn
    expect(order).toEqual(['write', 'write', 'turn'])
  })

  it('goes on after three turns under a stream of requests (one dispatched every turn)', async () => {
    const order: string[] = []
    let streaming = true
    const stream = (): void => {
      if (!streaming) return
      dispatch(order)
      setImmediate(stream)
    }
    stream()
    await turnAfterPendingWrites()
    streaming = false
    // Three turns: the writes of the turns it waited for went first; the stream did not hold it.
    expect(order).toEqual(['write', 'write', 'write'])
  })
})
