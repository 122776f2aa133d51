import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { colorDecision, tryFastStart, userAgent } from './fast-start.js'

const dir = mkdtempSync(join(tmpdir(), 'ea-fast-start-'))
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'encord-agents', version: '9.8.7' }))
const UA = 'encord-agents/0.0.0-build linux-x64 node-v0'
writeFileSync(
  join(dir, 'root-help.json'),
  JSON.stringify({ userAgent: UA, plain: `plain\n  ${UA}\n`, color: `\u001b[1mcolor\u001b[22m\n  ${UA}\n` }),
)

function answer(
  argv: string[],
  env: NodeJS.ProcessEnv,
  stdout: { isTTY?: boolean; columns?: number } = {},
  rootHelp = 'root-help.json',
) {
  let text = ''
  const answered = tryFastStart({
    argv,
    env,
    stdout: { ...stdout, write: (t: string) => (text += t) },
    packageJson: pathToFileURL(join(dir, 'package.json')),
    rootHelp: pathToFileURL(join(dir, rootHelp)),
  })
  return { answered, text }
}

const ua = userAgent({ name: 'encord-agents', version: '9.8.7' })

describe('fast start', () => {
  it("--version as the first argument prints oclif's version line", () => {
    expect(answer(['--version'], {})).toEqual({ answered: true, text: `${ua}\n` })
    expect(answer(['--version', 'run'], {}).answered).toBe(true)
    expect(ua).toBe(`encord-agents/9.8.7 ${process.platform}-${process.arch} node-${process.version}`)
  })

  it("the root help, plain off a terminal, with this process's version line", () => {
    expect(answer(['--help'], {})).toEqual({ answered: true, text: `plain\n  ${ua}\n` })
    expect(answer([], {})).toEqual({ answered: true, text: `plain\n  ${ua}\n` })
    expect(answer(['--help'], { TERM: 'xterm' }, { isTTY: true, columns: 120 })).toEqual({
      answered: true,
      text: `\u001b[1mcolor\u001b[22m\n  ${ua}\n`,
    })
    // A 0x0 pseudo-terminal: oclif uses 80 columns too.
    expect(answer(['--help'], { TERM: 'xterm' }, { isTTY: true, columns: 0 }).answered).toBe(true)
  })

  it('leaves everything else to oclif', () => {
    for (const argv of [['run'], ['run', '--help'], ['--help', 'run'], ['help'], ['-h'], ['--verbose', '--version']])
      expect(answer(argv, {}).answered).toBe(false)
    expect(answer(['--help'], { TERM: 'xterm' }, { isTTY: true, columns: 60 }).answered).toBe(false) // oclif wraps to 60
    expect(answer(['--help'], { OCLIF_COLUMNS: '100' }).answered).toBe(false)
    expect(answer(['--help'], { CI: 'true' }).answered).toBe(false) // oclif's colour library colours in CI
    expect(answer(['--help'], {}, {}, 'missing.json').answered).toBe(false) // not built (bin/dev.js)
  })

  it("decides colour as oclif's colour library does, or defers", () => {
    expect(colorDecision({ NO_COLOR: '1', FORCE_COLOR: '3' }, true)).toBe(false)
    expect(colorDecision({ NO_COLOR: '' }, false)).toBe(false)
    expect(colorDecision({ FORCE_COLOR: '0' }, true)).toBe(false)
    expect(colorDecision({ FORCE_COLOR: 'false' }, true)).toBe(false)
    expect(colorDecision({ FORCE_COLOR: '1' }, false)).toBe(true)
    expect(colorDecision({ FORCE_COLOR: 'yes' }, false)).toBeUndefined()
    expect(colorDecision({ COLORTERM: 'truecolor' }, false)).toBeUndefined()
    expect(colorDecision({ TERM: 'dumb' }, true)).toBe(false)
    expect(colorDecision({ TERM: 'xterm-256color' }, true)).toBe(true)
    expect(colorDecision({}, false)).toBe(false)
  })
})
