import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runBin } from './run-bin.js'

const dirs: string[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** The commands under "Next:" of `emulator generate`, as argv lists. */
function nextSteps(stdout: string): string[][] {
  const after = stdout.slice(stdout.indexOf('Next:') + 'Next:'.length)
  return after
    .split('\n')
    .map((line) => line.trim().split(/ {2,}/)[0])
    .filter((line) => line.startsWith('encord-agents '))
    .map((line) => line.split(' ').slice(1))
}

describe('emulator generate: next steps that work where they are printed', () => {
  it('in a directory without a config, following them in order runs the agent on the generated tasks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-next-'))
    dirs.push(dir)
    const generated = await runBin(['emulator', 'generate', '--out', 'tasks.json', '--tasks', '4'], { cwd: dir })
    expect(generated.code).toBe(0)
    const steps = nextSteps(generated.stdout)
    expect(steps.map((s) => s.slice(0, 2).join(' '))).toEqual([
      'emulator start',
      'list-stages --local',
      'init',
      'run --local',
    ])
    // Every step but the long-running server, in order.
    for (const step of steps.filter((s) => s[0] !== 'emulator')) {
      const args = step[0] === 'init' ? [...step, '--no-install'] : step
      const r = await runBin(args, { cwd: dir, timeoutMs: 120_000 })
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0)
      if (step[0] === 'run') expect(r.stderr + r.stdout).toMatch(/4 tasks processed: 4 moved/)
    }
  }, 180_000)

  it('next to a config, init is not suggested', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-next-'))
    dirs.push(dir)
    expect((await runBin(['init', '--no-install'], { cwd: dir })).code).toBe(0)
    const generated = await runBin(['emulator', 'generate', '--out', 'more.json', '--tasks', '2'], { cwd: dir })
    expect(nextSteps(generated.stdout).map((s) => s[0])).not.toContain('init')
  }, 120_000)
})
