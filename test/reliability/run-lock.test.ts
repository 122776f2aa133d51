/**
 * The run lock tells a running holder from a dead one (issue 14, item 11). A run killed with SIGKILL
 * whose parent has not reaped it yet is a zombie: `kill(pid, 0)` still succeeds, and a rerun used to
 * be refused ("Another encord-agents run (process N)"). A lock whose pid now belongs to another
 * process is stale too. The lock records the process start time; a zombie or a reused pid counts as
 * dead, a running holder still refuses the rerun.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultJournalPath } from '../../src/core/journal-file.js'
import type { RunResult } from '../../src/core/types.js'
import { assertBuilt, BIN } from '../e2e/run-bin.js'
import { startBinEnv, type BinEnv } from './bin-env.js'

const envs: BinEnv[] = []
const children: ChildProcess[] = []
beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const c of children)
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL')
  for (const e of envs) await e.close()
})

/** The environment runBin gives the binary (no ENCORD_*, no vitest or NODE_* settings), plus `extra`. */
function runEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('ENCORD_') &&
        !k.startsWith('VITEST') &&
        k !== 'NODE_ENV' &&
        k !== 'NODE_OPTIONS' &&
        k !== 'DEBUG',
    ),
  )
  return { ...env, NO_COLOR: '1', CI: '1', ...extra }
}

const lockOf = (e: BinEnv) => `${defaultJournalPath(e.dir, e.projectHash)}.lock`

/** Fields of `/proc/<pid>/stat` after the command name (state first), or undefined when the pid is gone. */
function procFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}
/** The state letter ('Z' for a zombie). */
const procState = (pid: number) => procFields(pid)?.[0]
/** The start time in clock ticks since boot, as the lock records it. */
const procStart = (pid: number) => procFields(pid)![19]

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('the run lock', () => {
  it.skipIf(process.platform !== 'linux')(
    'a run killed with SIGKILL and not yet reaped (a zombie) does not block the rerun',
    { timeout: 120_000 },
    async () => {
      const e = await startBinEnv({ tasks: 12, seed: 14, run: '{ taskBatchSize: 2, concurrency: 1 }' })
      envs.push(e)
      // The run is started by a shell that then becomes `sleep`, which never waits for its children: once
      // killed, the run stays a zombie until the sleep ends, exactly as under a parent that is slow to reap.
      const parent = spawn(
        'sh',
        [
          '-c',
          `"${process.execPath}" "${BIN}" run --domain ${e.emulator.domain} --ssh-key-file ${e.keyFile} >run.log 2>&1 & echo $!; exec sleep 60`,
        ],
        {
          cwd: e.dir,
          env: runEnv({ AGENT_DELAY_MS: '200' }),
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      )
      children.push(parent)
      const runPid = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      )
      const log = () => readFileSync(join(e.dir, 'run.log'), 'utf8')
      // Killed in the middle of its tasks, holding the lock.
      await until('the run to decide a task', () => e.emulator.stats().requests.total > 4 && existsSync(lockOf(e)))
      expect(JSON.parse(readFileSync(lockOf(e), 'utf8')).pid, log()).toBe(runPid)
      process.kill(runPid, 'SIGKILL')
      await until('the run to become a zombie', () => procState(runPid) === 'Z')

      const rerun = await e.run<RunResult>(['--json'])
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(rerun.stderr).not.toContain('Another encord-agents run')
      expect(procState(runPid), 'still a zombie while the rerun ran').toBe('Z')
      const left = [...e.state().values()].filter((t) => t.stage === 'Agent 1')
      expect(left).toEqual([])
    },
  )

  it.skipIf(process.platform !== 'linux')(
    'a lock whose pid now belongs to another process is taken over; one held by a running run refuses the rerun',
    { timeout: 120_000 },
    async () => {
      const e = await startBinEnv({ tasks: 4, seed: 15 })
      envs.push(e)
      const other = spawn('sleep', ['60'], { stdio: 'ignore' })
      children.push(other)
      const pid = other.pid!
      await until('sleep to run', () => procState(pid) !== undefined)
      const lock = (processStart: string) => {
        // A clean run removes the journal folder with its lock.
        mkdirSync(dirname(lockOf(e)), { recursive: true })
        writeFileSync(lockOf(e), JSON.stringify({ pid, processStart, host: hostname(), startedAt: 'then' }))
      }

      // The pid of a dead run, now used by another process (it started at another time): taken over.
      lock(String(Number(procStart(pid)) - 1000))
      const reused = await e.run<RunResult>(['--json'])
      expect(reused.code, reused.stderr).toBe(0)
      expect(reused.json?.stages[0].processed).toBe(4)

      // The same pid and start time: that run is alive, the rerun is refused.
      lock(procStart(pid))
      const refused = await e.run<{ error: { code: string; message: string } }>(['--json'])
      expect(refused.code).toBe(2)
      expect(refused.json?.error).toMatchObject({
        code: 'JournalLocked',
        message: expect.stringContaining(`Another encord-agents run (process ${pid}`),
      })
    },
  )
})
