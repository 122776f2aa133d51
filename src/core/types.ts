/**
 * Shapes shared by the config loader, the runner and the CLI. `RunResult` is public API: it is what
 * `encord-agents run --json` prints.
 */

/** Per-stage outcome of a run. */
export interface StageResult {
  uuid: string
  title: string
  /** Tasks whose handler was called and finished (moved, stayed or failed). */
  processed: number
  /** Tasks moved, by pathway name (in a dry run: the moves decided, none applied). */
  moved: Record<string, number>
  /** Tasks the handler left in the stage (returned nothing). */
  stayed: number
  /** Tasks that failed after all retries (left in the stage, or sent to `onFailure`). */
  failed: number
  /** Label rows saved (each row once per flush; unchanged rows are not sent). In a dry run: would be saved. */
  saved: number
  /** Task priorities set. In a dry run: would be set. */
  priorities: number
  /** Storage items updated. In a dry run: would be updated. */
  storageUpdated: number
  /**
   * The run was stopped (Ctrl-C, `signal`) before this stage was done: it was cut short, or never
   * started; its remaining tasks are left for the next run.
   */
  interrupted: boolean
  /**
   * Of the processed tasks, those whose decision came from the run journal: an earlier run decided
   * them and stopped (crash, kill) before applying everything; their handler was not called again.
   * Absent when none.
   */
  replayed?: number
  /**
   * One entry per failed task (and per stale task that could not be moved). `at` is where the user's
   * code threw (`agent.ts:12:9`), `stack` the user-code stack; see TaskErrorReport.
   */
  errors: Array<{ taskUuid: string; dataTitle?: string; code: string; message: string; at?: string; stack?: string[] }>
}

/** What `run` returns, and `run --json` prints. */
export interface RunResult {
  /** True when no task failed and the run was not interrupted. */
  ok: boolean
  projectHash: string
  durationMs: number
  dryRun: boolean
  interrupted: boolean
  /**
   * Tasks processed, each counted once: a task that one stage moves into the next agent stage (or
   * that a later `refreshEvery` pass handles again) is one task here and one `processed` in each stage.
   */
  tasksProcessed: number
  stages: StageResult[]
}

// Declared once with the other run options (src/core/config/options.ts).
export { DEFAULT_RUN_SETTINGS, type RunSettings } from './config/options.js'
