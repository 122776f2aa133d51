import type { StageResult } from '../types.js'
import type { TaskErrorReport } from './errors.js'

/** The stage an event belongs to. */
export interface EventStage {
  uuid: string
  title: string
}

/** A task an event is about. */
export interface EventTask {
  uuid: string
  dataTitle: string
  dataHash: string
}

/**
 * What the runner reports while it works (`run({ onEvent })`). The CLI turns these into its progress
 * view (ui/run-progress.ts); the library ignores them unless asked. Events are informational: counts that matter are
 * in the RunResult.
 */
export type RunEvent =
  | { type: 'stageStarted'; stage: EventStage; agentLocation?: string }
  /**
   * The stage's task listing is complete: `total` tasks for this pass (after filters and
   * `maxTasksPerStage`). Progress shows a total and an ETA from here on; before, the total is unknown
   * (pages are listed lazily, while earlier tasks are already being handled).
   */
  | { type: 'stageListed'; stage: EventStage; total: number }
  /** A batch's tasks were listed and their data loaded; its handlers can start. */
  | { type: 'batchLoaded'; stage: EventStage; batch: number; tasks: number; durationMs: number }
  | { type: 'taskStarted'; stage: EventStage; task: EventTask; attempt: number }
  /**
   * The handler decided (the move and saves happen at the next flush; `dryRun` moves nothing).
   * `replayed`: the decision came from the run journal (an earlier run made it); no handler ran.
   */
  | {
      type: 'taskDone'
      stage: EventStage
      task: EventTask
      outcome: 'moved' | 'stayed'
      pathway?: string
      durationMs: number
      replayed?: boolean
      /** The try that decided (0 for the first); absent when replayed. */
      attempt?: number
    }
  /** The task failed after its retries, or its decision could not be applied at flush time. */
  | ({
      type: 'taskFailed'
      stage: EventStage
      task: EventTask
      onFailure?: string
      /** The last try (0 for the first) and the time from the first try on, when a handler failed. */
      attempt?: number
      durationMs?: number
    } & TaskErrorReport)
  | ({ type: 'taskRetry'; stage: EventStage; task: EventTask; attempt: number; delayMs: number } & TaskErrorReport)
  /** Decisions were applied: labels saved, storage items updated, priorities set, tasks moved (in a dry run: the counts that would have been). */
  | {
      type: 'flushed'
      stage: EventStage
      saved: number
      priorities: number
      storageUpdated: number
      moved: number
      stale: number
      failed: number
      dryRun: boolean
    }
  | { type: 'stageDone'; stage: EventStage; result: StageResult }
  /** `refreshEvery`: every stage is done, waiting before the next pass. */
  | { type: 'refreshWaiting'; seconds: number; pass: number }
  /** A log line from a handler or a dependency (`log.info(...)`). */
  | {
      type: 'log'
      level: 'debug' | 'info' | 'warn' | 'error'
      message: string
      stage?: EventStage
      task?: EventTask
      data?: Record<string, unknown>
    }

export type RunEventType = RunEvent['type']
