/**
 * Issue 3's client and quick-start bullets: the three ways to give a key, the domain, a key of the
 * wrong kind; `init` without DIR; the README's demo script. Through the built binary.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { generateKeyPairSync } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sshpk from 'sshpk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import type { ValidateResult } from '../../src/services/validate.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { agentProject, cleanUp, config, generatedFixture, startBinEmulator, type BinEmulator } from './kit.js'
import { assertBuilt, ROOT, runBin, runNode } from './run-bin.js'

beforeAll(() => assertBuilt())
const emulators: BinEmulator[] = []
const temps: string[] = []
afterAll(async () => {
  for (const e of emulators) await e.stop()
  cleanUp()
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

const AGENT = `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => 'complete' })\n`
type ErrorJson = { error: { code: string; message: string; hint: string; exitCode: number } }

describe('the key and the domain (built binary, emulator start)', () => {
  it('ENCORD_SSH_KEY (text), ENCORD_SSH_KEY_FILE and --ssh-key-file each sign; ENCORD_DOMAIN or --domain say where; a non-Ed25519 key is refused saying what is accepted', async () => {
    const key = generateOpenSshKey('e2e key')
    const fixture = await generatedFixture(['--tasks', '3', '--public-key', key.publicKeyHex])
    const projectHash = (JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ projectHash: string }> })
      .projects[0].projectHash
    const emulator = await startBinEmulator(fixture, ['--in-memory'])
    emulators.push(emulator)
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        local: '',
        projectHash: `'${projectHash}'`,
      }),
      'agent.ts': AGENT,
      'keys/agent-key': key.privateKeyText,
    })
    const rsa = sshpk
      .parsePrivateKey(
        generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
          type: 'pkcs1',
          format: 'pem',
        }),
        'pem',
      )
      .toString('ssh')
    writeFileSync(join(dir, 'keys', 'rsa-key'), rsa)
    const [text, file, flag, wrongKind] = await Promise.all([
      runBin<ValidateResult>(['validate', '--json'], {
        cwd: dir,
        env: { ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: emulator.domain },
      }),
      runBin<ValidateResult>(['validate', '--json', '--domain', emulator.domain], {
        cwd: dir,
        env: { ENCORD_SSH_KEY_FILE: join(dir, 'keys', 'agent-key') },
      }),
      runBin<ValidateResult>(['validate', '--json', '--ssh-key-file', 'keys/agent-key'], {
        cwd: dir,
        env: { ENCORD_DOMAIN: emulator.domain },
      }),
      runBin<ErrorJson>(['validate', '--json', '--ssh-key-file', 'keys/rsa-key'], {
        cwd: dir,
        env: { ENCORD_DOMAIN: emulator.domain },
      }),
    ])
    for (const r of [text, file, flag]) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.json!.projectHash).toBe(projectHash)
    }
    expect(wrongKind.code).toBe(2)
    expect(`${wrongKind.json!.error.message} ${wrongKind.json!.error.hint}`).toMatch(/Ed25519/)
    expect(wrongKind.stdout + wrongKind.stderr).not.toContain(rsa.split('\n')[1])
    const run = await runBin<RunResult>(['run', '--json'], {
      cwd: dir,
      env: { ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: emulator.domain },
    })
    expect(run.json!.stages[0].moved).toEqual({ complete: 3 })
    expect(await emulator.stageCounts(projectHash)).toMatchObject({ 'Agent 1': 0, Complete: 3 })
  })
})

describe('init and the demo (built binary)', () => {
  it('init without DIR writes into the current directory; the project runs at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-e2e-init-here-'))
    temps.push(dir)
    const init = await runBin<{ files: Array<{ path: string; status: string }> }>(['init', '--json', '--no-install'], {
      cwd: dir,
    })
    expect(init.code, init.stderr).toBe(0)
    expect(init.json!.files.every((f) => f.status === 'created')).toBe(true)
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages[0].processed).toBe(6)
  })

  it("the README's demo (scripts/demo.mjs): moves the demo tasks with a summary, then finds none left; --reset starts over", async () => {
    // A copy of the script in a scratch root whose bin/ is the repository's (so it runs the built CLI).
    const root = mkdtempSync(join(tmpdir(), 'ea-e2e-demo-'))
    temps.push(root)
    mkdirSync(join(root, 'scripts'))
    copyFileSync(join(ROOT, 'scripts', 'demo.mjs'), join(root, 'scripts', 'demo.mjs'))
    symlinkSync(join(ROOT, 'bin'), join(root, 'bin'), 'dir')
    const demo = (args: string[] = []) => runNode([join(root, 'scripts', 'demo.mjs'), ...args], { cwd: root })
    const first = await demo()
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/│ Agent 1 +│ 6 +│ complete: 5/)
    expect(first.stdout).toContain('6 tasks processed: 6 moved, 0 stayed, 0 failed')
    const second = await demo()
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('Nothing to do: no tasks waiting in the agent stage')
    const reset = await demo(['--reset'])
    expect(reset.stdout).toContain('6 tasks processed: 6 moved')
    expect(execFileSync('git', ['check-ignore', '.encord-agents/demo'], { cwd: ROOT, encoding: 'utf8' }).trim()).toBe(
      '.encord-agents/demo',
    )
  })
})
