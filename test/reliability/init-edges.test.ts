/**
 * `init` checks everything before it writes anything (issue 14, item 9): a dangling `.encord-agents`
 * symlink, a `.gitignore` symlink (leading outside, or to nothing), a DIR that is a dangling symlink, a
 * template target that is a folder. Each is exit 2 with the path and the fix, and the directory is left
 * exactly as it was: no key written without its ignore lines, no half-made project.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runBin } from '../e2e/run-bin.js'
import { STACK_FRAME } from '../commands/bad-input-cases.js'

beforeAll(() => assertBuilt())
const tmp = mkdtempSync(join(tmpdir(), 'ea-init-edges-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

interface ErrorJson {
  error: { code: string; message: string; hint?: string; exitCode: number }
}

/** A fresh folder with `setup` applied; returns it. */
function folder(name: string, setup: (dir: string) => void): string {
  const dir = join(tmp, name)
  mkdirSync(dir)
  setup(dir)
  return dir
}

async function expectRefused(cwd: string, args: string[], says: RegExp): Promise<void> {
  const before = readdirSync(cwd).sort()
  const human = await runBin(['init', ...args], { cwd, timeoutMs: 30_000 })
  expect(human.code, human.stderr).toBe(2)
  expect(human.stderr).toMatch(says)
  expect(human.stderr).toContain('Try:')
  expect(human.stderr).not.toMatch(STACK_FRAME)
  const json = await runBin<ErrorJson>(['init', ...args, '--json'], { cwd, timeoutMs: 30_000 })
  expect(json.code).toBe(2)
  expect(json.json?.error).toMatchObject({
    exitCode: 2,
    message: expect.stringMatching(says),
    hint: expect.any(String),
  })
  // Nothing was written.
  expect(readdirSync(cwd).sort()).toEqual(before)
}

describe('init: everything is checked before anything is written', () => {
  it('a dangling .encord-agents symlink: exit 2 naming it (was exit 10, "a bug")', async () => {
    const dir = folder('dangling-state', (d) => symlinkSync(join(tmp, 'nowhere'), join(d, '.encord-agents')))
    await expectRefused(dir, ['.'], /\.encord-agents is a symlink to .*nowhere, which does not exist/)
  })

  it('a .gitignore symlink leading outside: refused before the key and the templates are written', async () => {
    const outside = join(tmp, 'outside-gitignore')
    writeFileSync(outside, 'node_modules/\n')
    const dir = folder('gitignore-outside', (d) => symlinkSync(outside, join(d, '.gitignore')))
    await expectRefused(dir, ['.'], /Refusing to write \.gitignore: \.gitignore is a symlink/)
    expect(readFileSync(outside, 'utf8')).toBe('node_modules/\n')
  })

  it('a dangling .gitignore symlink: refused (it used to count as "already existed", leaving the key un-ignored)', async () => {
    const dir = folder('gitignore-dangling', (d) => symlinkSync(join(tmp, 'no-such-gitignore'), join(d, '.gitignore')))
    await expectRefused(dir, ['.'], /\.gitignore is a symlink/)
  })

  it('DIR is a dangling symlink, or under one', async () => {
    const dir = folder('dir-dangling', (d) => symlinkSync(join(tmp, 'gone'), join(d, 'project')))
    await expectRefused(dir, ['project'], /project is a symlink to .*gone, which does not exist/)
    await expectRefused(dir, ['project/sub'], /project is a symlink to .*gone, which does not exist/)
  })

  it('a template file whose place holds a folder', async () => {
    const dir = folder('agent-folder', (d) => mkdirSync(join(d, 'agent.ts')))
    await expectRefused(dir, ['.'], /agent\.ts exists and is not a regular file/)
  })

  it('a symlinked folder inside DIR is still fine', async () => {
    const dir = folder('inner-link', (d) => {
      mkdirSync(join(d, 'real-state'))
      symlinkSync(join(d, 'real-state'), join(d, '.encord-agents'))
    })
    const r = await runBin(['init', '.', '--no-install'], { cwd: dir, timeoutMs: 30_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(join(dir, 'real-state'))).toEqual(['local-key'])
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('.encord-agents/')
  })
})
