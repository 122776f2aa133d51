import { z } from 'zod'

/**
 * The config file's schema. Strict everywhere: an unknown option is an error (usually a typo), never
 * silently ignored. The TSDoc'd user-facing types live in `define.ts`; this file checks them at runtime.
 */

const NonEmpty = z.string().min(1, { message: 'must not be empty' })

export const TaskFiltersSchema = z.strictObject({
  dataTitleContains: NonEmpty.optional(),
  dataHashes: z.array(NonEmpty).optional(),
  assignees: z.array(NonEmpty).optional(),
  statuses: z.array(NonEmpty).optional(),
})

export const RunOptionsSchema = z.strictObject({
  taskBatchSize: z.int().min(1).optional(),
  maxTasksPerStage: z.int().min(1).optional(),
  numRetries: z.int().min(0).optional(),
  refreshEvery: z.number().positive().optional(),
  concurrency: z.int().min(1).optional(),
  dryRun: z.boolean().optional(),
  taskTimeout: z.int().min(1).optional(),
  filters: TaskFiltersSchema.optional(),
  journal: z.union([z.boolean(), NonEmpty]).optional(),
})

export const AgentEntrySchema = z.strictObject({
  stage: NonEmpty,
  handler: NonEmpty,
  overwrite: z.boolean().optional(),
})

const FunctionSchema = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'expected a function' })

export const ConfigSchema = z.strictObject({
  projectHash: NonEmpty.optional(),
  local: NonEmpty.optional(),
  agents: z.array(AgentEntrySchema).min(1, { message: 'declare at least one agent: agents: [{ stage, handler }]' }),
  run: RunOptionsSchema.optional(),
  validate: FunctionSchema.optional(),
})

/** Every option name at each level, for "did you mean" on unknown options. */
export const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(ConfigSchema.shape),
  agents: Object.keys(AgentEntrySchema.shape),
  run: Object.keys(RunOptionsSchema.shape),
  'run.filters': Object.keys(TaskFiltersSchema.shape),
}
