/**
 * Durations past Node's longest timer (issue 14, item 3). Node fires a `setTimeout` of more than
 * 2^31−1 ms after 1 ms (with a TimeoutOverflowWarning), so before this was bounded
 * `--task-timeout 2147483648` failed every task at once and `refreshEvery: 3000000` (35 days) polled
 * in a tight loop. Every duration option, flag and config alike, is now bounded in the run options'
 * declaration (src/core/config/options.ts) and refused with exit 2 past its bound, before anything is
 * fetched; the bound itself is accepted. The bounds are written in docs/reliability.md.
 */
import pLimit from 'p-limit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Runner, defineAgent } from '../../src/index.js'
import { MAX_TIMER_MS } from '../../src/core/config/options.js'
import type { RunResult } from '../../src/core/types.js'
import { expectClear, withAgent } from '../commands/bad-input-cases.js'
import { tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

beforeAll(() => assertBuilt())
const project = tempProjects()
const limit = pLimit(2)
const COMPLETE = `export default defineAgent({ handler: () => 'complete' })`

describe('durations past 2^31−1 ms are refused with exit 2 (flags and config alike)', () => {
  it('is the longest timer Node keeps', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1)
  })

  const cases: Array<{ name: string; command?: string; args?: string[]; run?: string; says: string[] }> = [
    {
      name: 'run --task-timeout 2147483648',
      args: ['--task-timeout', '2147483648'],
      says: ['--task-timeout', '2147483647'],
    },
    { name: 'run --refresh-every 3000000', args: ['--refresh-every', '3000000'], says: ['--refresh-every', '2147483'] },
    {
      name: 'config run.taskTimeout: 2147483648',
      run: `\n  run: { taskTimeout: 2147483648 },`,
      says: ['run.taskTimeout', 'Must be at most 2147483647'],
    },
    {
      name: 'config run.refreshEvery: 3000000',
      run: `\n  run: { refreshEvery: 3000000 },`,
      says: ['run.refreshEvery', 'Must be at most 2147483'],
    },
    {
      name: 'enqueue --refresh-every 3000000',
      command: 'enqueue',
      args: ['--watch', '--refresh-every', '3000000'],
      says: ['--refresh-every', '2147483'],
    },
    {
      name: 'worker --lock-duration 2147483648',
      command: 'worker',
      args: ['--lock-duration', '2147483648'],
      says: ['--lock-duration', '2147483647'],
    },
    {
      name: 'worker --flush-window 2147483648',
      command: 'worker',
      args: ['--flush-window', '2147483648'],
      says: ['--flush-window', '2147483647'],
    },
    {
      name: 'emulator start --latency-ms 2147483648',
      command: 'emulator start',
      args: ['fixture.json', '--latency-ms', '2147483648'],
      says: ['--latency-ms', '2147483647'],
    },
  ]

  it(`${cases.length} cases: exit 2 naming the option and its bound, nothing moved`, { timeout: 180_000 }, async () => {
    const results = await Promise.all(
      cases.map((c) =>
        limit(async () => {
          const dir = project(withAgent(COMPLETE, c.run))
          // A poll in a tight loop never ends on its own: the timeout turns that into a failure.
          const r = await runBin([...(c.command ?? 'run').split(' '), ...(c.args ?? [])], {
            cwd: dir,
            timeoutMs: 30_000,
          })
          return { c, r }
        }),
      ),
    )
    for (const { c, r } of results) {
      try {
        expectClear(r, 2, c.says)
        expect(r.stderr).not.toContain('TimeoutOverflowWarning')
      } catch (error) {
        throw new Error(`case "${c.name}": ${(error as Error).message}`, { cause: error })
      }
    }
  })

  it(
    'the bound itself is accepted: --task-timeout 2147483647 runs every task normally',
    { timeout: 60_000 },
    async () => {
      const dir = project(withAgent(COMPLETE))
      const r = await runBin<RunResult>(['run', '--json', '--task-timeout', String(MAX_TIMER_MS)], {
        cwd: dir,
        timeoutMs: 45_000,
      })
      expect(r.code, r.stderr).toBe(0)
      expect(r.json!.stages[0]).toMatchObject({ processed: 6, failed: 0, moved: { complete: 6 } })
      expect(r.stderr).not.toContain('TimeoutOverflowWarning')
    },
  )
})

describe('the library refuses the same durations before any request', () => {
  let env: RunnerEnv | undefined
  afterAll(async () => env?.close())

  it('Runner.run({ taskTimeout: 2^31 }) and ({ refreshEvery: 3000000 }): InvalidRunSettings, exit code 2', async () => {
    env = await startRunnerEnv({ tasks: 3 })
    const runner = new Runner({ projectHash: env.projectHash, client: env.client }).stage(
      'Agent 1',
      defineAgent({ handler: () => 'complete' }),
    )
    for (const bad of [
      { taskTimeout: 2 ** 31 },
      { refreshEvery: 3_000_000 },
      { retryDelayMs: 2 ** 31 },
      { maxRetryDelayMs: 2 ** 31 },
    ]) {
      const error = (await runner.run(bad).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; exitCode?: number; message?: string } | undefined
      expect(error?.code, JSON.stringify(bad)).toBe('InvalidRunSettings')
      expect(error?.exitCode).toBe(2)
      expect(error?.message).toContain(Object.keys(bad)[0])
    }
    expect(env.emulator.stats().requests.total).toBe(0)
  })
})
