import { z } from 'zod'
import type { UserValidateHook } from '../runner/validate.js'
import { nonEmpty, optionDocs, RunOptionsSchema, TaskFiltersSchema, WrittenRunOptionsSchema } from './options.js'

/**
 * The config file's schema. Strict everywhere: an unknown option is an error (usually a typo), never
 * silently ignored. The `run` block is declared in `options.ts`; the user-facing types (`define.ts`)
 * are inferred from here, with the TSDoc written on each field.
 */

function doc<T extends z.ZodType>(schema: T, meta: { summary: string; type?: string; default?: string }): T {
  optionDocs.add(schema, meta)
  return schema
}

export { RunOptionsSchema, TaskFiltersSchema }

/** One agent: which stage it serves and the module holding its `defineAgent(...)`. */
export const AgentEntrySchema = z.strictObject({
  /**
   * The workflow stage this agent serves: its title (e.g. `"Agent 1"`) or its UUID. It must be an agent stage.
   * @default the `stage` given to the handler's `defineAgent` (one of the two is required)
   */
  stage: doc(nonEmpty().optional(), {
    summary: "agent stage title or UUID; may be left out when the handler's `defineAgent` has `stage`",
    default: "`defineAgent`'s `stage`",
  }),
  /**
   * Module whose default export is `defineAgent({ handler })`, relative to this config file
   * (e.g. `"./agents/pre-label.ts"`). `.ts` works without a build step.
   */
  handler: doc(nonEmpty(), {
    summary: 'module whose default export is `defineAgent(...)`, relative to the config',
    type: 'path',
  }),
  /**
   * Replace an agent declared earlier for the same stage (keeping that one's position in the order)
   * instead of failing with a duplicate-stage error.
   * @default false
   */
  overwrite: doc(z.boolean().optional(), {
    summary: 'replace an earlier agent of the same stage, keeping its position',
    default: '`false`',
  }),
})

const FunctionSchema = z.custom<UserValidateHook>((v) => typeof v === 'function', { message: 'expected a function' })

export const ConfigSchema = z.strictObject({
  /** The Encord project's hash. `--project-hash` and `ENCORD_PROJECT_HASH` override it. @default none (then a flag or env var is required) */
  projectHash: doc(nonEmpty().optional(), {
    summary: 'the project; `--project-hash` / `ENCORD_PROJECT_HASH` override it',
  }),
  /**
   * Run against the built-in local Encord emulator serving this fixture file (relative to this config)
   * instead of Encord. `--local` overrides it. Leave it out for the real Encord.
   * @default none: talk to Encord
   */
  local: doc(nonEmpty().optional(), {
    summary: 'serve this fixture with the local emulator instead of Encord (relative to the config)',
    type: 'path',
  }),
  /** The agents, run stage after stage in this order. */
  agents: z.array(AgentEntrySchema).min(1, { message: 'declare at least one agent: agents: [{ stage, handler }]' }),
  /** Run options; flags of the same name win. @default see each option */
  run: WrittenRunOptionsSchema.optional(),
  /**
   * Your own checks, run after the built-in validation and before anything is moved (a run may already
   * be reading its first stage's first tasks meanwhile: read-only). It gets the project, its ontology and
   * workflow, the agents and the client. Throw (or reject), or return a message or a list of messages, to
   * stop the run with exit code 2.
   * @default none
   */
  validate: doc(FunctionSchema.optional(), {
    summary: 'your checks before anything runs: throw or return messages to stop with exit 2',
    type: '`(ctx) => …`',
  }),
})

/** Every option name at each level, for "did you mean" on unknown options. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(ConfigSchema.shape),
  agents: Object.keys(AgentEntrySchema.shape),
  run: Object.keys(RunOptionsSchema.shape),
  'run.filters': Object.keys(TaskFiltersSchema.shape),
}
