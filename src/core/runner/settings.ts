import type { EncordApi } from '../../encord/types.js'
import { UserError } from '../../shared/errors.js'
import type { EffectJournal } from '../journal.js'
import { DEFAULT_RUN_SETTINGS, type RunSettings } from '../types.js'
import type { RunEvent } from './events.js'

/** What `Runner.run` takes: run settings (over the runner's own) plus where and how to run. */
export interface RunOptions extends Partial<RunSettings> {
  /** The Encord client. @default one built from the environment (ENCORD_SSH_KEY..., ENCORD_DOMAIN) */
  client?: EncordApi
  /** @default the Runner's projectHash, then ENCORD_PROJECT_HASH */
  projectHash?: string
  /**
   * Stop the run: no more tasks are listed or started, running handlers finish, every decision made
   * is flushed, and the result says `interrupted: true`. The CLI aborts it on SIGINT.
   */
  signal?: AbortSignal
  /** Progress events (see RunEvent). Exceptions thrown by the listener are ignored. */
  onEvent?: (event: RunEvent) => void
  /** First delay between retries of a task (doubles each retry, with jitter). @default 1000 */
  retryDelayMs?: number
  /** Longest delay between retries. @default 30000 */
  maxRetryDelayMs?: number
  /**
   * Tasks whose data (label rows, storage items...) is loaded together, in one set of bulk requests;
   * at least `taskBatchSize`. Decisions are still flushed per batch. Larger windows make fewer
   * requests; smaller ones load data closer to the moment the handler reads it.
   * @default 200
   */
  loadWindow?: number
  /** Skip the validation before running (it is done by the caller). @default false */
  skipValidation?: boolean
  /**
   * Write-ahead journal of decisions, so a run killed between a handler's decision and its effects
   * (SIGKILL, OOM, power loss) is finished by the next run without calling those handlers again and
   * without applying anything twice. `true`: `.encord-agents/journal/<projectHash>.jsonl` under
   * `journalDir`; a string: that file (relative to `journalDir`); or any {@link EffectJournal}
   * (left open). Not used in a dry run. The CLI turns it on by default (`run.journal` in the config).
   * @default false
   */
  journal?: boolean | string | EffectJournal
  /** Where a relative (or the default) journal path is resolved. @default process.cwd() */
  journalDir?: string
}

/**
 * Merge settings (later wins, undefined ignored) and check them: every bad value is reported at once,
 * as a UserError (exit 2), before anything is fetched. Zero or negative sizes are refused rather than
 * silently processing nothing (the Python Runner's behaviour).
 */
export function resolveRunSettings(...layers: Array<Partial<RunSettings> | undefined>): RunSettings {
  const merged: RunSettings = { ...DEFAULT_RUN_SETTINGS }
  for (const layer of layers) {
    if (layer === undefined) continue
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value
    }
  }
  const problems: string[] = []
  const positiveInt = (name: keyof RunSettings, value: unknown, optional: boolean): void => {
    if (value === undefined && optional) return
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push(`${name} must be a whole number of at least 1 (got ${JSON.stringify(value)}).`)
    }
  }
  positiveInt('taskBatchSize', merged.taskBatchSize, false)
  positiveInt('concurrency', merged.concurrency, false)
  positiveInt('maxTasksPerStage', merged.maxTasksPerStage, true)
  if (typeof merged.numRetries !== 'number' || !Number.isInteger(merged.numRetries) || merged.numRetries < 0) {
    problems.push(`numRetries must be a whole number of 0 or more (got ${JSON.stringify(merged.numRetries)}); 0 means one attempt, no retry.`)
  }
  for (const name of ['refreshEvery', 'taskTimeout'] as const) {
    const value = merged[name]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      problems.push(`${name} must be a positive number (got ${JSON.stringify(value)}).`)
    }
  }
  if (typeof merged.dryRun !== 'boolean') problems.push(`dryRun must be true or false (got ${JSON.stringify(merged.dryRun)}).`)
  const filters = merged.filters
  if (filters !== undefined) {
    if (filters === null || typeof filters !== 'object') problems.push('filters must be an object.')
    else {
      if (filters.dataTitleContains !== undefined && typeof filters.dataTitleContains !== 'string') problems.push('filters.dataTitleContains must be a string.')
      for (const key of ['dataHashes', 'assignees', 'statuses'] as const) {
        const list = filters[key]
        if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))) problems.push(`filters.${key} must be a list of strings.`)
      }
    }
  }
  if (problems.length > 0) {
    throw new UserError('InvalidRunSettings', `Invalid run settings:\n  ${problems.join('\n  ')}`, {
      hint: 'Fix the `run` block of the config or the matching flags (--task-batch-size, --concurrency, --num-retries, ...).',
      data: { problems },
    })
  }
  return merged
}
