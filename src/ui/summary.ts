import Table from 'cli-table3'
import type { RunResult, StageResult } from '../core/types.js'
import { redact } from './redact.js'
import { terminalText, TEXT_WIDTH } from './terminal-text.js'
import { stdoutTheme, type Theme } from './theme.js'

/** A run's duration for people: `340 ms` under a second (a fast run is not "0.0s"), `2.5s`, `42s`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms))
  if (whole < 1000) return `${whole} ms`
  const tenths = (whole / 1000).toFixed(1)
  return Number(tenths) < 10 ? `${tenths}s` : `${Math.round(whole / 1000)}s`
}

/** cli-table3 without colour codes in its borders/heads when colour is off. */
export function summaryTable(head: string[], t: Theme): Table.Table {
  return new Table({ head: head.map((h) => t.bold(h)), style: { head: [], border: [] } })
}

/** The columns every stage summary row starts with (`run` and `worker` summaries). */
export const STAGE_COLUMNS = ['Stage', 'Processed', 'Moved', 'Stayed', 'Failed']

/** The counts of a stage the summaries show, whatever ran it (`run` or a queue worker). */
export type StageCounts = Pick<StageResult, 'title' | 'processed' | 'moved' | 'stayed' | 'failed'>

/** A stage's first cells, under {@link STAGE_COLUMNS}: moved per pathway (one a line), failures in the error colour. */
export function stageCells(s: StageCounts, t: Theme): string[] {
  const moved = Object.entries(s.moved)
  return [
    terminalText(s.title),
    String(s.processed),
    moved.length ? moved.map(([k, v]) => `${terminalText(k)}: ${v}`).join('\n') : '0',
    String(s.stayed),
    s.failed ? t.error(String(s.failed)) : '0',
  ]
}

/**
 * `stage / data title (task uuid): code: message (agent.ts:12:9)` of a failed task (run and worker
 * summaries), with the server's strings made printable: titles and messages come from Encord, a
 * fixture or a handler. `at` is where the user's code threw.
 */
export function failedTaskLine(
  stage: string,
  dataTitle: string | undefined,
  taskUuid: string,
  code: string,
  message: string,
  t: Theme,
  at?: string,
): string {
  const where = at !== undefined ? ` ${t.dim(`(${terminalText(at, TEXT_WIDTH)})`)}` : ''
  return `${terminalText(stage)} / ${terminalText(dataTitle || taskUuid)} ${t.dim(`(${taskUuid})`)}: ${terminalText(code)}: ${terminalText(message, TEXT_WIDTH, 'end')}${where}`
}

/** What a stage's effects columns are called, and whether any stage had such effects. */
const EFFECTS = [
  {
    key: 'saved',
    head: 'Label rows saved',
    dryHead: 'Would save',
    what: (n: number) => `${n} label row${n === 1 ? '' : 's'} saved`,
    dryWhat: (n: number) => `${n} label row${n === 1 ? '' : 's'} would be saved`,
  },
  {
    key: 'priorities',
    head: 'Priorities set',
    dryHead: 'Would set priority',
    what: (n: number) => `${n} priorit${n === 1 ? 'y' : 'ies'} set`,
    dryWhat: (n: number) => `${n} priorit${n === 1 ? 'y' : 'ies'} would be set`,
  },
  {
    key: 'storageUpdated',
    head: 'Storage items updated',
    dryHead: 'Would update storage',
    what: (n: number) => `${n} storage item${n === 1 ? '' : 's'} updated`,
    dryWhat: (n: number) => `${n} storage item${n === 1 ? '' : 's'} would be updated`,
  },
] as const

export interface RunSummaryOptions {
  /** @default the stdout theme (colour decided by stdout) */
  theme?: Theme
  /** Each failed task's user-code stack under its line. */
  verbose?: boolean
}

/**
 * The end-of-run summary: one row per stage (processed, moved per pathway, stayed, failed, and the
 * label rows, priorities and storage items it wrote, when any stage did), the failed tasks (up to 20)
 * with their reason and where the user's code threw, and a closing line. A dry run says "would move"
 * and never "moved"; an interrupted stage says so; the total counts each task once even when several
 * stages (or `refreshEvery` passes) handled it.
 */
export function formatRunSummary(result: RunResult, options: RunSummaryOptions = {}): string {
  const { theme: t = stdoutTheme, verbose = false } = options
  const dry = result.dryRun
  const out: string[] = []
  const effects = EFFECTS.filter((e) => result.stages.some((s) => s[e.key] > 0))
  const head = [...STAGE_COLUMNS, ...effects.map((e) => (dry ? e.dryHead : e.head))]
  if (dry) head[2] = 'Would move'
  const rows = summaryTable(head, t)
  for (const s of result.stages) {
    const cells = stageCells(s, t)
    if (s.interrupted) cells[0] += `\n${t.warn(s.processed === 0 ? '(not run: interrupted)' : '(interrupted)')}`
    rows.push([...cells, ...effects.map((e) => String(s[e.key]))])
  }
  out.push(rows.toString())

  const errors = result.stages.flatMap((s) => s.errors.map((e) => ({ stage: s.title, ...e })))
  if (errors.length > 0) {
    out.push('', t.bold(`Failed tasks (${errors.length}):`))
    for (const e of errors.slice(0, 20)) {
      out.push(`  ${t.error('✖')} ${failedTaskLine(e.stage, e.dataTitle, e.taskUuid, e.code, e.message, t, e.at)}`)
      if (verbose && e.stack !== undefined)
        for (const frame of e.stack) out.push(t.dim(`      ${terminalText(frame, TEXT_WIDTH, 'middle')}`))
    }
    if (errors.length > 20) out.push(t.dim(`  ... and ${errors.length - 20} more (see --json for all)`))
  }

  out.push('', closingLine(result, effects, t))
  const replayed = result.stages.reduce((n, s) => n + (s.replayed ?? 0), 0)
  if (replayed > 0) {
    out.push(
      t.dim(
        `${replayed} of them ${replayed === 1 ? 'was' : 'were'} finished from the run journal: decided by an earlier run that stopped before applying everything; their handlers did not run again.`,
      ),
    )
  }
  if (dry)
    out.push(
      t.warn('Dry run: nothing was applied; the project is as it was. Run without --dry-run to apply these decisions.'),
    )
  return redact(out.join('\n'))
}

/** `✔ 6 tasks processed: 5 moved, 1 stayed, 0 failed; 6 label rows saved in 1.2s.` */
function closingLine(result: RunResult, effects: ReadonlyArray<(typeof EFFECTS)[number]>, t: Theme): string {
  const sum = (f: (s: StageResult) => number) => result.stages.reduce((n, s) => n + f(s), 0)
  const dry = result.dryRun
  const processed = sum((s) => s.processed)
  const tasks = result.tasksProcessed
  const moved = sum((s) => Object.values(s.moved).reduce((a, b) => a + b, 0))
  const failed = sum((s) => s.failed)
  const stayed = sum((s) => s.stayed)
  const stagesRun = result.stages.filter((s) => s.processed > 0).length
  const counts =
    stagesRun > 1
      ? `${moved} move${moved === 1 ? '' : 's'}${dry ? ' decided' : ''}, ${stayed} ${dry ? 'would stay' : 'stayed'}, ${failed} failed`
      : `${moved} ${dry ? 'would move' : 'moved'}, ${stayed} ${dry ? 'would stay' : 'stayed'}, ${failed} failed`
  const effectText = effects.map((e) => (dry ? e.dryWhat : e.what)(sum((s) => s[e.key]))).join(', ')
  const what = `${tasks} task${tasks === 1 ? '' : 's'} ${dry ? 'decided' : 'processed'}${stagesRun > 1 ? ` in ${stagesRun} stages` : ''}: ${counts}${effectText ? `; ${effectText}` : ''} in ${formatDuration(result.durationMs)}`
  const notRun = result.stages
    .filter((s) => s.interrupted && s.processed === 0)
    .map((s) => `"${terminalText(s.title)}"`)
  if (result.interrupted) {
    const rest = notRun.length > 0 ? ` ${notRun.join(', ')} did not run.` : ''
    return `${t.warn('■')} Interrupted after ${what}. Decisions already made were applied; run again to finish the rest.${rest}`
  }
  if (failed > 0) return `${t.error('✖')} ${what}.`
  if (processed === 0)
    return `${t.ok('✔')} Nothing to do: no tasks waiting in ${result.stages.length === 1 ? 'the agent stage' : 'the agent stages'} (${formatDuration(result.durationMs)}).`
  return `${t.ok('✔')} ${what}.`
}
