/**
 * Faults through the library (issue 9), at request volume: tiny batches and windows so the run makes
 * thousands of requests, the issue's seeded fault mix on every endpoint, fast client backoff, and the
 * write-ahead journal on. Every task ends moved exactly once along its handler's pathway (labels saved
 * once, before the move) or in its stage reported failed; the RunResult's counts are the emulator's.
 * `npm test`: 600 tasks; `npm run soak`: 5,000.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { Runner } from '../../src/core/runner/runner.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { expectedPathway } from './bin-env.js'
import { checkFaultRun, issueNineFaults, SOAK } from './fault-check.js'
import { movedBeforeSaved, projectState } from './project-state.js'

const TASKS = SOAK ? 5000 : 600
let env: RunnerEnv | undefined
const dir = mkdtempSync(join(tmpdir(), 'ea-faults-lib-'))
afterAll(async () => {
  await env?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('faults through the library, at volume', () => {
  it(
    `${TASKS} tasks under the issue's fault mix: each moved once or reported failed; counts match the emulator`,
    { timeout: SOAK ? 600_000 : 120_000 },
    async () => {
      const e = (env = await startRunnerEnv({
        tasks: TASKS,
        labelledFraction: 0.5,
        // A seed whose draws reset the connection after applying early on both writes (save, proceed).
        seed: 353,
        retries: 3,
        // Retry-After 0 keeps thousands of requests fast; faults-bin honours a real Retry-After.
        faults: issueNineFaults({ retryAfter: 0, slowMs: 1200 }),
      }))
      const titles = new Map(e.fixture.projects[0].dataUnits.map((u) => [u.dataHash, u.dataTitle]))
      const calls = new Map<string, number>()
      const runner = new Runner({ projectHash: e.projectHash }).stage(
        'Agent 1',
        defineAgent({
          deps: { row: labelRow() },
          handler: async ({ task, deps }) => {
            calls.set(task.uuid, (calls.get(task.uuid) ?? 0) + 1)
            // A little model time: batches are decided one after another and flushed as they come, so
            // the writes are many small requests (instant handlers would pile up into a few big ones).
            await new Promise((resolve) => setTimeout(resolve, 10))
            deps.row.addBoundingBox('Box', { x: 0.1, y: 0.2, w: 0.3, h: 0.4 })
            return { pathway: expectedPathway(task.dataTitle).pathway, priority: 0.75 }
          },
        }),
      )
      const before = projectState(e.emulator.state, e.projectHash, {})
      const started = Date.now()
      const result = await runner.run({
        client: e.client,
        journal: true,
        journalDir: dir,
        taskBatchSize: 2,
        loadWindow: 10,
        concurrency: 4,
        numRetries: 3,
        retryDelayMs: 2,
        maxRetryDelayMs: 20,
      })
      const seconds = (Date.now() - started) / 1000
      const stage = result.stages[0]
      const taskOf = new Map(e.fixture.projects[0].tasks.map((t) => [t.dataHash, t.uuid]))
      const after = projectState(e.emulator.state, e.projectHash, e.proceedsByTask())
      const outcome = checkFaultRun(stage, before, after, titles, (d) => taskOf.get(d)!)
      expect(result.ok).toBe(stage.failed === 0)
      expect(movedBeforeSaved(e.emulator.state, e.projectHash)).toEqual([])
      expect([...calls.values()].every((n) => n === 1)).toBe(true)
      const stats = e.emulator.stats()
      const requests = stats.requests.total
      process.stderr.write(
        `faults-lib: ${TASKS} tasks in ${seconds.toFixed(1)} s, ${requests} requests, ${stats.faults.total} faults ${JSON.stringify(stats.faults.byEndpoint)}; ` +
          `moved ${outcome.moved}, failed ${outcome.failed}, identical re-saves ${outcome.identicalResaves}\n`,
      )
      expect(stats.faults.total).toBeGreaterThan(requests * 0.1)
      for (const kind of ['5xx', '429', 'reset-after', 'slow']) {
        expect(
          Object.values(stats.faults.byEndpoint).some((k) => (k[kind] ?? 0) > 0),
          kind,
        ).toBe(true)
      }
      // Resets after applying hit the writes too: the effects that must not be doubled.
      expect(stats.faults.byEndpoint['save-label-rows']?.['reset-after'] ?? 0).toBeGreaterThan(0)
      expect(stats.faults.byEndpoint.proceed?.['reset-after'] ?? 0).toBeGreaterThan(0)
      // What failed stayed recorded (to be finished by the next run); a clean run removes the journal.
      expect(existsSync(join(dir, '.encord-agents'))).toBe(stage.failed > 0)
    },
  )
})
