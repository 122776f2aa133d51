/**
 * SIGINT at 20 seeded points of runs of the built binary (issue 9): each interrupted run exits 130
 * with its summary (every other one as the --json RunResult with `interrupted: true`); after each, no
 * task was moved without its label save, nothing was saved or moved twice, no handler ran twice, and
 * the result's counts are what the emulator saw. A last run finishes the rest.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { assertBuilt } from '../e2e/run-bin.js'
import { expectedPathway, seededRandom, signalChild, startBinEnv, type BinEnv } from './bin-env.js'
import { movedBeforeSaved, type TaskState } from './project-state.js'

const POINTS = 20
// Enough tasks that 20 interrupted runs never finish the stage, even on a loaded machine where a SIGINT
// lands late and each run moves 20–30 tasks (with 160, point 17 or 18 found the stage empty).
const TASKS = 400

let env: BinEnv | undefined
beforeAll(() => assertBuilt())
afterAll(async () => {
  await env?.close()
})

const boxes = (s: TaskState) => s.labels.filter((l) => l.startsWith('object ')).length

describe('SIGINT at seeded points (built binary)', () => {
  it(
    `${POINTS} interrupted runs: exit 130 and a summary each time, nothing half-done or doubled; a rerun finishes`,
    { timeout: 300_000 },
    async () => {
      const e = (env = await startBinEnv({ tasks: TASKS, seed: 4, run: '{ taskBatchSize: 2, concurrency: 2 }' }))
      const before = e.state()
      const random = seededRandom(20261125)
      let movedSoFar = 0
      for (let point = 0; point < POINTS; point++) {
        // After 1..14 answered requests of this run: during validation, loading, or between flushes.
        const after = 1 + Math.floor(random() * 14)
        const json = point % 2 === 0
        let child: Parameters<typeof signalChild>[0]
        e.afterRequests(after, () => signalChild(child, 'SIGINT'))
        const r = await e.run<RunResult>(json ? ['--json'] : [], {
          env: { AGENT_DELAY_MS: '40' },
          timeoutMs: 60_000,
          onSpawn: (c) => (child = c),
        })
        const where = `point ${point + 1} (SIGINT after ${after} requests)`
        expect(r.code, `${where}: ${r.stderr.slice(-1500)}`).toBe(130)
        expect(r.stderr).toContain('Stopping: no new tasks')
        const state = e.state()
        let moved = 0
        for (const [dataHash, s] of state) {
          const was = before.get(dataHash)!
          expect(s.proceeds, `${where}: ${dataHash} moved twice`).toBeLessThanOrEqual(1)
          expect(s.saves, `${where}: ${dataHash} saved twice`).toBeLessThanOrEqual(1)
          expect(boxes(s) - boxes(was), `${where}: ${dataHash} box doubled`).toBeLessThanOrEqual(1)
          if (s.proceeds === 1) {
            moved++
            // Moved only with its labels saved.
            expect(boxes(s), `${where}: ${dataHash} moved without its save`).toBe(boxes(was) + 1)
            expect(s.stage).toBe(expectedPathway(e.titles.get(dataHash)!).stage)
          } else {
            // A graceful stop applies every decision made: nothing is left saved but not moved.
            expect(boxes(s), `${where}: ${dataHash} saved but not moved`).toBe(boxes(was))
          }
        }
        expect(movedBeforeSaved(e.emulator.state, e.projectHash)).toEqual([])
        const movedNow = moved - movedSoFar
        movedSoFar = moved
        if (json) {
          const result = r.json!
          expect(result).toMatchObject({ ok: false, interrupted: true })
          const stage = result.stages[0]
          expect(stage.failed).toBe(0)
          expect((stage.moved.complete ?? 0) + (stage.moved['needs review'] ?? 0)).toBe(movedNow)
          expect(stage.processed).toBe(movedNow)
        } else {
          expect(r.stdout).toMatch(new RegExp(`Interrupted after ${movedNow} tasks? processed`))
          expect(r.stdout).toContain('run again to finish the rest')
        }
        // Every handler that ran had its decision applied: none ran twice.
        expect(
          [...e.handlerCalls().values()].every((n) => n === 1),
          where,
        ).toBe(true)
        expect(e.handlerCalls().size).toBe(moved)
        // A graceful stop settles every decision: no journal is left behind.
        expect(existsSync(join(e.dir, '.encord-agents')), where).toBe(false)
      }
      process.stderr.write(
        `interrupt: ${POINTS} SIGINTs, ${movedSoFar} of ${TASKS} tasks moved by the interrupted runs\n`,
      )
      expect(movedSoFar, 'the interrupted runs did some work').toBeGreaterThan(POINTS)
      expect(movedSoFar, 'and left some for the rerun').toBeLessThan(TASKS)

      const rest = await e.run<RunResult>(['--json'], { timeoutMs: 120_000 })
      expect(rest.code, rest.stderr.slice(-1500)).toBe(0)
      expect(rest.json!.stages[0].processed).toBe(TASKS - movedSoFar)
      for (const [dataHash, s] of e.state()) {
        expect(s.proceeds).toBe(1)
        expect(s.saves).toBe(1)
        expect(boxes(s)).toBe(boxes(before.get(dataHash)!) + 1)
        expect(s.stage).toBe(expectedPathway(e.titles.get(dataHash)!).stage)
      }
      expect([...e.handlerCalls().values()].every((n) => n === 1)).toBe(true)
      expect(e.handlerCalls().size).toBe(TASKS)
    },
  )
})
