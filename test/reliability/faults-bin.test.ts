/**
 * Faults through the built binary (issue 9): the emulator (in this process) answers with the issue's
 * seeded fault mix; `encord-agents run --json` talks to it over HTTP with its default retry policy.
 * Every task ends moved exactly once along its handler's pathway, or in its stage reported failed; the
 * RunResult's counts are the emulator's. `npm test`: 600 tasks; `npm run soak`: 5,000.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { assertBuilt } from '../e2e/run-bin.js'
import { startBinEnv, type BinEnv } from './bin-env.js'
import { checkFaultRun, issueNineFaults, SOAK, stageOf } from './fault-check.js'

const TASKS = SOAK ? 5000 : 600

let env: BinEnv | undefined
beforeAll(() => assertBuilt())
afterAll(async () => {
  await env?.close()
})

describe('faults through the built binary', () => {
  it(
    `${TASKS} tasks, 10% 5xx, 5% 429, 2% resets after applying, 1% slow: each moved once or reported failed`,
    { timeout: SOAK ? 600_000 : 180_000 },
    async () => {
      const e = (env = await startBinEnv({
        tasks: TASKS,
        // A seed whose draws reset the connection after applying early on both writes (save, proceed).
        seed: 353,
        faults: issueNineFaults({ retryAfter: 1, slowMs: 1500 }),
        // Small batches and a little handler time: decisions are flushed as they come (instead of being
        // coalesced into a few large requests), so the run makes hundreds of requests for faults to hit.
        run: '{ taskBatchSize: 5, concurrency: 1, numRetries: 3 }',
      }))
      const before = e.state()
      const started = Date.now()
      const r = await e.run<RunResult>(['--json'], {
        timeoutMs: SOAK ? 580_000 : 170_000,
        env: { AGENT_DELAY_MS: '15' },
      })
      const seconds = (Date.now() - started) / 1000
      expect([0, 1], r.stderr.slice(-2000)).toContain(r.code)
      const stage = stageOf(r.json)
      expect(r.json!.ok).toBe(r.code === 0)
      const taskOf = new Map(e.fixture.projects[0].tasks.map((t) => [t.dataHash, t.uuid]))
      const outcome = checkFaultRun(stage, before, e.state(), e.titles, (d) => taskOf.get(d)!)
      const faults = e.emulator.stats().faults
      process.stderr.write(
        `faults-bin: ${TASKS} tasks in ${seconds.toFixed(1)} s, ${e.requests()} requests, ${faults.total} faults ${JSON.stringify(faults.byEndpoint)}; ` +
          `moved ${outcome.moved}, failed ${outcome.failed}, identical re-saves ${outcome.identicalResaves}\n`,
      )
      // The mix really hit the run (18% of its requests, give or take the draw). Each fault costs the
      // client a second or so of backoff, during which decisions pile up and are applied together: the
      // binary makes few, large requests, so the statistics come from the library variant (faults-lib).
      expect(faults.total).toBeGreaterThan(e.requests() * 0.08)
      expect(faults.total).toBeGreaterThanOrEqual(SOAK ? 20 : 5)
      // Every handler ran once: the run never decided a task twice.
      expect([...e.handlerCalls().values()].every((n) => n === 1)).toBe(true)
      // No stack trace, and a clean end leaves no journal behind.
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
      expect(existsSync(join(e.dir, '.encord-agents'))).toBe(false)
    },
  )
})
