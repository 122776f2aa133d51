import type { JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'
import { sleep } from '../core/runner/backoff.js'
import type { ResolvedBinding } from '../core/runner/validate.js'
import type { EncordApi, Project, TaskFilters } from '../encord/types.js'
import { QUEUE_PREFIX, queueName, registerStages, type TaskJobData } from './names.js'
import { loadBullmq } from './redis.js'
import { taskSpecOf } from './spec.js'

/** Options of {@link enqueueTasks}. */
export interface EnqueueOptions {
  redis: Redis
  client: EncordApi
  project: Project
  bindings: readonly ResolvedBinding[]
  /** Attempts per job (the config's `numRetries` + 1). @default 4 */
  attempts?: number
  /** First retry delay of a failed job, doubled each retry. @default 1000 */
  backoffMs?: number
  /** Listing filters (the config's `run.filters`). */
  filters?: TaskFilters
  /** Keep polling every this many seconds until `signal` aborts. */
  watchEverySeconds?: number
  signal?: AbortSignal
  onPass?: (pass: EnqueuePass) => void
}

/** One stage of one pass. */
export interface EnqueueStageResult {
  uuid: string
  title: string
  /** The BullMQ queue (under the `encord-agents` prefix). */
  queue: string
  /** Tasks waiting in the stage. */
  pending: number
  /** Jobs added for tasks that had none. */
  added: number
  /** Tasks that already had a job (waiting, active, delayed or failed): nothing added. */
  alreadyQueued: number
  /** Tasks back in the stage whose earlier job had completed: queued again. */
  requeued: number
}

/** One pass over every stage. */
export interface EnqueuePass {
  pass: number
  stages: EnqueueStageResult[]
}

/** What `enqueue --json` prints (totals over every pass). */
export interface EnqueueResult {
  projectHash: string
  passes: number
  interrupted: boolean
  stages: EnqueueStageResult[]
}

/** How long completed jobs are kept (for `queue status`) before BullMQ removes them. */
const KEEP_COMPLETED = { age: 24 * 3600, count: 10_000 }
const CHUNK = 500

/**
 * Add one BullMQ job per pending task of every bound agent stage. The job id is the task UUID, so a
 * task that already has a job is not queued twice (also when two producers race: BullMQ ignores an
 * existing id). A task whose earlier job completed but which is in the stage again (it came back, or
 * its handler left it there) is queued again. With `watchEverySeconds`, pass after pass until `signal`
 * aborts.
 */
export async function enqueueTasks(options: EnqueueOptions): Promise<EnqueueResult> {
  const { Queue } = await loadBullmq()
  const { project, redis } = options
  await registerStages(
    redis,
    options.bindings.map((b) => ({
      projectHash: project.projectHash,
      projectTitle: project.title,
      stageUuid: b.stage.uuid,
      stageTitle: b.stage.title,
      queue: queueName(project.projectHash, b.stage.uuid),
    })),
  )
  const queues = options.bindings.map((b) => ({
    binding: b,
    queue: new Queue<TaskJobData>(queueName(project.projectHash, b.stage.uuid), {
      connection: redis,
      prefix: QUEUE_PREFIX,
    }),
  }))
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 4,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  }
  const totals = new Map<string, EnqueueStageResult>()
  let passes = 0
  try {
    for (;;) {
      passes++
      const stages: EnqueueStageResult[] = []
      for (const { binding, queue } of queues) {
        if (options.signal?.aborted === true) break
        const stage = binding.stage
        const result: EnqueueStageResult = {
          uuid: stage.uuid,
          title: stage.title,
          queue: queue.name,
          pending: 0,
          added: 0,
          alreadyQueued: 0,
          requeued: 0,
        }
        let chunk: TaskJobData[] = []
        const flush = async (): Promise<void> => {
          if (chunk.length === 0) return
          const list = chunk
          chunk = []
          const states = await Promise.all(list.map((data) => queue.getJobState(data.task.uuid)))
          const toAdd: TaskJobData[] = []
          for (const [i, data] of list.entries()) {
            const state = states[i]
            if (state === 'unknown') {
              toAdd.push(data)
              result.added++
            } else if (state === 'completed') {
              // Done before, yet pending again: queue it again (the worker re-checks the live task).
              await queue.remove(data.task.uuid)
              toAdd.push(data)
              result.requeued++
            } else {
              result.alreadyQueued++
            }
          }
          if (toAdd.length > 0) {
            await queue.addBulk(
              toAdd.map((data) => ({
                name: data.task.data_title || data.task.uuid,
                data,
                opts: { ...jobOptions, jobId: data.task.uuid },
              })),
            )
          }
        }
        for await (const task of options.client.listTasks(project.projectHash, stage.uuid, options.filters)) {
          result.pending++
          chunk.push({
            projectHash: project.projectHash,
            stageUuid: stage.uuid,
            stageTitle: stage.title,
            task: taskSpecOf(task),
          })
          if (chunk.length >= CHUNK) await flush()
        }
        await flush()
        stages.push(result)
        const total = totals.get(stage.uuid)
        if (total === undefined) totals.set(stage.uuid, { ...result })
        else {
          total.pending = result.pending
          total.added += result.added
          total.alreadyQueued = result.alreadyQueued
          total.requeued += result.requeued
        }
      }
      options.onPass?.({ pass: passes, stages })
      if (options.watchEverySeconds === undefined || options.signal?.aborted === true) break
      if (!(await sleep(options.watchEverySeconds * 1000, options.signal))) break
    }
  } finally {
    await Promise.all(queues.map(({ queue }) => queue.close()))
  }
  return {
    projectHash: project.projectHash,
    passes,
    interrupted: options.signal?.aborted === true,
    stages: options.bindings.map(
      (b) =>
        totals.get(b.stage.uuid) ?? {
          uuid: b.stage.uuid,
          title: b.stage.title,
          queue: queueName(project.projectHash, b.stage.uuid),
          pending: 0,
          added: 0,
          alreadyQueued: 0,
          requeued: 0,
        },
    ),
  }
}
