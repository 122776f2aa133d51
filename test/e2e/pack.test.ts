import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { assertBuilt, ROOT, runNode } from './run-bin.js'

let tmp: string
beforeAll(() => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-pack-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function npm(args: string[], cwd: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_loglevel: 'error' }
  delete env.NODE_ENV
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env })
}

describe('the packed package, installed elsewhere', () => {
  it('npm pack → npm install the tarball in a fresh folder → encord-agents init DIR → run --json', { timeout: 180_000 }, async () => {
    // dist/ is already built (npm test builds first); --ignore-scripts keeps prepack from rebuilding it under other tests.
    const packDir = join(tmp, 'pack')
    mkdirSync(packDir)
    npm(['pack', '--ignore-scripts', '--pack-destination', packDir], ROOT)
    const [tarball] = readdirSync(packDir).filter((f) => f.endsWith('.tgz'))
    expect(tarball).toMatch(/^encord-agents-.*\.tgz$/)

    const install = join(tmp, 'install')
    mkdirSync(install)
    writeFileSync(join(install, 'package.json'), '{ "name": "consumer", "private": true }\n')
    // Offline, from the npm cache the repository's own install filled.
    npm(['install', '--offline', '--no-audit', '--no-fund', join(packDir, tarball)], install)
    const bin = realpathSync(join(install, 'node_modules', '.bin', 'encord-agents'))

    // The project lives outside the install folder: its `import ... from 'encord-agents'` must resolve
    // to the running CLI's own package.
    const project = join(tmp, 'elsewhere', 'my-agent')
    const init = await runNode([bin, 'init', project, '--template', 'multi-stage'], { cwd: tmp })
    expect(init.code, init.stderr).toBe(0)
    const run = await runNode<RunResult>([bin, 'run', '--json'], { cwd: project })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages.map((s) => [s.title, s.processed])).toEqual([
      ['Triage', 6],
      ['Finish', 5],
    ])
    const help = await runNode([bin, '--help'], { cwd: project })
    expect(help.stdout).toContain('list-stages')
  })
})
