import type { z } from 'zod'
import type { UserValidateHook, ValidateContext } from '../runner/validate.js'
import type { RunOptionsConfig, TaskFiltersConfig } from './options.js'
import type { AgentEntrySchema, ConfigSchema } from './schema.js'

/**
 * The config file's types, as users write them (`encord-agents.config.ts`). They are inferred from the
 * schema (`schema.ts`, and `options.ts` for the `run` block), whose fields carry the TSDoc editors
 * show; defaults are filled in when a run resolves them (`resolve.ts`).
 */

export type { RunOptionsConfig, TaskFiltersConfig }

/** One agent: which stage it serves and the module holding its `defineAgent(...)`. */
export type AgentConfig = z.input<typeof AgentEntrySchema>

/**
 * Your own checks, run after the built-in validation and before anything is moved (a run may already
 * be reading its first stage's first tasks meanwhile: read-only). It gets the project, its ontology and
 * workflow, the agents and the client. Throw (or reject), or return a message or a list of messages, to
 * stop the run with exit code 2.
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
export type EncordAgentsConfig = z.input<typeof ConfigSchema>

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
