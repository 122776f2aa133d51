import type { EventStage, EventTask, RunEvent } from '../core/runner/events.js'
import type { TaskErrorReport } from '../core/runner/errors.js'
import { LineOutput, LiveOutput, type ProgressOutput } from './progress-output.js'
import type { ProgressMode } from './renderer.js'
import { terminalText, TEXT_WIDTH } from './terminal-text.js'
import { theme as stderrTheme, type Theme } from './theme.js'

/** Live counters of one stage, from runner events. */
export interface StageProgress {
  /** As configured (title or UUID); the event's stage is matched against it. */
  configured: string
  stage?: EventStage
  state: 'waiting' | 'running' | 'done'
  /** Tasks listed so far (this pass). */
  fetched: number
  /** The stage's tasks for this run, once the listing is complete (`stageListed`); until then no ETA. */
  total?: number
  done: number
  failed: number
  stayed: number
  retries: number
  moved: Record<string, number>
  startedAt?: number
  finishedAt?: number
  /** The stage ended because the run was stopped (or never started). */
  interrupted: boolean
  /** Failures printed as their own line (the rest are counted; the summary lists them all). */
  failuresShown: number
  /** Counters before this pass (`refreshEvery` runs a stage again and again; the totals add up). */
  base: { done: number; failed: number; stayed: number; moved: Record<string, number> }
}

export function newStageProgress(configured: string): StageProgress {
  return {
    configured,
    state: 'waiting',
    fetched: 0,
    done: 0,
    failed: 0,
    stayed: 0,
    retries: 0,
    moved: {},
    interrupted: false,
    failuresShown: 0,
    base: { done: 0, failed: 0, stayed: 0, moved: {} },
  }
}

function formatEta(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/**
 * The counters of a running stage: `done 120 of 600 · moved complete 100, needs review 20 · failed 2 ·
 * 12 tasks/s · ETA 40s`. The total, and with it the ETA, is shown only once it is known (the listing is
 * complete, see `stageListed`): pages are listed lazily, so "fetched so far" is no total. A dry run
 * says "would move": nothing is moved.
 */
export function formatStageLine(
  p: StageProgress,
  now: number,
  options: { dryRun?: boolean; theme?: Theme } = {},
): string {
  const t = options.theme ?? stderrTheme
  const processed = p.done + p.failed
  const parts = [
    p.state === 'done'
      ? `${processed} processed`
      : p.total !== undefined
        ? `done ${processed} of ${p.total}`
        : `fetched ${p.fetched} · done ${processed}`,
  ]
  const moves = Object.entries(p.moved)
  if (moves.length > 0)
    parts.push(
      `${options.dryRun ? 'would move' : 'moved'} ${moves.map(([k, v]) => `${terminalText(k)} ${v}`).join(', ')}`,
    )
  if (p.stayed > 0) parts.push(`${options.dryRun ? 'would stay' : 'stayed'} ${p.stayed}`)
  if (p.failed > 0) parts.push(t.error(`failed ${p.failed}`))
  if (p.retries > 0) parts.push(`retries ${p.retries}`)
  if (p.startedAt !== undefined && processed > 0) {
    const elapsed = Math.max(1, (p.finishedAt ?? now) - p.startedAt)
    const rate = (processed * 1000) / elapsed
    parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} tasks/s`)
    const remaining = p.total === undefined ? 0 : p.total - processed
    if (p.state === 'running' && remaining > 0) parts.push(`ETA ${formatEta((remaining / rate) * 1000)}`)
  }
  return parts.join(' · ')
}

function matches(configured: string, stage: EventStage): boolean {
  return (
    configured === stage.uuid || configured === stage.title || configured.toLowerCase() === stage.uuid.toLowerCase()
  )
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** Failures printed one by one per stage before the rest are only counted (all with --verbose). */
const FAILURES_SHOWN = 3

export interface RunProgressOptions {
  mode: ProgressMode
  /** The configured agents' stages, in order. */
  stages: string[]
  /** Nothing is moved or saved: counters say "would move". */
  dryRun?: boolean
  /** Stages repeat until stopped (`refreshEvery`): a stage's line stays open until the run ends. */
  refreshing?: boolean
  /** Debug-level handler logs, every failure and retry, and failures' user-code stacks. */
  verbose?: boolean
  /** The run's stop signal: a stage that ends once it is aborted was interrupted. */
  signal?: AbortSignal
  /** @default process.stderr */
  stream?: NodeJS.WriteStream
  /** @default the stderr theme (colour decided by stderr) */
  theme?: Theme
  /** Plain lines: at most one progress line per stage this often. @default 5000 */
  lineIntervalMs?: number
  /** For tests. @default Date.now */
  now?: () => number
}

/**
 * Progress of `run` on stderr, driven by runner events. On a terminal, one line per stage redrawn in
 * place (whatever stdout is); as plain lines (pipes, CI, a 0×0 terminal) at most one line per stage
 * every few seconds, each naming its stage, plus the stage's final line; under `--json` nothing.
 * Handler log lines and the first failures of each stage are printed as they come.
 */
export class RunProgress {
  readonly stages: StageProgress[]
  readonly #options: RunProgressOptions
  readonly #now: () => number
  readonly #theme: Theme
  readonly #interval: number
  #output?: ProgressOutput
  #timer?: NodeJS.Timeout
  #frame = 0
  #dirty = false
  /** Lines mode: when each stage last printed, and what. */
  readonly #lastPrinted: number[] = []
  readonly #lastLine: string[] = []
  #current = -1

  constructor(options: RunProgressOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#theme = options.theme ?? stderrTheme
    this.#interval = options.lineIntervalMs ?? 5000
    this.stages = options.stages.map((s) => newStageProgress(s))
  }

  /** Start showing progress (nothing under `--json`). */
  start(): void {
    const { mode } = this.#options
    if (mode === 'silent') return
    const stream = this.#options.stream ?? process.stderr
    this.#output = mode === 'live' ? new LiveOutput(stream) : new LineOutput(stream)
    // Live: redraw ~10 times a second when something changed (and every second for rates and the
    // spinner). Lines: check every second whether a stage is due a line.
    const tick = mode === 'live' ? 100 : 1000
    this.#timer = setInterval(() => this.#tick(), tick)
    this.#timer.unref()
    if (mode === 'live') this.#draw()
  }

  /** Feed a runner event. Never throws (a broken progress display must not break a run). */
  readonly onEvent = (event: RunEvent): void => {
    try {
      this.#handle(event)
    } catch {
      // display only
    }
  }

  /** End the display: stages close with their final line, and the terminal is given back. */
  async finish(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const output = this.#output
    if (output === undefined) return
    const aborted = this.#options.signal?.aborted === true
    for (const [i, p] of this.stages.entries()) {
      if (p.state === 'done') continue
      // No stageDone: the run ended before this stage did (stopped, or an error).
      p.interrupted = aborted || p.state === 'running' || p.interrupted
      p.state = 'done'
      p.finishedAt ??= this.#now()
      if (!output.live) output.print(`${this.#tag(i)} ${this.#finalLine(p, false)}`)
    }
    if (output.live) this.#draw()
    output.close()
    this.#output = undefined
  }

  #index(stage: EventStage): number {
    if (this.#current >= 0 && this.stages[this.#current].stage?.uuid === stage.uuid) return this.#current
    return this.stages.findIndex(
      (p) => p.stage?.uuid === stage.uuid || (p.stage === undefined && matches(p.configured, stage)),
    )
  }

  #handle(event: RunEvent): void {
    if (event.type === 'refreshWaiting') {
      this.#print(
        `${this.#theme.dim('…')} Every stage is done for now; the next pass starts in ${event.seconds}s (Ctrl-C to stop).`,
      )
      for (const p of this.stages) if (p.state === 'running') p.state = 'waiting'
      this.#dirty = true
      return
    }
    if (event.type === 'log') {
      if (event.level === 'debug' && !this.#options.verbose) return
      const i = event.stage ? this.#index(event.stage) : this.#current
      const level =
        event.level === 'error'
          ? this.#theme.error(event.level)
          : event.level === 'warn'
            ? this.#theme.warn(event.level)
            : event.level
      this.#print(
        `${this.#tag(i)} ${level} ${event.task ? `${terminalText(event.task.dataTitle)}: ` : ''}${terminalText(event.message, TEXT_WIDTH, 'end')}`,
      )
      return
    }
    const i = this.#index(event.stage)
    if (i < 0) return
    const p = this.stages[i]
    this.#current = i
    this.#dirty = true
    switch (event.type) {
      case 'stageStarted':
        p.stage = event.stage
        p.state = 'running'
        p.startedAt ??= this.#now()
        p.finishedAt = undefined
        p.fetched = 0
        p.total = undefined
        p.base = { done: p.done, failed: p.failed, stayed: p.stayed, moved: { ...p.moved } }
        return
      case 'stageListed':
        p.total = event.total
        return
      case 'batchLoaded':
        p.fetched += event.tasks
        return
      case 'taskStarted':
        return
      case 'taskDone':
        p.done++
        if (event.outcome === 'moved' && event.pathway) p.moved[event.pathway] = (p.moved[event.pathway] ?? 0) + 1
        else p.stayed++
        return
      case 'taskFailed':
        p.failed++
        this.#failure(i, event.task, event, event.onFailure)
        return
      case 'taskRetry':
        p.retries++
        if (this.#options.verbose)
          this.#print(
            `${this.#tag(i)} retry ${event.attempt} of ${terminalText(event.task.dataTitle)} in ${Math.round(event.delayMs)}ms: ${this.#describe(event)}`,
          )
        return
      case 'flushed':
        return
      case 'stageDone': {
        // The result is authoritative (moves that turned out stale, failures at flush time).
        const r = event.result
        p.moved = { ...p.base.moved }
        for (const [name, n] of Object.entries(r.moved)) p.moved[name] = (p.moved[name] ?? 0) + n
        p.failed = p.base.failed + r.failed
        p.stayed = p.base.stayed + r.stayed
        p.done = p.base.done + r.processed - r.failed
        p.interrupted = this.#options.signal?.aborted === true
        if (this.#options.refreshing && !p.interrupted) {
          p.state = 'waiting'
          if (this.#output !== undefined && !this.#output.live)
            this.#printLine(
              i,
              `${this.#tag(i)} pass done: ${formatStageLine(p, this.#now(), { dryRun: this.#options.dryRun, theme: this.#theme })}`,
            )
          return
        }
        p.state = 'done'
        p.finishedAt = this.#now()
        if (this.#output !== undefined && !this.#output.live)
          this.#printLine(i, `${this.#tag(i)} ${this.#finalLine(p, false)}`)
        return
      }
    }
  }

  /** `HandlerFailed: model server down (agent.ts:12:9)`. */
  #describe(e: TaskErrorReport): string {
    return `${terminalText(e.code)}: ${terminalText(e.message, TEXT_WIDTH, 'end')}${e.at ? this.#theme.dim(` (${terminalText(e.at, TEXT_WIDTH, 'middle')})`) : ''}`
  }

  #failure(i: number, task: EventTask, error: TaskErrorReport, onFailure: string | undefined): void {
    const p = this.stages[i]
    const verbose = this.#options.verbose === true
    if (!verbose && p.failuresShown > FAILURES_SHOWN) return
    p.failuresShown++
    if (!verbose && p.failuresShown > FAILURES_SHOWN) {
      this.#print(`${this.#tag(i)} ${this.#theme.dim('… more failures are counted; the summary lists them all.')}`)
      return
    }
    this.#print(
      `${this.#tag(i)} ${this.#theme.error('✖')} ${terminalText(task.dataTitle)} (${task.uuid}): ${this.#describe(error)}${onFailure ? ` → ${terminalText(onFailure)}` : ''}`,
    )
  }

  /** `[Agent 1]`: every printed line names its stage (several stages interleave in a log). */
  #tag(i: number): string {
    const p = this.stages[i]
    return this.#theme.dim(`[${terminalText(p?.stage?.title ?? p?.configured ?? 'run')}]`)
  }

  #print(line: string): void {
    this.#output?.print(line)
  }

  #printLine(i: number, line: string): void {
    this.#lastPrinted[i] = this.#now()
    this.#lastLine[i] = line
    this.#print(line)
  }

  #tick(): void {
    const output = this.#output
    if (output === undefined) return
    if (output.live) {
      this.#frame++
      // Rates and the spinner move every second even when no event came.
      if (this.#dirty || this.#frame % 10 === 0) this.#draw()
      return
    }
    // Lines: a running stage prints its counters at most once per interval, and only when they changed.
    const now = this.#now()
    for (const [i, p] of this.stages.entries()) {
      if (p.state !== 'running' || now - (this.#lastPrinted[i] ?? p.startedAt ?? 0) < this.#interval) continue
      const line = `${this.#tag(i)} ${p.fetched === 0 && p.done + p.failed === 0 ? 'listing tasks' : formatStageLine(p, now, { dryRun: this.#options.dryRun, theme: this.#theme })}`
      if (line !== this.#lastLine[i]) this.#printLine(i, line)
    }
  }

  #draw(): void {
    this.#dirty = false
    const now = this.#now()
    const t = this.#theme
    this.#output?.render(
      this.stages.map((p) => {
        const title = t.bold(terminalText(p.stage?.title ?? p.configured))
        if (p.state === 'done') return this.#finalLine(p, true)
        if (p.state === 'waiting')
          return `${t.dim('·')} ${title}  ${t.dim(p.startedAt === undefined ? 'waiting' : `${formatStageLine(p, now, { dryRun: this.#options.dryRun, theme: t })} · waiting for the next pass`)}`
        const counters =
          p.fetched === 0 && p.done + p.failed === 0
            ? t.dim('listing tasks')
            : formatStageLine(p, now, { dryRun: this.#options.dryRun, theme: t })
        return `${t.accent(SPINNER[this.#frame % SPINNER.length])} ${title}  ${counters}`
      }),
    )
  }

  /**
   * `✔ Agent 1: 600 processed · moved complete 500, needs review 100 · 12 tasks/s`, `■ Agent 2: not
   * started (the run was interrupted)`; without the title after a line's `[stage]` tag.
   */
  #finalLine(p: StageProgress, withTitle: boolean): string {
    const t = this.#theme
    const title = withTitle ? `${t.bold(terminalText(p.stage?.title ?? p.configured))}: ` : ''
    const processed = p.done + p.failed
    if (p.startedAt === undefined)
      return `${t.warn('■')} ${title}not started${p.interrupted ? ' (the run was interrupted)' : ''}`
    const counters = formatStageLine(p, this.#now(), { dryRun: this.#options.dryRun, theme: t })
    if (p.interrupted) return `${t.warn('■')} ${title}interrupted after ${plural(processed, 'task')} · ${counters}`
    if (processed === 0) return `${t.ok('✔')} ${title}no tasks waiting`
    return `${p.failed > 0 ? t.error('✖') : t.ok('✔')} ${title}${counters}`
  }
}
