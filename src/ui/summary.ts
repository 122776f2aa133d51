import Table from 'cli-table3'
import type { RunResult, StageResult } from '../core/types.js'
import { redact } from './redact.js'
import { terminalText, TEXT_WIDTH } from './terminal-text.js'
import { theme, type Theme } from './theme.js'

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
 * `stage / data title (task uuid): code: message` of a failed task (run and worker summaries), with the
 * server's strings made printable: titles and messages come from Encord, a fixture or a handler.
 */
export function failedTaskLine(stage: string, dataTitle: string | undefined, taskUuid: string, code: string, message: string, t: Theme): string {
  return `${terminalText(stage)} / ${terminalText(dataTitle || taskUuid)} ${t.dim(`(${taskUuid})`)}: ${terminalText(code)}: ${terminalText(message, TEXT_WIDTH, 'end')}`
}

/**
 * The end-of-run summary: one row per stage (processed, moved per pathway, stayed, failed), the failed
 * tasks (up to 20) with their reason, and a closing line (time, dry run, interrupted).
 */
export function formatRunSummary(result: RunResult, t: Theme = theme): string {
  const out: string[] = []
  const rows = summaryTable(STAGE_COLUMNS, t)
  for (const s of result.stages) rows.push(stageCells(s, t))
  out.push(rows.toString())

  const errors = result.stages.flatMap((s) => s.errors.map((e) => ({ stage: s.title, ...e })))
  if (errors.length > 0) {
    out.push('', t.bold(`Failed tasks (${errors.length}):`))
    for (const e of errors.slice(0, 20)) {
      out.push(`  ${t.error('✖')} ${failedTaskLine(e.stage, e.dataTitle, e.taskUuid, e.code, e.message, t)}`)
    }
    if (errors.length > 20) out.push(t.dim(`  ... and ${errors.length - 20} more (see --json for all)`))
  }

  const processed = result.stages.reduce((n, s) => n + s.processed, 0)
  const moved = result.stages.reduce((n, s) => n + Object.values(s.moved).reduce((a, b) => a + b, 0), 0)
  const failed = result.stages.reduce((n, s) => n + s.failed, 0)
  const stayed = result.stages.reduce((n, s) => n + s.stayed, 0)
  const what = `${processed} task${processed === 1 ? '' : 's'} processed: ${moved} moved, ${stayed} stayed, ${failed} failed in ${formatDuration(result.durationMs)}`
  out.push('')
  if (result.interrupted) out.push(`${t.warn('■')} Interrupted after ${what}. Decisions already made were applied; run again to finish the rest.`)
  else if (failed > 0) out.push(`${t.error('✖')} ${what}.`)
  else if (processed === 0) out.push(`${t.ok('✔')} Nothing to do: no tasks waiting in ${result.stages.length === 1 ? 'the agent stage' : 'the agent stages'} (${formatDuration(result.durationMs)}).`)
  else out.push(`${t.ok('✔')} ${what}.`)
  const replayed = result.stages.reduce((n, s) => n + (s.replayed ?? 0), 0)
  if (replayed > 0) {
    out.push(
      t.dim(`${replayed} of them ${replayed === 1 ? 'was' : 'were'} finished from the run journal: decided by an earlier run that stopped before applying everything; their handlers did not run again.`),
    )
  }
  if (result.dryRun) out.push(t.warn('Dry run: nothing was moved or saved.'))
  return redact(out.join('\n'))
}
