import { retryFailed, type RetryFailedResult } from '../queue/status.js'
import { redact } from '../ui/redact.js'
import { stdoutTheme, type Theme } from '../ui/theme.js'
import { readQueues, type RedisOnlyOptions } from './queue-session.js'

export interface QueueRetryServiceOptions extends RedisOnlyOptions {
  /** Only this stage (title or UUID). */
  stage?: string
}

/** What `queue retry-failed --json` prints. */
export type QueueRetryResult = RetryFailedResult & { redis: string; projectHash: string | null }

/** `encord-agents queue retry-failed`: queue failed jobs again with fresh attempts (Redis only). */
export function runQueueRetry(options: QueueRetryServiceOptions): Promise<QueueRetryResult> {
  return readQueues(options, (redis, projectHash) => retryFailed(redis, { projectHash, stage: options.stage }))
}

export function formatQueueRetry(result: QueueRetryResult, t: Theme = stdoutTheme): string {
  const lines = result.stages.map(
    (s) => `  ${s.stageTitle}: ${s.retried} job${s.retried === 1 ? '' : 's'} queued again`,
  )
  lines.push(
    result.retried === 0
      ? `${t.ok('✔')} No failed jobs on ${result.redis}.`
      : `${t.ok('✔')} ${result.retried} failed job${result.retried === 1 ? '' : 's'} queued again with fresh attempts; running workers pick them up.`,
  )
  return redact(lines.join('\n'))
}
