import { fail } from '../shared/error-catalogue/index.js'
import type { Redis } from 'ioredis'
import { QUEUE_PREFIX, registeredStages, type RegisteredStage, type TaskJobData } from './names.js'
import { loadBullmq } from './redis.js'

/** Job counts of one stage's queue. */
export interface QueueCounts {
  /** Waiting to be picked up (prioritised included). */
  waiting: number
  /** Being handled by a worker now (or held by a dead worker until its lock expires). */
  active: number
  /** Failed attempts waiting for their retry (backoff). */
  delayed: number
  /** Done and kept for a while (24 h, 10,000 at most). */
  completed: number
  /** Failed for good; `queue retry-failed` queues them again. */
  failed: number
}

/** A failed job, with the error it keeps. */
export interface FailedJob {
  jobId: string
  taskUuid: string
  dataTitle: string
  attemptsMade: number
  error: string
  failedAt: string | null
  /** The worker (`host:pid`) that handled its last attempt. */
  processedBy: string | null
}

/** One stage in `queue status`. */
export interface QueueStageStatus extends RegisteredStage {
  counts: QueueCounts
  /** Workers connected to this queue now. */
  workers: number
  /** The most recent failed jobs (at most `failedLimit`). */
  failedJobs: FailedJob[]
}

/** What `queue status --json` prints. */
export interface QueueStatus {
  stages: QueueStageStatus[]
  totals: QueueCounts
}

/**
 * Counts per stage queue and the errors of failed jobs. Reads Redis only (no Encord call): the stages
 * are those `enqueue` or `worker` registered, of one project or of all.
 */
export async function queueStatus(
  redis: Redis,
  options: { projectHash?: string; failedLimit?: number } = {},
): Promise<QueueStatus> {
  const { Queue } = await loadBullmq()
  const stages = await registeredStages(redis, options.projectHash)
  const limit = options.failedLimit ?? 20
  const out: QueueStageStatus[] = []
  const totals: QueueCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }
  for (const stage of stages) {
    const queue = new Queue<TaskJobData>(stage.queue, { connection: redis, prefix: QUEUE_PREFIX })
    try {
      const raw = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed')
      const counts: QueueCounts = {
        waiting: (raw.waiting ?? 0) + (raw.prioritized ?? 0),
        active: raw.active ?? 0,
        delayed: raw.delayed ?? 0,
        completed: raw.completed ?? 0,
        failed: raw.failed ?? 0,
      }
      for (const key of Object.keys(totals) as Array<keyof QueueCounts>) totals[key] += counts[key]
      const failed = limit > 0 ? await queue.getFailed(0, limit - 1) : []
      out.push({
        ...stage,
        counts,
        workers: await queue.getWorkersCount(),
        failedJobs: failed
          .filter((job) => job !== undefined && job !== null)
          .map((job) => ({
            jobId: job.id ?? '',
            taskUuid: job.data?.task?.uuid ?? job.id ?? '',
            dataTitle: job.data?.task?.data_title ?? '',
            attemptsMade: job.attemptsMade,
            error: job.failedReason ?? '',
            failedAt: job.finishedOn !== undefined ? new Date(job.finishedOn).toISOString() : null,
            processedBy: job.processedBy ?? null,
          })),
      })
    } finally {
      await queue.close()
    }
  }
  return { stages: out, totals }
}

/** One stage in `queue retry-failed`. */
export interface RetriedStage extends RegisteredStage {
  retried: number
}

/** What `queue retry-failed --json` prints. */
export interface RetryFailedResult {
  stages: RetriedStage[]
  retried: number
}

/**
 * Queue failed jobs again, with their attempts reset (each gets the full number of attempts again).
 * Their decisions, if any were recorded, are finished from the journal rather than decided again.
 * `stage` (a title or UUID) limits it to one stage.
 */
export async function retryFailed(
  redis: Redis,
  options: { projectHash?: string; stage?: string } = {},
): Promise<RetryFailedResult> {
  const { Queue } = await loadBullmq()
  let stages = await registeredStages(redis, options.projectHash)
  if (options.stage !== undefined) {
    const wanted = options.stage.toLowerCase()
    const known = stages
    stages = stages.filter((s) => s.stageUuid.toLowerCase() === wanted || s.stageTitle.toLowerCase() === wanted)
    if (stages.length === 0) {
      throw fail('StageNotQueued', {
        stage: JSON.stringify(options.stage),
        queued: known.map((s) => `"${s.stageTitle}" (${s.stageUuid})`),
      })
    }
  }
  const out: RetriedStage[] = []
  for (const stage of stages) {
    const queue = new Queue<TaskJobData>(stage.queue, { connection: redis, prefix: QUEUE_PREFIX })
    let retried = 0
    try {
      // Page from the start each time: retried jobs leave the failed set.
      for (;;) {
        const jobs = (await queue.getFailed(0, 99)).filter((job) => job !== undefined && job !== null)
        if (jobs.length === 0) break
        let progressed = 0
        for (const job of jobs) {
          try {
            await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
            retried++
            progressed++
          } catch {
            // Retried or removed by someone else meanwhile.
          }
        }
        if (progressed === 0) break
      }
    } finally {
      await queue.close()
    }
    out.push({ ...stage, retried })
  }
  return { stages: out, retried: out.reduce((n, s) => n + s.retried, 0) }
}
