import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { generateFixture } from '../../src/emulator/generate.js'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { assertBuilt, ROOT, runNode } from './run-bin.js'

/**
 * Script mode: a Runner built in code, started directly (`node agent.mjs --project-hash … --concurrency
 * 4`), reads the flags of `encord-agents run`, as Python's `runner.run()` reads its CLI. The script is
 * the built package used as a user would; the emulator serves the project over signed HTTP.
 */
let dir: string
let emulator: EmulatorHandle
const key = generateOpenSshKey('script mode test')
const fixture = generateFixture({ tasks: 6, labelledFraction: 0, seed: 3 })
const projectHash = fixture.projects[0].projectHash

beforeAll(async () => {
  assertBuilt()
  dir = mkdtempSync(join(tmpdir(), 'ea-script-'))
  emulator = await startEmulator({ fixture, inMemory: true, allowKeys: [key.publicKeyHex] })
  // The handler reports the concurrency it saw, so the test knows --concurrency reached the Runner.
  writeFileSync(
    join(dir, 'agent.mjs'),
    `import { Runner, defineAgent, runScript } from ${JSON.stringify(`${ROOT}/dist/index.js`)}
let running = 0
let most = 0
const runner = new Runner().stage('Agent 1', defineAgent({
  async handler({ task }) {
    most = Math.max(most, ++running)
    await new Promise((r) => setTimeout(r, 50))
    running--
    return task.dataTitle.endsWith('1.png') ? 'needs review' : 'complete'
  },
}))
await runScript(runner)
process.stderr.write('most at once: ' + most + '\\n')
`,
  )
})
afterAll(async () => {
  await emulator?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const env = () => ({ ENCORD_DOMAIN: emulator.domain, ENCORD_SSH_KEY: key.privateKeyText })

describe('script mode (runScript)', () => {
  it('reads --project-hash, --concurrency and --task-batch-size like `run`, prints the RunResult with --json, exit 0', async () => {
    const r = await runNode<RunResult>(
      [
        join(dir, 'agent.mjs'),
        '--project-hash',
        projectHash,
        '--concurrency',
        '4',
        '--task-batch-size',
        '3',
        '--max-tasks-per-stage',
        '5',
        '--json',
        '--no-journal',
      ],
      { env: env() },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.json!.stages[0]).toMatchObject({ title: 'Agent 1', processed: 5, failed: 0 })
    expect(Object.values(r.json!.stages[0].moved).reduce((a, b) => a + b, 0)).toBe(5)
    expect(Number(/most at once: (\d+)/.exec(r.stderr)![1])).toBeGreaterThan(1)
  })

  it('prints the summary table without --json, and takes the project hash from ENCORD_PROJECT_HASH', async () => {
    const r = await runNode([join(dir, 'agent.mjs'), '--no-journal'], {
      env: { ...env(), ENCORD_PROJECT_HASH: projectHash },
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Stage +│ Processed/)
    expect(r.stdout).toMatch(/1 task processed: 1 moved|tasks processed/)
  })

  it('bad flags are usage errors (exit 2) with the reason; --help lists the flags', async () => {
    const bad = await runNode([join(dir, 'agent.mjs'), '--concurrency', '0'], { env: env() })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/concurrency/i)
    const unknown = await runNode([join(dir, 'agent.mjs'), '--concurency', '2'], { env: env() })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/Nonexistent flag: --concurency/)
    const help = await runNode([join(dir, 'agent.mjs'), '--help'], { env: env() })
    expect(help.code).toBe(0)
    for (const flag of [
      '--project-hash',
      '--concurrency',
      '--task-batch-size',
      '--data-title',
      '--[no-]dry-run',
      '--json',
    ])
      expect(help.stdout).toContain(flag)
  })

  it('a wrong key is an authentication failure: exit 3', async () => {
    const other = generateOpenSshKey('not registered')
    const r = await runNode([join(dir, 'agent.mjs'), '--project-hash', projectHash, '--no-journal'], {
      env: { ENCORD_DOMAIN: emulator.domain, ENCORD_SSH_KEY: other.privateKeyText },
    })
    expect(r.code, r.stderr).toBe(3)
  })
})
