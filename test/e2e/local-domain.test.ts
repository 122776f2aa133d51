import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import type { InitResult } from '../../src/services/init.js'
import { startBinEmulator } from './kit.js'
import { assertBuilt, runBin } from './run-bin.js'

/**
 * Issue 17, item 6: an `init` project (config with `local`) and an emulator started with `emulator
 * start`: ENCORD_DOMAIN or --domain wins over `local` and the run says so in one line; without them
 * `run` signs with the project's `.encord-agents/local-key`, so the history shows the project's user.
 */
let tmp: string
beforeAll(() => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-local-domain-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

type History = Array<{ kind: string; by?: string }>
const proceedsBy = (fixture: string): Array<string | undefined> =>
  (JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ history: History }> }).projects[0].history
    .filter((e) => e.kind === 'proceed')
    .map((e) => e.by)

async function initProject(name: string): Promise<string> {
  const dir = join(tmp, name)
  const init = await runBin<InitResult>(['init', dir, '--json', ...(await noInstallFlag())])
  expect(init.code, init.stderr).toBe(0)
  return dir
}

let noInstall: string[] | undefined
/** `init` installs packages by default once it can (issue 17, item 1); these tests do not need them. */
async function noInstallFlag(): Promise<string[]> {
  noInstall ??= (await runBin(['init', '--help'])).stdout.includes('--no-install') ? ['--no-install'] : []
  return noInstall
}

describe('local emulator or an explicit domain (built binary)', () => {
  it("run --local signs with the project's init key: the history shows its user, not a run key", async () => {
    const dir = await initProject('init-key')
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages[0].processed).toBe(6)
    expect(proceedsBy(join(dir, 'fixture.json'))).toEqual(Array(6).fill('you@localhost'))
  })

  it("ENCORD_DOMAIN (or --domain) wins over the config's local and says so in one line; the started emulator gets the run", async () => {
    const dir = await initProject('domain-wins')
    const emulator = await startBinEmulator(join(dir, 'fixture.json'))
    try {
      const run = await runBin(['run', '--dry-run'], { cwd: dir, env: { ENCORD_DOMAIN: emulator.domain } })
      expect(run.code, run.stderr).toBe(0)
      const notes = run.stderr.split('\n').filter((l) => l.includes('ENCORD_DOMAIN'))
      expect(notes).toEqual([
        `! Using ENCORD_DOMAIN=${emulator.domain}, not the config's local emulator (fixture.json).`,
      ])
      // The started emulator answered the run.
      expect(Object.keys(await emulator.requests())).not.toHaveLength(0)

      const flag = await runBin<RunResult>(['run', '--json', '--domain', emulator.domain], { cwd: dir })
      expect(flag.code, flag.stderr).toBe(0)
      expect(flag.stderr).toContain(
        `Using --domain ${emulator.domain}, not the config's local emulator (fixture.json).`,
      )
      expect(flag.json!.stages[0].processed).toBe(6)
    } finally {
      await emulator.stop()
    }
    // Written back by the started emulator, with the init key's user.
    expect(proceedsBy(join(dir, 'fixture.json'))).toEqual(Array(6).fill('you@localhost'))
  })

  it('--local on the command line wins over ENCORD_DOMAIN, and says so', async () => {
    const dir = await initProject('local-flag')
    const run = await runBin<RunResult>(['run', '--json', '--local', 'fixture.json'], {
      cwd: dir,
      env: { ENCORD_DOMAIN: 'http://127.0.0.1:9' },
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain('ENCORD_DOMAIN (http://127.0.0.1:9) is not used: --local runs the built-in emulator.')
    expect(run.json!.stages[0].processed).toBe(6)
  })
})
