/**
 * Fixture writes change the file, not what is at its path (issue 14, item 8): a symlinked fixture
 * stays a symlink and its target gets the updates; a 0600 fixture stays 0600; `emulator generate --out
 * <not a regular file> --force` is refused instead of replacing it; temporary files left by a write
 * that was killed are removed when the emulator next starts on that fixture (those of a process that
 * still runs are left alone).
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { COMPLETE_AGENT, configText, tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'

beforeAll(() => assertBuilt())
const project = tempProjects()
const agentEntry = `    { stage: 'Agent 1', handler: './agent.ts' },`

/** Tasks of the demo fixture still in "Agent 1". */
function waiting(file: string): number {
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as { projects: Array<{ tasks: Array<{ stageUuid: string }> }> }
  return fixture.projects[0].tasks.filter((t) => t.stageUuid === '05a00000-0000-4000-8000-000000000001').length
}

describe('fixture writes', () => {
  it('a symlinked fixture stays a symlink and its target gets the updates', async () => {
    const dir = project({ 'encord-agents.config.ts': configText(agentEntry), 'agent.ts': COMPLETE_AGENT })
    mkdirSync(join(dir, 'data'))
    renameSync(join(dir, 'fixture.json'), join(dir, 'data', 'real.json'))
    symlinkSync(join('data', 'real.json'), join(dir, 'fixture.json'))
    expect(waiting(join(dir, 'data', 'real.json'))).toBe(6)
    const r = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(lstatSync(join(dir, 'fixture.json')).isSymbolicLink()).toBe(true)
    expect(waiting(join(dir, 'data', 'real.json'))).toBe(0)
    expect(readdirSync(join(dir, 'data'))).toEqual(['real.json'])
  })

  it('a 0600 fixture stays 0600', async () => {
    const dir = project({ 'encord-agents.config.ts': configText(agentEntry), 'agent.ts': COMPLETE_AGENT })
    chmodSync(join(dir, 'fixture.json'), 0o600)
    const r = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(waiting(join(dir, 'fixture.json'))).toBe(0)
    expect(statSync(join(dir, 'fixture.json')).mode & 0o777).toBe(0o600)
  })

  it('generate --out <a FIFO> --force is refused (exit 2) and the FIFO is left as it was', async () => {
    const dir = project({})
    const fifo = join(dir, 'pipe')
    const made = spawnSync('mkfifo', [fifo])
    expect(made.status, String(made.stderr)).toBe(0)
    const r = await runBin<{ error: { code: string; message: string } }>(
      ['emulator', 'generate', '--out', fifo, '--tasks', '3', '--force', '--json'],
      { cwd: dir, timeoutMs: 30_000 },
    )
    expect(r.code, r.stderr).toBe(2)
    expect(r.json?.error).toMatchObject({
      code: 'FixtureNotAFile',
      message: expect.stringContaining('is not a regular file'),
    })
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('temporary files of a killed write are removed when the emulator next starts; a running writer’s are kept', async () => {
    const dir = project({ 'encord-agents.config.ts': configText(agentEntry), 'agent.ts': COMPLETE_AGENT })
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const stale = `fixture.json.${dead.stdout}.1700000000000.tmp`
    const live = `fixture.json.${process.pid}.1700000000001.tmp`
    const other = `other.json.${dead.stdout}.1700000000000.tmp`
    for (const name of [stale, live, other]) writeFileSync(join(dir, name), '{"half": ')
    const r = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(dir, stale))).toBe(false)
    expect(existsSync(join(dir, live))).toBe(true)
    expect(existsSync(join(dir, other))).toBe(true)
  })
})
