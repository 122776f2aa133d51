import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunEvent } from '../core/runner/events.js'
import { emptyStageResult } from '../core/runner/flush.js'
import type { StageResult } from '../core/types.js'
import { screenOf } from '../../test/helpers/screen.js'
import {
  formatStageLine,
  newStageProgress,
  RunProgress,
  type RunProgressOptions,
  type StageProgress,
} from './run-progress.js'
import { createTheme } from './theme.js'

const plain = createTheme(false)
const S1 = { uuid: 'aaaaaaaa-0000-4000-8000-000000000001', title: 'Agent 1' }
const S2 = { uuid: 'bbbbbbbb-0000-4000-8000-000000000002', title: 'Agent 2' }
const task = (n: number) => ({ uuid: `t${n}`, dataTitle: `img-${n}.png`, dataHash: `d${n}` })

function result(stage: typeof S1, counts: Partial<StageResult>): StageResult {
  return { ...emptyStageResult(stage), ...counts }
}

/** A stream that collects what is written; `tty` makes it look like a terminal of that size. */
function sink(tty?: { columns: number; rows: number }) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; rows?: number }
  let text = ''
  stream.on('data', (d: Buffer) => (text += d.toString()))
  if (tty) Object.assign(stream, { isTTY: true, ...tty })
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text }
}

function progress(options: Partial<RunProgressOptions> & Pick<RunProgressOptions, 'mode'>, stream: NodeJS.WriteStream) {
  const p = new RunProgress({ stages: ['Agent 1', 'Agent 2'], theme: plain, stream, ...options })
  p.start()
  return p
}

/** `count` tasks done in a stage, `msPerTask` apart (fake time). */
function work(
  p: RunProgress,
  stage: typeof S1,
  count: number,
  msPerTask: number,
  outcome: (n: number) => RunEvent = (n) => ({
    type: 'taskDone',
    stage,
    task: task(n),
    outcome: 'moved',
    pathway: 'complete',
    durationMs: 1,
  }),
) {
  p.onEvent({ type: 'stageStarted', stage })
  p.onEvent({ type: 'batchLoaded', stage, batch: 1, tasks: count, durationMs: 1 })
  for (let n = 0; n < count; n++) {
    vi.advanceTimersByTime(msPerTask)
    p.onEvent(outcome(n))
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('run progress', () => {
  it('plain lines (no terminal): at most one line per stage every 5 s, each naming its stage, and a final line', async () => {
    const out = sink()
    const p = progress({ mode: 'lines' }, out.stream)
    work(p, S1, 600, 50) // 30 s
    p.onEvent({ type: 'stageDone', stage: S1, result: result(S1, { processed: 600, moved: { complete: 600 } }) })
    work(p, S2, 10, 10)
    p.onEvent({ type: 'stageDone', stage: S2, result: result(S2, { processed: 10, moved: { complete: 10 } }) })
    await p.finish()
    const lines = out.text().trimEnd().split('\n')
    const first = lines.filter((l) => l.startsWith('[Agent 1] '))
    const second = lines.filter((l) => l.startsWith('[Agent 2] '))
    expect(first.length + second.length).toBe(lines.length) // every line names its stage
    expect(first.length).toBeGreaterThanOrEqual(5)
    expect(first.length).toBeLessThanOrEqual(30 / 5 + 1)
    expect(first.at(-1)).toBe('[Agent 1] ✔ 600 processed · moved complete 600 · 20 tasks/s')
    expect(second).toEqual(['[Agent 2] ✔ 10 processed · moved complete 10 · 100 tasks/s'])
  })

  it('on a terminal: the stage lines are redrawn in place (600 tasks leave two rows on screen)', async () => {
    const out = sink({ columns: 100, rows: 30 })
    const p = progress({ mode: 'live' }, out.stream)
    work(p, S1, 600, 20)
    p.onEvent({ type: 'stageDone', stage: S1, result: result(S1, { processed: 600, moved: { complete: 600 } }) })
    await p.finish()
    const screen = screenOf(out.text())
    expect(screen).toEqual(['✔ Agent 1: 600 processed · moved complete 600 · 50 tasks/s', '■ Agent 2: not started'])
    expect(out.text().split('\u001b[1A').length).toBeGreaterThan(50) // redrawn, not appended
  })

  it('log lines and the first failures print above the live view, with where the user code threw', async () => {
    const out = sink({ columns: 120, rows: 30 })
    const p = progress({ mode: 'live' }, out.stream)
    const failure = (n: number): RunEvent => ({
      type: 'taskFailed',
      stage: S1,
      task: task(n),
      code: 'HandlerFailed',
      message: 'model server down',
      at: 'agent.ts:12:9',
    })
    work(p, S1, 6, 10, failure)
    p.onEvent({ type: 'log', level: 'info', stage: S1, task: task(9), message: 'hello from the handler' })
    await p.finish()
    const screen = screenOf(out.text())
    expect(screen.slice(0, 5)).toEqual([
      '[Agent 1] ✖ img-0.png (t0): HandlerFailed: model server down (agent.ts:12:9)',
      '[Agent 1] ✖ img-1.png (t1): HandlerFailed: model server down (agent.ts:12:9)',
      '[Agent 1] ✖ img-2.png (t2): HandlerFailed: model server down (agent.ts:12:9)',
      '[Agent 1] … more failures are counted; the summary lists them all.',
      '[Agent 1] info img-9.png: hello from the handler',
    ])
    expect(screen).toHaveLength(7)
  })

  it('--verbose prints every failure', async () => {
    const out = sink()
    const p = progress({ mode: 'lines', verbose: true }, out.stream)
    work(p, S1, 6, 10, (n) => ({
      type: 'taskFailed',
      stage: S1,
      task: task(n),
      code: 'HandlerFailed',
      message: 'down',
    }))
    await p.finish()
    expect(
      out
        .text()
        .split('\n')
        .filter((l) => l.includes('HandlerFailed')),
    ).toHaveLength(6)
  })

  it('a 0×0 terminal is not redrawn: plain lines', async () => {
    const { pickProgressMode } = await import('./renderer.js')
    expect(
      pickProgressMode({ json: false, tty: true, columns: 0, rows: 0, dumb: false, ci: false, debug: false }),
    ).toBe('lines')
  })

  it('an interrupted stage says so (and one never started too), not ✔', async () => {
    const out = sink()
    const controller = new AbortController()
    const p = progress({ mode: 'lines', signal: controller.signal }, out.stream)
    work(p, S1, 3, 10)
    controller.abort()
    p.onEvent({
      type: 'stageDone',
      stage: S1,
      result: result(S1, { processed: 3, moved: { complete: 3 }, interrupted: true }),
    })
    await p.finish()
    expect(out.text().trimEnd().split('\n')).toEqual([
      '[Agent 1] ■ interrupted after 3 tasks · 3 processed · moved complete 3 · 100 tasks/s',
      '[Agent 2] ■ not started (the run was interrupted)',
    ])
  })
})

describe('a stage line', () => {
  /** Agent 1 while it runs, with these counters. */
  const running = (counters: Partial<StageProgress>): StageProgress => ({
    ...newStageProgress('Agent 1'),
    state: 'running',
    ...counters,
  })

  it('no total and no ETA while the listing goes on; the total and an ETA once it is complete', () => {
    const p = running({
      fetched: 100,
      done: 40,
      failed: 2,
      stayed: 1,
      moved: { complete: 30, review: 9 },
      startedAt: 0,
    })
    expect(formatStageLine(p, 10_000, { theme: plain })).toBe(
      'fetched 100 · done 42 · moved complete 30, review 9 · stayed 1 · failed 2 · 4.2 tasks/s',
    )
    expect(formatStageLine({ ...p, total: 126 }, 10_000, { theme: plain })).toBe(
      'done 42 of 126 · moved complete 30, review 9 · stayed 1 · failed 2 · 4.2 tasks/s · ETA 20s',
    )
    expect(formatStageLine({ ...p, total: 126, state: 'done', finishedAt: 10_000 }, 20_000, { theme: plain })).toBe(
      '42 processed · moved complete 30, review 9 · stayed 1 · failed 2 · 4.2 tasks/s',
    )
  })

  it('a dry run says "would move", never "moved"', () => {
    const p = running({ fetched: 3, done: 3, stayed: 1, moved: { complete: 2 } })
    const line = formatStageLine(p, 0, { dryRun: true, theme: plain })
    expect(line).toBe('fetched 3 · done 3 · would move complete 2 · would stay 1')
  })

  it('the stageListed event gives the total (and the ETA) to the live counters', async () => {
    const out = sink()
    const p = progress({ mode: 'lines', lineIntervalMs: 1000 }, out.stream)
    p.onEvent({ type: 'stageStarted', stage: S1 })
    p.onEvent({ type: 'stageListed', stage: S1, total: 200 })
    for (let n = 0; n < 50; n++) {
      vi.advanceTimersByTime(100)
      p.onEvent({ type: 'taskDone', stage: S1, task: task(n), outcome: 'stayed', durationMs: 1 })
    }
    vi.advanceTimersByTime(1000)
    await p.finish()
    const lines = out.text().trimEnd().split('\n')
    expect(lines[0]).toBe('[Agent 1] done 9 of 200 · stayed 9 · 9.0 tasks/s · ETA 21s')
    expect(lines).toContain('[Agent 1] done 49 of 200 · stayed 49 · 9.8 tasks/s · ETA 15s')
    // The run ended before the stage did: not ✔.
    expect(lines.at(-2)).toBe('[Agent 1] ■ interrupted after 50 tasks · 50 processed · stayed 50 · 8.3 tasks/s')
  })
})
