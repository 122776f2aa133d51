import pLimit from 'p-limit'
import { afterEach, describe, expect, it } from 'vitest'
import { startRunnerEnv, type RunnerEnv } from '../../../test/helpers/runner-env.js'
import { defineAgent } from '../agent.js'
import { requestDispatched } from '../../shared/event-loop-turn.js'
import { makeBreather } from './breathe.js'
import { Runner } from './runner.js'

function busy(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // CPU-bound work, as a model running on the event-loop thread
  }
}

/** Run `n` CPU-bound jobs through p-limit (as the engine does); how many had finished when a timer fired? */
async function doneWhenTimerFired(n: number, breathe?: () => Promise<void> | undefined): Promise<number> {
  const limit = pLimit(4)
  let done = 0
  let seen = -1
  setTimeout(() => (seen = done), 0)
  await Promise.all(
    Array.from({ length: n }, () =>
      limit(async () => {
        const pause = breathe?.()
        if (pause !== undefined) await pause
        busy(2)
        done++
      }),
    ),
  )
  await new Promise((r) => setTimeout(r, 5))
  return seen
}

describe('makeBreather', () => {
  it('without it, a chain of CPU-bound jobs keeps the event loop from turning until all are done', async () => {
    expect(await doneWhenTimerFired(30)).toBe(30)
  })

  it('lets the event loop turn (timers, I/O) every few milliseconds of CPU work', async () => {
    const seen = await doneWhenTimerFired(30, makeBreather(5))
    expect(seen).toBeGreaterThanOrEqual(0)
    expect(seen).toBeLessThan(10)
  })

  it("a pause lets a request dispatched meanwhile (the next listing page, a window's loads) be written first", async () => {
    let clock = 0
    const breathe = makeBreather(5, () => clock)
    expect(breathe()).toBeUndefined()
    clock = 6
    const order: string[] = []
    const pause = breathe()!.then(() => order.push('handler goes on'))
    // As undici does for a request on a reused keep-alive socket: its write in the next check phase.
    requestDispatched()
    setImmediate(() => order.push('request written'))
    await pause
    expect(order).toEqual(['request written', 'handler goes on'])
  })

  it('never pauses while the loop turns on its own', async () => {
    // A clock that moves 4 ms between calls (20 ms in all): only the turns of the loop keep it under 5 ms.
    // An injected clock, so a loaded machine's slow timers cannot make the loop look stuck.
    let clock = 0
    const breathe = makeBreather(5, () => clock)
    for (let i = 0; i < 5; i++) {
      expect(breathe()).toBeUndefined()
      await new Promise((r) => setTimeout(r, 1))
      clock += 4
    }
  })
})

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('Runner with CPU-bound handlers', () => {
  it('keeps the event loop turning while handlers run (listing, loads and flushes overlap them)', async () => {
    env = await startRunnerEnv({ tasks: 100 })
    const runner = new Runner({ projectHash: env.projectHash, client: env.client })
    runner.stage('Agent 1', defineAgent({ handler: () => (busy(8), 'complete') }))
    const ticks: number[] = []
    const timer = setInterval(() => ticks.push(performance.now()), 2)
    let result
    try {
      result = await runner.run({ concurrency: 4, taskBatchSize: 100 })
    } finally {
      clearInterval(timer)
    }
    expect(result.stages[0].moved).toEqual({ complete: 100 })
    // 100 handlers × 8 ms in one load window: without yielding, one gap of ≥ 800 ms. The bound leaves room
    // for a loaded machine's scheduler (other processes take the core for 100 ms and more).
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i])
    expect(Math.max(...gaps)).toBeLessThan(400)
  })
})
