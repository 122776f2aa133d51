/**
 * SIGKILL at seeded points of runs of the built binary, then reruns (issue 9): the project converges
 * to the state an uninterrupted run reaches. Handlers whose decisions were not yet recorded may run
 * again; their effects are never doubled, although the handler APPENDS a box to the row it is given:
 * the write-ahead journal (on by default in the CLI) lets the rerun finish recorded decisions without
 * calling the handler. Kill points are drawn over all requests, plus the riskiest moments: right
 * after a label save was applied, right after a move. The same kill with --no-journal doubles the box,
 * which is what the journal is for. `npm test`: 8 kills; `npm run soak`: 30.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { assertBuilt } from '../e2e/run-bin.js'
import { seededRandom, signalChild, startBinEnv, type BinEnv } from './bin-env.js'
import { SOAK } from './fault-check.js'
import type { TaskState } from './project-state.js'

const KILLS = SOAK ? 30 : 8
const TASKS = SOAK ? 150 : 60
const RUN = '{ taskBatchSize: 3, concurrency: 2 }'

const envs: BinEnv[] = []
beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const e of envs) await e.close()
})

/** What must be equal between two runs: everything but hashes and timestamps. */
function comparable(state: Map<string, TaskState>): Record<string, unknown> {
  return Object.fromEntries(
    [...state].map(([dataHash, s]) => [
      dataHash,
      { stage: s.stage, proceeds: s.proceeds, priority: s.priority, labels: s.labels, saves: s.saves },
    ]),
  )
}

/** Tasks with a decision recorded and not yet settled (live entries of the journal file). */
const journalEntries = (e: BinEnv): Set<string> => {
  const file = join(e.dir, '.encord-agents', 'journal', `${e.projectHash}.jsonl`)
  if (!existsSync(file)) return new Set()
  // Live entries: decisions recorded and not forgotten (a torn last line is skipped, as the journal does).
  const live = new Set<string>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      const record = JSON.parse(line) as { t?: string; task?: string }
      if (record.t === 'd') live.add(record.task!)
      if (record.t === 'f') live.delete(record.task!)
    } catch {
      // torn or empty line
    }
  }
  return live
}

describe('SIGKILL at seeded points, then reruns (built binary)', () => {
  it(
    `${KILLS} kills: the project converges to the uninterrupted run's state, nothing doubled`,
    { timeout: SOAK ? 600_000 : 240_000 },
    async () => {
      // The reference: the same project, run once without interruption.
      const reference = await startBinEnv({ tasks: TASKS, seed: 6, run: RUN })
      envs.push(reference)
      const clean = await reference.run<RunResult>(['--json'])
      expect(clean.code, clean.stderr.slice(-1500)).toBe(0)
      const expected = comparable(reference.state())

      const e = await startBinEnv({ tasks: TASKS, seed: 6, run: RUN })
      envs.push(e)
      const random = seededRandom(9)
      // Handler calls of each task at the moment its decision was found recorded after a kill: the
      // decision must be finished without calling the handler again, so these never grow.
      const callsWhenRecorded = new Map<string, number>()
      let replayed = 0
      const kinds: string[] = []
      for (let kill = 0; kill < KILLS; kill++) {
        // One in three kills lands right after a save or a move was applied; the others anywhere.
        const kind = kill % 3 === 1 ? 'save-label-rows' : kill % 3 === 2 ? 'proceed' : undefined
        const after = kind === undefined ? 2 + Math.floor(random() * 20) : 1 + Math.floor(random() * 3)
        kinds.push(`${kind ?? 'any'}#${after}`)
        let child: Parameters<typeof signalChild>[0]
        e.afterRequests(after, () => signalChild(child, 'SIGKILL'), kind)
        const r = await e.run<RunResult>(['--json'], {
          env: { AGENT_DELAY_MS: '20' },
          timeoutMs: 60_000,
          onSpawn: (c) => (child = c),
        })
        if (r.signal !== 'SIGKILL') {
          // The run ended before the kill point: it must have finished cleanly then.
          expect(r.code, r.stderr.slice(-1500)).toBe(0)
          replayed += r.json?.stages[0].replayed ?? 0
          break
        }
        const calls = e.handlerCalls()
        for (const task of journalEntries(e))
          if (!callsWhenRecorded.has(task)) callsWhenRecorded.set(task, calls.get(task) ?? 0)
        // Nothing is doubled at any moment, even before the rerun.
        for (const [, s] of e.state()) {
          expect(s.proceeds).toBeLessThanOrEqual(1)
          expect(s.saves).toBeLessThanOrEqual(1)
        }
      }
      const rest = await e.run<RunResult>(['--json'], { timeoutMs: 120_000 })
      expect(rest.code, rest.stderr.slice(-1500)).toBe(0)
      replayed += rest.json!.stages[0].replayed ?? 0
      // A rerun after a kill takes the dead run's lock over; the clean end removes journal and lock.
      expect(existsSync(join(e.dir, '.encord-agents'))).toBe(false)
      const calls = e.handlerCalls()
      process.stderr.write(
        `crash: ${KILLS} kills (${kinds.join(', ')}); ${callsWhenRecorded.size} tasks had a recorded, unsettled decision after a kill; ` +
          `${replayed} replayed by the last run; ${[...calls.values()].filter((n) => n > 1).length} tasks whose handler ran again (decisions not yet recorded when killed)\n`,
      )
      expect(comparable(e.state())).toEqual(expected)
      // The kills did leave recorded-but-unsettled decisions, and the reruns finished them without
      // calling their handlers again.
      expect(callsWhenRecorded.size).toBeGreaterThan(0)
      for (const [task, n] of callsWhenRecorded) expect(calls.get(task), task).toBe(n)
    },
  )

  it(
    'control: the same kill right after a label save, with --no-journal, doubles the box on the rerun',
    { timeout: 120_000 },
    async () => {
      const e = await startBinEnv({ tasks: 6, seed: 6, run: '{ taskBatchSize: 6 }' })
      envs.push(e)
      const before = e.state()
      let child: Parameters<typeof signalChild>[0]
      e.afterRequests(1, () => signalChild(child, 'SIGKILL'), 'save-label-rows')
      const killed = await e.run(['--no-journal'], { onSpawn: (c) => (child = c) })
      expect(killed.signal).toBe('SIGKILL')
      const rerun = await e.run(['--no-journal', '--json'])
      expect(rerun.code, rerun.stderr.slice(-1500)).toBe(0)
      const boxes = (s: TaskState) => s.labels.filter((l) => l.startsWith('object ')).length
      const doubled = [...e.state()].filter(([d, s]) => boxes(s) === boxes(before.get(d)!) + 2)
      expect(doubled.length).toBe(6)
    },
  )
})
