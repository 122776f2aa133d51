/**
 * Issue 17, item 10: `npm test` passes on a fresh machine. A test file that needs ffmpeg is run by a
 * child vitest whose PATH holds only `node`: outside CI it passes with its ffmpeg test skipped and one
 * notice line; with CI=true the same file fails, because CI must run every test.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findTool, inCi } from '../helpers/system-tools.js'
import { ROOT } from './run-bin.js'

const bin = mkdtempSync(join(tmpdir(), 'ea-path-'))
symlinkSync(process.execPath, join(bin, 'node'))
afterAll(() => rmSync(bin, { recursive: true, force: true }))

function vitestWithoutTools(file: string, ci: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin }
  delete env.CI
  if (ci) env.CI = 'true'
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', file], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { code: run.status, output: run.stdout + run.stderr }
}

describe('tests that need system tools (built binary not involved: a child vitest)', () => {
  it('the child really cannot find ffmpeg', () => {
    expect(findTool('ffmpeg', { PATH: bin })).toBeUndefined()
    expect(inCi({ CI: 'true' })).toBe(true)
    expect(inCi({})).toBe(false)
  })

  it(
    'without ffmpeg outside CI: the file passes, the ffmpeg test is skipped with one notice line',
    { timeout: 150_000 },
    () => {
      const run = vitestWithoutTools('test/runner/media.test.ts', false)
      expect(run.code, run.output).toBe(0)
      const notices = run.output.split('\n').filter((l) => l.startsWith('[skipped] ffmpeg is not installed'))
      expect(notices).toEqual([
        '[skipped] ffmpeg is not installed: skipping the tests of videoFrames() decoding (apt-get install ffmpeg; CI runs them).',
      ])
      expect(run.output).toMatch(/1 skipped/)
    },
  )

  it('without ffmpeg under CI=true: the file fails, naming the missing tool', { timeout: 150_000 }, () => {
    const run = vitestWithoutTools('test/runner/media.test.ts', true)
    expect(run.code).not.toBe(0)
    expect(run.output).toContain('ffmpeg is not installed, and CI=true')
  })
})
