import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { TAIL_HOLD_MS } from '../../src/core/runner/engine.js'
import type { RunEvent } from '../../src/core/runner/events.js'
import { Runner } from '../../src/core/runner/runner.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The stage's last batches may be held for one flush (issue 21), but only for TAIL_HOLD_MS at most:
 * the whole stage fits in one load window here, and one handler is slow.
 */
describe('the last window: decided batches are held briefly, never until the slowest handler returns', () => {
  it('a slow handler in the last window does not hold the other batches past the bound', async () => {
    const SLOW_MS = 3000
    const e = (env = await startRunnerEnv({ tasks: 20 }))
    let calls = 0
    let slowTask: string | undefined
    let slowReturnedAt = Infinity
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        handler: async ({ task }) => {
          // The 7th task (in the second batch of 5) is slow; the other 19 return at once.
          if (++calls === 7) {
            slowTask = task.uuid
            await sleep(SLOW_MS)
            slowReturnedAt = performance.now()
          }
          return 'complete'
        },
      }),
    )
    const events: Array<{ event: RunEvent; at: number }> = []
    let movedBeforeSlow: string[] = []
    const result = await runner.run({
      taskBatchSize: 5,
      concurrency: 4,
      onEvent: (event) => {
        events.push({ event, at: performance.now() })
        // What Encord holds in "Complete" while the slow handler still runs.
        if (event.type === 'flushed' && slowReturnedAt === Infinity)
          movedBeforeSlow = e.tasksIn('Complete').map((t) => t.uuid)
      },
    })
    expect(result.stages[0].moved).toEqual({ complete: 20 })
    expect(Object.values(e.proceedsByTask())).toEqual(Array(20).fill(1))

    // The three batches without the slow task (15 tasks) were moved while it still ran.
    expect(movedBeforeSlow).toHaveLength(15)
    expect(movedBeforeSlow).not.toContain(slowTask)
    // ... and within the bound (plus a proceed's round trip on a loaded machine) of their last decision.
    const fastDone = events.filter((x) => x.event.type === 'taskDone' && x.at < slowReturnedAt)
    expect(fastDone).toHaveLength(19)
    const lastFastDecision = Math.max(...fastDone.map((x) => x.at))
    const flushes = events.filter((x) => x.event.type === 'flushed' && x.at < slowReturnedAt)
    const moved = (x: { event: RunEvent }): number => (x.event.type === 'flushed' ? x.event.moved : 0)
    const allFifteenAt = flushes.find((_, i) => flushes.slice(0, i + 1).reduce((n, x) => n + moved(x), 0) === 15)?.at
    expect(allFifteenAt).toBeDefined()
    expect(allFifteenAt! - lastFastDecision).toBeLessThan(TAIL_HOLD_MS + 1000)
    expect(allFifteenAt!).toBeLessThan(slowReturnedAt - SLOW_MS / 2)
  })
})

/**
 * The stage's last decisions cannot be joined by later ones, so they are flushed at once, beside a
 * flush still in flight, instead of one round trip after it (issue 21).
 */
describe('the last decisions of a stage', () => {
  it('are flushed beside a flush in flight, not after it', async () => {
    const PROCEED_MS = 800
    const e = (env = await startRunnerEnv({
      tasks: 10,
      faults: { rules: [{ endpoint: 'proceed', kind: 'slow', rate: 1, delayMs: PROCEED_MS }] },
    }))
    let calls = 0
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        handler: async () => {
          // The second batch (tasks 6-10) is decided ~100 ms after the first, while its proceed is slow.
          if (++calls > 5) await sleep(100)
          return 'complete'
        },
      }),
    )
    const flushed: number[] = []
    const result = await runner.run({
      taskBatchSize: 5,
      concurrency: 5,
      onEvent: (event) => {
        if (event.type === 'flushed') flushed.push(performance.now())
      },
    })
    expect(result.stages[0].moved).toEqual({ complete: 10 })
    expect(Object.values(e.proceedsByTask())).toEqual(Array(10).fill(1))
    expect(flushed).toHaveLength(2)
    // One after the other, the second would end a whole slow proceed after the first.
    expect(flushed[1] - flushed[0]).toBeLessThan(PROCEED_MS / 2)
  })
})
