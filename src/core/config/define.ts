import type { UserValidateHook, ValidateContext } from '../runner/validate.js'

/**
 * The config file's types, as users write them (`encord-agents.config.ts`). Defaults are filled in
 * later (`resolve.ts`); this is the user-facing shape and its documentation.
 */

/** Task filters passed to the task listing of every agent stage. */
export interface TaskFiltersConfig {
  /** Only tasks whose data title contains this text. @default no filter */
  dataTitleContains?: string
  /** Only tasks of these data hashes. @default no filter */
  dataHashes?: string[]
  /** Only tasks assigned to these emails. @default no filter */
  assignees?: string[]
  /** Only tasks with these statuses (`NEW`, `ASSIGNED`, `RELEASED`, `SKIPPED`, `REOPENED`, `COMPLETED`). @default no filter */
  statuses?: string[]
}

/** How agents run. Each option has a flag of the same name (`--task-batch-size`, ...) that wins over it. */
export interface RunOptionsConfig {
  /**
   * Tasks fetched, decided and flushed (moved, saved) together. Data a handler declares (label rows,
   * storage items) is loaded once per batch. Python: `task_batch_size`.
   * @default 300
   */
  taskBatchSize?: number
  /** Stop each stage after exactly this many tasks. Python: `max_tasks_per_stage`. @default no limit */
  maxTasksPerStage?: number
  /**
   * Retries (with backoff) of a handler or dependency that throws, before the task fails. A failed task
   * stays in its stage, or goes to the agent's `onFailure` pathway. Python: `num_retries`.
   * @default 3
   */
  numRetries?: number
  /** Keep polling: after a pass over all stages, wait this many seconds and run again, until stopped. Python: `refresh_every`. @default run once */
  refreshEvery?: number
  /** Handlers running at once per stage. 1 processes one task at a time, like the Python Runner. @default 1 */
  concurrency?: number
  /** Decide and report what would happen; move, save and prioritise nothing. @default false */
  dryRun?: boolean
  /** Fail a task whose handler (with its dependencies) takes longer than this many milliseconds. @default no timeout */
  taskTimeout?: number
  /** Only process tasks that match these filters. @default all tasks of the stage */
  filters?: TaskFiltersConfig
  /**
   * The write-ahead run journal. Each decision is written to it (and fsync'ed) before its labels are
   * saved or its task is moved, so a run that is killed (SIGKILL, OOM, a reboot) is finished by the
   * next run without calling those handlers again and without saving or moving anything twice. `true`
   * keeps it in `.encord-agents/journal/<projectHash>.jsonl` next to this config; a path (relative to
   * this config) puts it there; `false` turns it off. Removed when a run ends with nothing left in it.
   * Not used in a dry run. Flag: `--no-journal`.
   * @default true
   */
  journal?: boolean | string
}

/** One agent: which stage it serves and the module holding its `defineAgent(...)`. */
export interface AgentConfig {
  /** The workflow stage this agent serves: its title (e.g. `"Agent 1"`) or its UUID. It must be an agent stage. */
  stage: string
  /**
   * Module whose default export is `defineAgent({ handler })`, relative to this config file
   * (e.g. `"./agents/pre-label.ts"`). `.ts` works without a build step.
   */
  handler: string
  /**
   * Replace an agent declared earlier for the same stage (keeping that one's position in the order)
   * instead of failing with a duplicate-stage error.
   * @default false
   */
  overwrite?: boolean
}

/**
 * Your own checks, run after the built-in validation and before anything is fetched or moved. It gets
 * the project, its ontology and workflow, the agents and the client. Throw (or reject), or return a
 * message or a list of messages, to stop the run with exit code 2.
 */
export type ValidateHook = UserValidateHook
export type { ValidateContext }

/**
 * `encord-agents.config.ts`. Found by searching from the current directory up
 * (`encord-agents.config.{ts,mts,js,mjs,json}`, `.encord-agentsrc*`, or the `encord-agents` key of
 * `package.json`), or given with `--config FILE`.
 *
 * @example
 * ```ts
 * import { defineConfig } from 'encord-agents'
 *
 * export default defineConfig({
 *   projectHash: '00000000-0000-4000-8000-000000000000',
 *   agents: [{ stage: 'Pre-label', handler: './agents/pre-label.ts' }],
 *   run: { taskBatchSize: 100, numRetries: 2 },
 * })
 * ```
 */
export interface EncordAgentsConfig {
  /** The Encord project's hash. `--project-hash` and `ENCORD_PROJECT_HASH` override it. @default none (then a flag or env var is required) */
  projectHash?: string
  /**
   * Run against the built-in local Encord emulator serving this fixture file (relative to this config)
   * instead of Encord. `--local` overrides it. Leave it out for the real Encord.
   * @default none: talk to Encord
   */
  local?: string
  /** The agents, run stage after stage in this order. */
  agents: AgentConfig[]
  /** Run options; flags of the same name win. @default see each option */
  run?: RunOptionsConfig
  /** Extra checks before the run starts. @default none */
  validate?: ValidateHook
}

/**
 * Type your config file. Returns its argument unchanged: all the value is in the types and their docs.
 *
 * @example
 * ```ts
 * export default defineConfig({ agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })
 * ```
 * @see EncordAgentsConfig
 */
export function defineConfig(config: EncordAgentsConfig): EncordAgentsConfig {
  return config
}
