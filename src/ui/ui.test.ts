import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { BugError, UserError } from '../shared/errors.js'
import type { RunResult } from '../core/types.js'
import { codeFrame, formatError, parseLocation, toErrorJson } from './error-output.js'
import { redact, redactJson } from './redact.js'
import { isCi, isDebugEnabled, pickRenderer } from './renderer.js'
import { formatStageLine, newStageProgress, RunProgress } from './run-progress.js'
import { formatDuration, formatRunSummary } from './summary.js'
import { createTheme, isColorEnabled } from './theme.js'

const plain = createTheme(false)
const KEY = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'encord-api', 'test-key'), 'utf8')

describe('redact', () => {
  it('removes private keys (PEM blocks, bare OpenSSH bodies, ENCORD_SSH_KEY text) from text and JSON', () => {
    expect(redact(`before ${KEY.trim()} after`)).toBe('before [redacted private key] after')
    const body = KEY.split('\n')[1]
    expect(redact(`oops: ${body}`)).not.toContain(body)
    expect(redact('the key is hunter2hunter2hunter2', { ENCORD_SSH_KEY: 'hunter2hunter2hunter2' })).toBe('the key is [redacted private key]')
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
      const error = new UserError('ConfigInvalid', 'bad two', { hint: 'fix two', location: 'c.ts:2:6', cause: new Error('deeper') })
      const text = formatError(error, { theme: plain, verbose: false, cwd: dir })
      expect(text).toBe(['✖ bad two', '  at c.ts:2:6', '    1 | one', '  > 2 | two: 2', '      |      ^', '    3 | three', '  cause: deeper', '  Try: fix two'].join('\n'))
      expect(formatError(error, { theme: plain, verbose: true, cwd: dir })).toContain('Caused by: Error: deeper')
      expect(codeFrame('missing.ts', 1, 1, plain, dir)).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('bugs say how to see the stack; JSON carries code, message, hint and exit code', () => {
    const bug = new BugError('x is undefined')
    expect(formatError(bug, { theme: plain, verbose: false })).toContain('Run again with --verbose')
    expect(toErrorJson(new UserError('A', `leak ${KEY.trim()}`, { hint: 'h', data: { k: KEY.trim() } }))).toEqual({
      error: { code: 'A', message: 'leak [redacted private key]', hint: 'h', exitCode: 2, data: { k: '[redacted private key]' } },
    })
  })
})

describe('renderer and colour choice', () => {
  it('silent under --json, simple without a TTY, in CI, without colour or when debugging, default otherwise', () => {
    const tty = { json: false, tty: true, color: true, ci: false, debug: false }
    expect(pickRenderer(tty)).toEqual({ renderer: 'default', fallbackRenderer: 'simple' })
    expect(pickRenderer({ ...tty, json: true })).toEqual({ renderer: 'silent' })
    for (const k of ['ci', 'debug'] as const) expect(pickRenderer({ ...tty, [k]: true })).toEqual({ renderer: 'simple' })
    for (const k of ['tty', 'color'] as const) expect(pickRenderer({ ...tty, [k]: false })).toEqual({ renderer: 'simple' })
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

describe('run progress and summary', () => {
  it('a stage line: counts, moves per pathway, rate and ETA of the fetched tasks', () => {
    const p = { ...newStageProgress('Agent 1'), fetched: 100, done: 40, failed: 2, stayed: 1, moved: { complete: 30, review: 9 }, startedAt: 0 }
    expect(formatStageLine(p, 10_000)).toBe('fetched 100 · done 40 · failed 2 · moved complete 30, review 9 · stayed 1 · 4.2 tasks/s · ETA 14s')
    expect(formatStageLine({ ...p, finishedAt: 10_000 }, 20_000)).not.toContain('ETA')
  })

  it('counts runner events per configured stage (matched by title or UUID), silently under --json', async () => {
    const progress = new RunProgress({ renderer: { renderer: 'silent' }, stages: ['Agent 1', 'bbbbbbbb-0000-4000-8000-000000000002'] })
    progress.start()
    const s1 = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', title: 'Agent 1' }
    const s2 = { uuid: 'bbbbbbbb-0000-4000-8000-000000000002', title: 'Second' }
    const task = { uuid: 't', dataTitle: 'a.png', dataHash: 'd' }
    progress.onEvent({ type: 'stageStarted', stage: s1 })
    progress.onEvent({ type: 'batchLoaded', stage: s1, batch: 1, tasks: 3, durationMs: 1 })
    progress.onEvent({ type: 'taskDone', stage: s1, task, outcome: 'moved', pathway: 'complete', durationMs: 1 })
    progress.onEvent({ type: 'taskDone', stage: s1, task, outcome: 'stayed', durationMs: 1 })
    progress.onEvent({ type: 'taskFailed', stage: s1, task, code: 'HandlerFailed', message: 'no' })
    progress.onEvent({ type: 'stageStarted', stage: s2 })
    progress.onEvent({ type: 'batchLoaded', stage: s2, batch: 1, tasks: 1, durationMs: 1 })
    await progress.finish()
    expect(progress.stages.map((p) => [p.fetched, p.done, p.failed, p.stayed, p.moved])).toEqual([
      [3, 2, 1, 1, { complete: 1 }],
      [1, 0, 0, 0, {}],
    ])
  })

  it('a run that is over before listr starts the stage still ends with its counters, not "waiting"', async () => {
    const chunks: string[] = []
    const stream = new PassThrough()
    stream.on('data', (d: Buffer) => chunks.push(d.toString()))
    const progress = new RunProgress({ renderer: { renderer: 'simple' }, stages: ['Agent 1'], stream: stream as unknown as NodeJS.WriteStream })
    progress.start()
    // Every event at once, synchronously after start(), as a 20 ms run delivers them.
    const stage = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', title: 'Agent 1' }
    const task = { uuid: 't', dataTitle: 'a.png', dataHash: 'd' }
    progress.onEvent({ type: 'stageStarted', stage })
    progress.onEvent({ type: 'batchLoaded', stage, batch: 1, tasks: 3, durationMs: 1 })
    for (let n = 0; n < 3; n++) progress.onEvent({ type: 'taskDone', stage, task, outcome: 'moved', pathway: 'complete', durationMs: 1 })
    progress.onEvent({ type: 'stageDone', stage, result: { uuid: stage.uuid, title: 'Agent 1', processed: 3, moved: { complete: 3 }, stayed: 0, failed: 0, errors: [] } })
    await progress.finish()
    const text = chunks.join('')
    expect(text).toContain('Agent 1: 3 processed')
    expect(text).toMatch(/fetched 3 · done 3 · failed 0 · moved complete 3/)
  })

  it('the summary: a row per stage, failed tasks, and a closing line', () => {
    const result: RunResult = {
      ok: false,
      projectHash: 'p',
      durationMs: 1234,
      dryRun: true,
      interrupted: false,
      stages: [{ uuid: 'u', title: 'Agent 1', processed: 3, moved: { complete: 1 }, stayed: 1, failed: 1, errors: [{ taskUuid: 't1', dataTitle: 'a.png', code: 'HandlerFailed', message: 'boom' }] }],
    }
    const text = formatRunSummary(result, plain)
    expect(text).toMatch(/│ Agent 1 │ 3 +│ complete: 1 │ 1 +│ 1 +│/)
    expect(text).toContain('Failed tasks (1):\n  ✖ Agent 1 / a.png (t1): HandlerFailed: boom')
    expect(text).toContain('✖ 3 tasks processed: 1 moved, 1 stayed, 1 failed in 1.2s.')
    expect(text).toContain('Dry run: nothing was moved or saved.')
    expect(formatRunSummary({ ...result, ok: true, dryRun: false, stages: [{ ...result.stages[0], processed: 0, moved: {}, stayed: 0, failed: 0, errors: [] }] }, plain)).toContain(
      '✔ Nothing to do: no tasks waiting in the agent stage',
    )
  })

  it('durations: milliseconds under a second (a fast run is not "0.0s"), then seconds', () => {
    expect([0, 42.4, 999, 1000, 1234, 9_960, 10_000, 42_400].map(formatDuration)).toEqual(['0 ms', '42 ms', '999 ms', '1.0s', '1.2s', '10s', '10s', '42s'])
    const fast: RunResult = { ok: true, projectHash: 'p', durationMs: 37, dryRun: false, interrupted: false, stages: [{ uuid: 'u', title: 'Agent 1', processed: 2, moved: { complete: 2 }, stayed: 0, failed: 0, errors: [] }] }
    expect(formatRunSummary(fast, plain)).toContain('✔ 2 tasks processed: 2 moved, 0 stayed, 0 failed in 37 ms.')
  })
})
