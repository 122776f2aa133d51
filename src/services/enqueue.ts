import Table from 'cli-table3'
import { enqueueTasks, type EnqueuePass, type EnqueueResult } from '../queue/enqueue.js'
import { redact } from '../ui/redact.js'
import { terminalText } from '../ui/terminal-text.js'
import { stdoutTheme, type Theme } from '../ui/theme.js'
import { openQueueSession, type QueueSessionOptions } from './queue-session.js'

export interface EnqueueServiceOptions extends QueueSessionOptions {
  /**
   * Keep polling, every `refreshEvery` seconds (flag, else config), else every {@link DEFAULT_WATCH_SECONDS}.
   * The options used: `refreshEvery`, `numRetries` (job attempts = numRetries + 1) and `filters`.
   */
  watch?: boolean
  signal?: AbortSignal
  onPass?: (pass: EnqueuePass) => void
  /** Called once the session is open (for a "connected" line). */
  onReady?: (info: { projectHash: string; projectTitle: string; redis: string; stages: string[] }) => void
}

/** What `enqueue --json` prints. */
export type EnqueueCommandResult = EnqueueResult & { redis: string; watch: boolean }

/** Seconds between passes of `enqueue --watch` when the config says nothing. */
export const DEFAULT_WATCH_SECONDS = 60

/**
 * `encord-agents enqueue`: validate the config's agents against the project, then add one job per
 * pending task of each agent stage (never twice for the same task); with `watch`, again every
 * `refreshEvery` seconds until stopped.
 */
export async function runEnqueue(options: EnqueueServiceOptions): Promise<EnqueueCommandResult> {
  const session = await openQueueSession(options)
  try {
    const { numRetries, refreshEvery, filters: f = {} } = session.settings
    options.onReady?.({
      projectHash: session.projectHash,
      projectTitle: session.project.title,
      redis: session.redisShown,
      stages: session.bindings.map((b) => b.stage.title),
    })
    const result = await enqueueTasks({
      redis: session.redis,
      client: session.client,
      project: session.project,
      bindings: session.bindings,
      attempts: numRetries + 1,
      filters: {
        dataTitleContains: f.dataTitleContains,
        dataHashes: f.dataHashes,
        statuses: f.statuses,
        userEmails: f.assignees,
      },
      watchEverySeconds: options.watch === true ? (refreshEvery ?? DEFAULT_WATCH_SECONDS) : undefined,
      signal: options.signal,
      onPass: options.onPass,
    })
    return { ...result, redis: session.redisShown, watch: options.watch === true }
  } finally {
    await session.close()
  }
}

/** One line per stage of a pass (`enqueue --watch` prints one block per pass). */
export function formatEnqueuePass(pass: EnqueuePass, t: Theme = stdoutTheme): string {
  return redact(
    pass.stages
      .map(
        (s) =>
          `${t.dim(`pass ${pass.pass}`)} ${terminalText(s.title)}: ${s.pending} pending, ${t.ok(`${s.added} added`)}, ${s.requeued} re-queued, ${s.alreadyQueued} already queued`,
      )
      .join('\n'),
  )
}

/** The human summary of `enqueue`. */
export function formatEnqueueResult(result: EnqueueCommandResult, t: Theme = stdoutTheme): string {
  const rows = new Table({
    head: ['Stage', 'Pending', 'Added', 'Re-queued', 'Already queued'].map((h) => t.bold(h)),
    style: { head: [], border: [] },
  })
  for (const s of result.stages)
    rows.push([terminalText(s.title), String(s.pending), String(s.added), String(s.requeued), String(s.alreadyQueued)])
  const added = result.stages.reduce((n, s) => n + s.added + s.requeued, 0)
  const lines = [
    rows.toString(),
    '',
    `${t.ok('✔')} ${added} job${added === 1 ? '' : 's'} added on ${result.redis}${result.passes > 1 ? ` over ${result.passes} passes` : ''}. Start workers with \`encord-agents worker\`; follow them with \`encord-agents queue status\`.`,
  ]
  return redact(lines.join('\n'))
}
