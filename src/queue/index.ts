/**
 * Scaling out: the queue-agnostic `QueueRunner` (task specs and completion results as JSON, for any
 * queue) and the effect journal that makes redelivered tasks safe. The BullMQ producer and workers
 * are the `enqueue` and `worker` commands; they load bullmq and ioredis only when they run.
 */
export {
  QueueRunner,
  type QueueRunnerOptions,
  type QueueAgentStage,
  type WrappedHandler,
  type WrappedCallOptions,
} from './queue-runner.js'
export { parseTaskSpec, serializeTaskSpec, taskSpecOf, type TaskSpec, type TaskCompletionResult } from './spec.js'
export type { TaskReport, QueueTaskStatus } from './executor.js'
export { RedisEffectJournal, JOURNAL_TTL_SECONDS } from './redis-journal.js'
export { MemoryEffectJournal, type EffectJournal, type JournalDecision, type JournalEntry } from '../core/journal.js'
