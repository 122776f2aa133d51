import type { Redis } from 'ioredis'
import type { QueueTaskStatus } from './executor.js'
import type { TaskCompletionResult, TaskSpec } from './spec.js'

/**
 * How encord-agents lays out its data in Redis. Every key starts with `encord-agents:` (BullMQ's
 * prefix), so one Redis can be shared with other applications:
 * - one BullMQ queue per agent stage: `encord-agents:<projectHash>.<stageUuid>:*`, one job per task
 *   (job id = task UUID, so a task is never queued twice);
 * - `encord-agents:registry`: the stages queues exist for (what `queue status` lists);
 * - `encord-agents:journal:<projectHash>:<stageUuid>:<taskUuid>`: the effect journal (expires).
 */
export const QUEUE_PREFIX = 'encord-agents'

/** The BullMQ queue of an agent stage (BullMQ forbids `:` in names; UUIDs and hashes have none). */
export function queueName(projectHash: string, stageUuid: string): string {
  return `${projectHash}.${stageUuid}`
}

/** The journal namespace of an agent stage. */
export function journalNamespace(projectHash: string, stageUuid: string): string {
  return `${projectHash}:${stageUuid}`
}

const REGISTRY_KEY = `${QUEUE_PREFIX}:registry`

/** A stage that has a queue. */
export interface RegisteredStage {
  projectHash: string
  projectTitle: string
  stageUuid: string
  stageTitle: string
  queue: string
}

/** Remember stages that have queues (enqueue and worker do it), for `queue status` and `retry-failed`. */
export async function registerStages(redis: Redis, stages: RegisteredStage[]): Promise<void> {
  if (stages.length === 0) return
  await redis.hset(REGISTRY_KEY, Object.fromEntries(stages.map((s) => [s.queue, JSON.stringify(s)])))
}

/** The registered stages (of one project when given), sorted by project then stage title. */
export async function registeredStages(redis: Redis, projectHash?: string): Promise<RegisteredStage[]> {
  const all = await redis.hgetall(REGISTRY_KEY)
  const stages: RegisteredStage[] = []
  for (const value of Object.values(all)) {
    try {
      const stage = JSON.parse(value) as RegisteredStage
      if (projectHash === undefined || stage.projectHash === projectHash) stages.push(stage)
    } catch {
      // A foreign or damaged entry: not ours to show.
    }
  }
  return stages.sort((a, b) => a.projectHash.localeCompare(b.projectHash) || a.stageTitle.localeCompare(b.stageTitle))
}

/** A job's data: which stage, and the task spec (Python's AgentTaskConfig fields). */
export interface TaskJobData {
  projectHash: string
  stageUuid: string
  stageTitle: string
  task: TaskSpec
}

/** What a completed job keeps as its return value. */
export interface TaskJobResult extends TaskCompletionResult {
  status: QueueTaskStatus
  /** The pathway's name (for people reading `queue status` or a dashboard). */
  pathway_name: string | null
  /** The decision was finished from the journal (a redelivery); the handler did not run again. */
  replayed: boolean
}
