import Table from 'cli-table3'
import { queueStatus, type QueueStatus } from '../queue/status.js'
import { redact } from '../ui/redact.js'
import { stdoutTheme, type Theme } from '../ui/theme.js'
import { readQueues, type RedisOnlyOptions } from './queue-session.js'

export interface QueueStatusServiceOptions extends RedisOnlyOptions {
  /** Failed jobs listed per stage. @default 20 */
  failedLimit?: number
}

/** What `queue status --json` prints. */
export type QueueStatusResult = QueueStatus & { redis: string; projectHash: string | null }

/** `encord-agents queue status`: counts per stage and the errors of failed jobs (Redis only). */
export function runQueueStatus(options: QueueStatusServiceOptions): Promise<QueueStatusResult> {
  return readQueues(options, (redis, projectHash) =>
    queueStatus(redis, { projectHash, failedLimit: options.failedLimit }),
  )
}

export function formatQueueStatus(result: QueueStatusResult, t: Theme = stdoutTheme): string {
  if (result.stages.length === 0) {
    return `Nothing queued on ${result.redis}${result.projectHash !== null ? ` for project ${result.projectHash}` : ''}. Queue tasks with \`encord-agents enqueue\`.`
  }
  const several = new Set(result.stages.map((s) => s.projectHash)).size > 1
  const rows = new Table({
    head: [
      ...(several ? ['Project'] : []),
      'Stage',
      'Waiting',
      'Active',
      'Delayed',
      'Completed',
      'Failed',
      'Workers',
    ].map((h) => t.bold(h)),
    style: { head: [], border: [] },
  })
  for (const s of result.stages) {
    const c = s.counts
    rows.push([
      ...(several ? [s.projectTitle] : []),
      s.stageTitle,
      String(c.waiting),
      String(c.active),
      String(c.delayed),
      String(c.completed),
      c.failed > 0 ? t.error(String(c.failed)) : '0',
      String(s.workers),
    ])
  }
  const out = [rows.toString()]
  const failed = result.stages.flatMap((s) => s.failedJobs.map((j) => ({ stage: s.stageTitle, ...j })))
  if (failed.length > 0) {
    out.push(
      '',
      t.bold(
        `Failed jobs (${result.totals.failed}${failed.length < result.totals.failed ? `, latest ${failed.length} shown` : ''}):`,
      ),
    )
    for (const j of failed)
      out.push(
        `  ${t.error('✖')} ${j.stage} / ${j.dataTitle || j.taskUuid} ${t.dim(`(${j.taskUuid}, ${j.attemptsMade} attempt${j.attemptsMade === 1 ? '' : 's'})`)}: ${j.error}`,
      )
    out.push('', `Queue them again with \`encord-agents queue retry-failed\`.`)
  }
  const busy = result.totals.waiting + result.totals.active + result.totals.delayed
  out.push(
    '',
    busy === 0
      ? `${t.ok('✔')} Queues are empty (${result.redis}).`
      : `${busy} job${busy === 1 ? '' : 's'} outstanding (${result.redis}).`,
  )
  return redact(out.join('\n'))
}
