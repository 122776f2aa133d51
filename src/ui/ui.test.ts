import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BugError, UserError } from '../shared/errors.js'
import { codeFrame, formatError, parseLocation, toErrorJson } from './error-output.js'
import { redact, redactJson } from './redact.js'
import { isCi, isDebugEnabled, pickProgressMode } from './renderer.js'
import { formatDuration } from './summary.js'
import { createTheme, isColorEnabled } from './theme.js'

const plain = createTheme(false)
const KEY = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'encord-api', 'test-key'), 'utf8')

describe('redact', () => {
  it('removes private keys (PEM blocks, bare OpenSSH bodies, ENCORD_SSH_KEY text) from text and JSON', () => {
    expect(redact(`before ${KEY.trim()} after`)).toBe('before [redacted private key] after')
    const body = KEY.split('\n')[1]
    expect(redact(`oops: ${body}`)).not.toContain(body)
    expect(redact('the key is hunter2hunter2hunter2', { ENCORD_SSH_KEY: 'hunter2hunter2hunter2' })).toBe(
      'the key is [redacted private key]',
    )
    expect(redactJson({ a: [{ b: KEY.trim() }] })).toEqual({ a: [{ b: '[redacted private key]' }] })
  })
})

describe('error output', () => {
  it('parses locations, with colons in the path', () => {
    expect(parseLocation('C:/x/a.ts:3:7')).toEqual({ file: 'C:/x/a.ts', line: 3, column: 7 })
    expect(parseLocation('a.ts:3')).toEqual({ file: 'a.ts', line: 3, column: undefined })
    expect(parseLocation('a.ts')).toEqual({ file: 'a.ts' })
  })

  it('prints message, location, code frame, cause and "Try:"; stack only when verbose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ea-ui-'))
    try {
      writeFileSync(join(dir, 'c.ts'), 'one\ntwo: 2\nthree\nfour\n')
      const error = new UserError('ConfigInvalid', 'bad two', {
        hint: 'fix two',
        location: 'c.ts:2:6',
        cause: new Error('deeper'),
      })
      const text = formatError(error, { theme: plain, verbose: false, cwd: dir })
      expect(text).toBe(
        [
          '✖ bad two',
          '  at c.ts:2:6',
          '    1 | one',
          '  > 2 | two: 2',
          '      |      ^',
          '    3 | three',
          '  cause: deeper',
          '  Try: fix two',
        ].join('\n'),
      )
      expect(formatError(error, { theme: plain, verbose: true, cwd: dir })).toContain('Caused by: Error: deeper')
      expect(codeFrame('missing.ts', 1, 1, plain, dir)).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('bugs say how to see the stack; JSON carries code, message, hint and exit code', () => {
    const bug = new BugError('x is undefined')
    expect(formatError(bug, { theme: plain, verbose: false })).toContain('Run again with --verbose')
    expect(
      toErrorJson(new UserError('UsageError', `leak ${KEY.trim()}`, { hint: 'h', data: { k: KEY.trim() } })),
    ).toEqual({
      error: {
        code: 'UsageError',
        message: 'leak [redacted private key]',
        hint: 'h',
        exitCode: 2,
        data: { k: '[redacted private key]' },
      },
    })
  })
})

describe('progress mode and colour choice', () => {
  it('silent under --json; live on a terminal with a size; plain lines without one, on a 0×0 or dumb terminal, in CI or when debugging', () => {
    const tty = { json: false, tty: true, columns: 100, rows: 30, dumb: false, ci: false, debug: false }
    expect(pickProgressMode(tty)).toBe('live')
    expect(pickProgressMode({ ...tty, json: true })).toBe('silent')
    for (const k of ['ci', 'debug', 'dumb'] as const) expect(pickProgressMode({ ...tty, [k]: true })).toBe('lines')
    expect(pickProgressMode({ ...tty, tty: false })).toBe('lines')
    expect(pickProgressMode({ ...tty, columns: 0, rows: 0 })).toBe('lines')
  })

  it('reads CI, DEBUG, NO_COLOR and FORCE_COLOR', () => {
    expect(isCi({ CI: 'true' })).toBe(true)
    expect(isCi({ CI: 'false' })).toBe(false)
    expect(isDebugEnabled({ DEBUG: 'foo,encord-agents:*' })).toBe(true)
    expect(isDebugEnabled({ DEBUG: 'express' })).toBe(false)
    expect(isColorEnabled({ NO_COLOR: '1' }, { isTTY: true })).toBe(false)
    expect(isColorEnabled({}, { isTTY: true })).toBe(true)
    expect(isColorEnabled({ FORCE_COLOR: '1' }, { isTTY: false })).toBe(true)
  })
})

describe('durations', () => {
  it('milliseconds under a second (a fast run is not "0.0s"), then seconds', () => {
    expect([0, 42.4, 999, 1000, 1234, 9_960, 10_000, 42_400].map(formatDuration)).toEqual([
      '0 ms',
      '42 ms',
      '999 ms',
      '1.0s',
      '1.2s',
      '10s',
      '10s',
      '42s',
    ])
  })
})
