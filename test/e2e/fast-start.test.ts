import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runInPty, shellQuote } from '../helpers/pty.js'
import { assertBuilt, BIN, ROOT, runBin, runNode } from './run-bin.js'

/**
 * Fast start (issue 17, item 9): `--version` and the root help are answered without loading oclif
 * (src/cli/fast-start.ts) and must say exactly what oclif says; every other command is found through
 * the oclif manifest the build writes. The timing itself is measured by `npm run bench`
 * (bench/startup.mjs), not here.
 */
beforeAll(() => assertBuilt())

/** oclif itself rendering the root help (no fast path). */
const OCLIF_HELP = `import { run } from '@oclif/core'; await run(['--help'], ${JSON.stringify(ROOT)})`
/** A loader hook that fails any import of oclif: proves an answer came without it. */
const NO_OCLIF = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("export async function resolve(s, c, n) { if (s.startsWith('@oclif/')) throw new Error('oclif was loaded'); return n(s, c) }"))`)}`

function ptyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color' }
  return env
}

describe('fast start (built binary)', () => {
  it("--version: oclif's version line, without loading oclif", async () => {
    const r = await runNode(['--import', NO_OCLIF, BIN, '--version'])
    expect(r.code, r.stderr).toBe(0)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(r.stdout).toBe(`encord-agents/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  })

  it('--help and no arguments: byte for byte what oclif prints, without loading oclif', async () => {
    const oclif = await runNode(['--input-type=module', '-e', OCLIF_HELP])
    expect(oclif.code, oclif.stderr).toBe(0)
    expect(oclif.stdout).toContain('COMMANDS')
    for (const args of [['--help'], []]) {
      const fast = await runNode(['--import', NO_OCLIF, BIN, ...args])
      expect(fast.code, fast.stderr).toBe(0)
      expect(fast.stdout).toBe(oclif.stdout)
    }
  })

  it('on a terminal (coloured; 0×0 and 120 columns wide) the same as oclif; narrower than 80, oclif itself answers', async () => {
    const oclifCmd = `${shellQuote(process.execPath)} --input-type=module -e ${shellQuote(OCLIF_HELP)}`
    const fastCmd = `${shellQuote(process.execPath)} ${shellQuote(BIN)} --help`
    const oclif = await runInPty(oclifCmd, { env: ptyEnv(), cwd: ROOT })
    const fast = await runInPty(fastCmd, { env: ptyEnv(), cwd: ROOT })
    expect(fast.code).toBe(0)
    expect(oclif.output).toContain('\u001b[1mCOMMANDS')
    expect(fast.output).toBe(oclif.output)
    const wide = await runInPty(fastCmd, { env: ptyEnv(), cwd: ROOT, cols: 120 })
    expect(wide.output).toBe(oclif.output)
    const narrow = await runInPty(fastCmd, { env: ptyEnv(), cwd: ROOT, cols: 60 })
    const oclifNarrow = await runInPty(oclifCmd, { env: ptyEnv(), cwd: ROOT, cols: 60 })
    expect(narrow.output).toBe(oclifNarrow.output)
    expect(narrow.output).not.toBe(oclif.output)
  })

  it('the build writes the oclif manifest: every command, found without importing the others', async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown> }>
    }
    expect(Object.keys(manifest.commands)).toEqual(
      expect.arrayContaining([
        'run',
        'validate',
        'init',
        'list-stages',
        'emulator:start',
        'emulator:generate',
        'queue:status',
      ]),
    )
    expect(Object.keys(manifest.commands.run.flags)).toEqual(expect.arrayContaining(['verbose', 'json', 'dry-run']))
    const r = await runBin(['list-stages', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('$ encord-agents list-stages')
  })
})
