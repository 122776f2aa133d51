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
  /** Tasks moved, by pathway name. */
  moved: Record<string, number>
  /** Tasks the handler left in the stage (returned nothing). */
  stayed: number
  /** Tasks that failed after all retries (left in the stage, or sent to `onFailure`). */
  failed: number
  /**
   * Of the processed tasks, those whose decision came from the run journal: an earlier run decided
   * them and stopped (crash, kill) before applying everything; their handler was not called again.
   * Absent when none.
   */
  replayed?: number
  /** One entry per failed task (and per stale task that could not be moved). */
  errors: Array<{ taskUuid: string; dataTitle?: string; code: string; message: string }>
}

/** What `run` returns, and `run --json` prints. */
export interface RunResult {
  /** True when no task failed and the run was not interrupted. */
  ok: boolean
  projectHash: string
  durationMs: number
  dryRun: boolean
  interrupted: boolean
  stages: StageResult[]
}

// Declared once with the other run options (src/core/config/options.ts).
export { DEFAULT_RUN_SETTINGS, type RunSettings } from './config/options.js'
