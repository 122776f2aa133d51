/**
 * `run --local FIXTURE` works with no key configured (a key made for the run is allowed by the
 * in-process emulator) and with the user's own key when the fixture lists it (from the environment or
 * --ssh-key-file): the emulator then records the user as the one who moved the tasks.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import Run from '../../src/commands/run.js'
import type { RunResult } from '../../src/core/types.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { COMPLETE_AGENT, configText, makeProject, tasksByStage } from './project.js'
import { runCommand } from './run-command.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function project(): string {
  const dir = makeProject({
    'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts' },`),
    'agent.ts': COMPLETE_AGENT,
  })
  dirs.push(dir)
  return dir
}

type Written = {
  users: Array<{ email: string; publicKeyHex: string }>
  projects: Array<{ history: Array<{ kind: string; by?: string }> }>
}
const written = (dir: string) => JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Written

/** Register a key as a user of the project's fixture. */
function addUser(dir: string, email: string, publicKeyHex: string): void {
  const file = join(dir, 'fixture.json')
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as { users?: unknown[] }
  fixture.users = [...(fixture.users ?? []), { email, publicKeyHex }]
  writeFileSync(file, JSON.stringify(fixture, null, 2))
}

describe('run --local and keys', () => {
  it('no key configured: a key made for the run is let in, for that run only', async () => {
    const dir = project()
    const r = await runCommand<RunResult>(Run, ['--json'], {
      cwd: dir,
      env: { ENCORD_SSH_KEY: undefined, ENCORD_SSH_KEY_FILE: undefined },
    })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.result!.stages[0]).toMatchObject({ processed: 6, moved: { complete: 6 }, failed: 0 })
    expect(tasksByStage(dir)).toMatchObject({ 'Agent 1': 0, Complete: 6 })
    const after = written(dir)
    expect(after.users).toEqual([]) // the run key is not written into the fixture
    const proceeds = after.projects[0].history.filter((e) => e.kind === 'proceed')
    expect(proceeds).toHaveLength(6)
    expect(proceeds.every((e) => e.by === undefined)).toBe(true) // no user: the run key has no email
  })

  it("the user's own key from ENCORD_SSH_KEY_FILE, when the fixture lists it: moves are recorded as that user", async () => {
    const dir = project()
    const key = generateOpenSshKey('me')
    writeFileSync(join(dir, 'key'), key.privateKeyText, { mode: 0o600 })
    addUser(dir, 'me@example.com', key.publicKeyHex)
    const r = await runCommand<RunResult>(Run, ['--json'], { cwd: dir, env: { ENCORD_SSH_KEY_FILE: join(dir, 'key') } })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.result!.stages[0].moved).toEqual({ complete: 6 })
    const proceeds = written(dir).projects[0].history.filter((e) => e.kind === 'proceed')
    expect(proceeds.map((e) => e.by)).toEqual(Array(6).fill('me@example.com'))
  })

  it("the user's own key given with --ssh-key-file works the same way", async () => {
    const dir = project()
    const key = generateOpenSshKey('me')
    writeFileSync(join(dir, 'key'), key.privateKeyText, { mode: 0o600 })
    addUser(dir, 'flag@example.com', key.publicKeyHex)
    const r = await runCommand<RunResult>(Run, ['--ssh-key-file', 'key', '--json'], { cwd: dir })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.result!.stages[0].moved).toEqual({ complete: 6 })
    expect(
      written(dir)
        .projects[0].history.filter((e) => e.kind === 'proceed')
        .every((e) => e.by === 'flag@example.com'),
    ).toBe(true)
  })
})
