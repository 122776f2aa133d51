import type { EncordApi } from '../../encord/types.js'
import type { EffectJournal } from '../journal.js'
import type { RunSettings } from '../types.js'
import type { RunEvent } from './events.js'

// Run settings are declared once (src/core/config/options.ts) and resolved by one function.
export { resolveRunSettings } from '../config/resolve.js'

/** What `Runner.run` (and `Runner.prepare`) takes: run settings (over the runner's own) plus where and how to run. */
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
  /** First delay between retries of a task (doubles each retry, with jitter), at most 2147483647. @default 1000 */
  retryDelayMs?: number
  /** Longest delay between retries, at most 2147483647. @default 30000 */
  maxRetryDelayMs?: number
  /**
   * Tasks whose data (label rows, storage items...) is loaded together, in one set of bulk requests;
   * at least `taskBatchSize`. Decisions are still flushed per batch. Larger windows make fewer
   * requests; smaller ones load data closer to the moment the handler reads it.
   * @default 200
   */
  loadWindow?: number
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
