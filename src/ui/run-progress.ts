import { Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2'
import type { EventStage, RunEvent } from '../core/runner/events.js'
import { redact } from './redact.js'
import type { RendererChoice } from './renderer.js'
import { terminalText, TEXT_WIDTH } from './terminal-text.js'
import { theme } from './theme.js'

/** Live counters of one stage, from runner events. */
export interface StageProgress {
  /** As configured (title or UUID); the event's stage is matched against it. */
  configured: string
  stage?: EventStage
  fetched: number
  done: number
  failed: number
  stayed: number
  retries: number
  moved: Record<string, number>
  startedAt?: number
  finishedAt?: number
  /** Upper bound of tasks this stage will process, when known (`maxTasksPerStage`). */
  limit?: number
}

export function newStageProgress(configured: string, limit?: number): StageProgress {
  return { configured, fetched: 0, done: 0, failed: 0, stayed: 0, retries: 0, moved: {}, limit }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/**
 * `fetched 300 · done 120 · failed 2 · moved complete 100, needs review 20 · 12.3 tasks/s · ETA 15s`.
 * The ETA covers the tasks fetched so far (pages are listed lazily, so the total is not known up front)
 * or the `maxTasksPerStage` limit when there is one.
 */
export function formatStageLine(p: StageProgress, now = Date.now()): string {
  const processed = p.done + p.failed
  const parts = [`fetched ${p.fetched}`, `done ${p.done}`]
  parts.push(p.failed > 0 ? theme.error(`failed ${p.failed}`) : `failed 0`)
  const moves = Object.entries(p.moved)
  if (moves.length > 0) parts.push(`moved ${moves.map(([k, v]) => `${terminalText(k)} ${v}`).join(', ')}`)
  if (p.stayed > 0) parts.push(`stayed ${p.stayed}`)
  if (p.retries > 0) parts.push(`retries ${p.retries}`)
  if (p.startedAt !== undefined && processed > 0) {
    const elapsed = Math.max(1, (p.finishedAt ?? now) - p.startedAt)
    const rate = (processed * 1000) / elapsed
    parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} tasks/s`)
    const target = p.limit !== undefined ? Math.min(p.limit, Math.max(p.fetched, processed)) : p.fetched
    const remaining = target - processed
    if (p.finishedAt === undefined && remaining > 0 && rate > 0) parts.push(`ETA ${formatDuration((remaining / rate) * 1000)}`)
  }
  return parts.join(' · ')
}

function matches(configured: string, stage: EventStage): boolean {
  return configured === stage.uuid || configured === stage.title || configured.toLowerCase() === stage.uuid.toLowerCase()
}

interface Deferred {
  promise: Promise<void>
  resolve: () => void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

export interface RunProgressOptions {
  renderer: RendererChoice
  /** The configured agents' stages, in order. */
  stages: string[]
  /** `maxTasksPerStage`, for the ETA. */
  limit?: number
  /** Stages repeat until stopped (`refreshEvery`): a stage's line stays open until the run ends. */
  refreshing?: boolean
  /** Debug-level handler logs too. */
  verbose?: boolean
  /** @default process.stderr */
  stream?: NodeJS.WriteStream
  /** For tests. @default Date.now */
  now?: () => number
}

/**
 * listr2 progress for `run`: one line per stage (fetched, done, failed, moved per pathway, rate, ETA),
 * driven by runner events. On a TTY it updates in place; otherwise (CI, pipes, NO_COLOR) the `simple`
 * renderer prints plain lines, throttled so a 5,000-task run does not print 5,000 lines; under `--json`
 * nothing is printed.
 */
export class RunProgress {
  readonly stages: StageProgress[]
  readonly #options: RunProgressOptions
  readonly #done: Deferred[]
  readonly #wrappers: Array<ListrTaskWrapper<unknown, never, never> | undefined> = []
  readonly #lastPrinted: number[] = []
  readonly #lastText: string[] = []
  /** What events said before listr started the stage's task (a fast run can be over by then). */
  readonly #pendingTitle: Array<string | undefined> = []
  readonly #pendingOutput: Array<string | undefined> = []
  readonly #now: () => number
  #listr?: Promise<unknown>
  #current = -1

  constructor(options: RunProgressOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.stages = options.stages.map((s) => newStageProgress(s, options.limit))
    this.#done = options.stages.map(() => deferred())
  }

  get #live(): boolean {
    return this.#options.renderer.renderer === 'default'
  }

  /** Start rendering (returns at once; the listr promise settles in `finish`). */
  start(): void {
    if (this.#options.renderer.renderer === 'silent') return
    const stream = this.#options.stream ?? process.stderr
    const processOutput = new ProcessOutput(stream, stream)
    const logger = new ListrLogger({ processOutput, useIcons: this.#live })
    const listr = new Listr(
      this.stages.map((p, i) => ({
        title: terminalText(p.configured),
        // Keep each stage's last counters on screen when it completes.
        rendererOptions: { persistentOutput: true } as never,
        task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
          this.#wrappers[i] = task
          // listr starts tasks asynchronously: show what the runner reported meanwhile (on a fast run,
          // everything, so the stage ends with its counters rather than "waiting").
          const title = this.#pendingTitle[i]
          if (title !== undefined) task.title = title
          const output = this.#pendingOutput[i]
          if (output !== undefined) task.output = output
          else if (this.#live) task.output = 'waiting'
          await this.#done[i].promise
        },
      })),
      {
        concurrent: true,
        exitOnError: false,
        // listr2 would exit 127 on SIGINT; `run` handles Ctrl-C itself (graceful stop, exit 130).
        registerSignalListeners: false,
        renderer: this.#options.renderer.renderer as 'default' | 'simple',
        fallbackRenderer: 'simple',
        rendererOptions: { logger, collapseSubtasks: false } as never,
        fallbackRendererOptions: { logger } as never,
      } as never,
    )
    this.#listr = listr.run().catch(() => undefined)
  }

  /** Feed a runner event. Never throws (a broken progress display must not break a run). */
  readonly onEvent = (event: RunEvent): void => {
    try {
      this.#handle(event)
    } catch {
      // display only
    }
  }

  #index(stage: EventStage): number {
    if (this.#current >= 0 && this.stages[this.#current].stage?.uuid === stage.uuid) return this.#current
    const i = this.stages.findIndex((p) => p.stage?.uuid === stage.uuid || (p.stage === undefined && matches(p.configured, stage)))
    return i
  }

  #handle(event: RunEvent): void {
    if (event.type === 'refreshWaiting') {
      for (const i of this.stages.keys()) this.#setOutput(i, `${formatStageLine(this.stages[i], this.#now())} · next pass in ${event.seconds}s`, true)
      return
    }
    if (event.type === 'log') {
      if (event.level === 'debug' && !this.#options.verbose) return
      const i = event.stage ? this.#index(event.stage) : this.#current
      const who = event.task ? `${terminalText(event.task.dataTitle)}: ` : ''
      this.#setOutput(i, `${event.level === 'error' ? theme.error(event.level) : event.level === 'warn' ? theme.warn(event.level) : event.level} ${who}${terminalText(event.message, TEXT_WIDTH, 'end')}`, true)
      return
    }
    const i = this.#index(event.stage)
    if (i < 0) return
    const p = this.stages[i]
    this.#current = i
    switch (event.type) {
      case 'stageStarted':
        p.stage = event.stage
        p.startedAt ??= this.#now()
        p.finishedAt = undefined
        this.#setTitle(i, event.stage.title === p.configured ? terminalText(p.configured) : `${terminalText(p.configured)} (${terminalText(event.stage.title)})`)
        this.#setOutput(i, 'listing tasks', true)
        return
      case 'batchLoaded':
        p.fetched += event.tasks
        this.#setOutput(i, formatStageLine(p, this.#now()), true)
        return
      case 'taskStarted':
        return
      case 'taskDone':
        p.done++
        if (event.outcome === 'moved' && event.pathway) p.moved[event.pathway] = (p.moved[event.pathway] ?? 0) + 1
        else p.stayed++
        this.#setOutput(i, formatStageLine(p, this.#now()))
        return
      case 'taskFailed':
        p.failed++
        this.#setOutput(i, `${theme.error('failed')} ${terminalText(event.task.dataTitle)} (${event.task.uuid}): ${event.code}: ${terminalText(event.message, TEXT_WIDTH, 'end')}${event.onFailure ? ` → ${terminalText(event.onFailure)}` : ''}`, true)
        return
      case 'taskRetry':
        p.retries++
        if (!this.#live) this.#setOutput(i, `retry ${event.attempt} of ${terminalText(event.task.dataTitle)} in ${Math.round(event.delayMs)}ms: ${event.code}: ${terminalText(event.message, TEXT_WIDTH, 'end')}`, true)
        return
      case 'flushed':
        this.#setOutput(i, formatStageLine(p, this.#now()) + (event.dryRun ? ' (dry run: nothing applied)' : ''), true)
        return
      case 'stageDone': {
        p.finishedAt = this.#now()
        // The result is authoritative (e.g. moves that turned out stale at flush time).
        p.moved = { ...event.result.moved }
        p.failed = event.result.failed
        p.stayed = event.result.stayed
        p.done = event.result.processed - event.result.failed
        this.#setOutput(i, formatStageLine(p, this.#now()), true)
        this.#setTitle(i, `${terminalText(p.configured)}: ${event.result.processed} processed${event.result.failed ? `, ${event.result.failed} failed` : ''}`)
        if (!this.#options.refreshing) this.#done[i].resolve()
        return
      }
    }
  }

  #setTitle(i: number, title: string): void {
    if (i < 0) return
    const w = this.#wrappers[i]
    if (w) w.title = redact(title)
    else this.#pendingTitle[i] = redact(title)
  }

  /** Non-TTY output is throttled to one line per stage every 2 s unless `force`. */
  #setOutput(i: number, text: string, force = false): void {
    if (i < 0 || this.#lastText[i] === text) return
    const w = this.#wrappers[i]
    if (!w) {
      this.#lastText[i] = text
      this.#pendingOutput[i] = redact(text)
      return
    }
    if (!this.#live && !force) {
      const now = this.#now()
      if (now - (this.#lastPrinted[i] ?? 0) < 2000) return
      this.#lastPrinted[i] = now
    }
    this.#lastText[i] = text
    w.output = redact(text)
  }

  /** End the display (all stage lines close) and wait for the renderer to finish writing. */
  async finish(): Promise<void> {
    for (const d of this.#done) d.resolve()
    await this.#listr
  }
}
