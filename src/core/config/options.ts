import { z } from 'zod'

/**
 * The run options, declared once. Each entry is the option's zod type (its bounds and default), its
 * TSDoc (what editors show on `defineConfig({ run: { ... } })`) and its doc (the README row and the
 * CLI flag). Everything else is derived from this file: the config schema (`schema.ts`), the
 * TypeScript types (`RunOptionsConfig`, `RunSettings`), the oclif flags (`src/cli/flags.ts`), the
 * settings every run resolves (`resolve.ts`) and the README's config table (`reference.ts`, kept in
 * step by a test). Adding an option means adding an entry here (and using it where it takes effect).
 */

/**
 * Node's longest timer, in ms (about 24.8 days). A `setTimeout` past it fires after 1 ms with a
 * TimeoutOverflowWarning, so every duration option is bounded by it (issue 14): a longer value is
 * refused with exit 2 instead of polling in a tight loop or timing every task out at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** What an option shows beyond its zod type. */
export interface OptionDoc {
  /** What it does, lower case, a few words: the README's "meaning" and, capitalised, the flag's summary. */
  summary: string
  /** The README's "type" when the zod type does not say it (a path, a function). */
  type?: string
  /** The README's default when the zod type has none ("no limit", "run once"). */
  default?: string
  /** A number's unit: shown with its type and in messages about its bounds. */
  unit?: 'ms' | 'seconds'
  /** The option's CLI flag (run options only). Its kind and bounds come from the zod type. */
  flag?: {
    name: string
    helpValue?: string
    /** When the flag needs other words than the summary (a boolean flag of a boolean-or-path option). */
    summary?: string
  }
}

/** The docs of every declared option (and config field), looked up by schema. */
export const optionDocs = z.registry<OptionDoc>()

function doc<T extends z.ZodType>(schema: T, meta: OptionDoc): T {
  optionDocs.add(schema, meta)
  return schema
}

/** A non-empty string: a new schema each time, as a doc belongs to one schema. */
export const nonEmpty = () => z.string().min(1, { message: 'must not be empty' })
const NonEmpty = nonEmpty()

/** A duration in ms, as long as Node's timers go. */
const Milliseconds = z.int().min(1).max(MAX_TIMER_MS)

/** Task filters passed to the task listing of every agent stage. */
export const TaskFiltersSchema = z.strictObject({
  /** Only tasks whose data title contains this text. @default no filter */
  dataTitleContains: doc(NonEmpty.optional(), {
    summary: 'only tasks whose data title contains this text',
    flag: { name: 'data-title', helpValue: 'TEXT' },
  }),
  /** Only tasks of these data hashes. @default no filter */
  dataHashes: doc(z.array(NonEmpty).optional(), {
    summary: 'only tasks of these data units',
    flag: { name: 'data-hash', helpValue: 'HASH' },
  }),
  /** Only tasks assigned to these emails. @default no filter */
  assignees: doc(z.array(NonEmpty).optional(), {
    summary: 'only tasks assigned to these emails',
    flag: { name: 'assignee', helpValue: 'EMAIL' },
  }),
  /** Only tasks with these statuses (`NEW`, `ASSIGNED`, `RELEASED`, `SKIPPED`, `REOPENED`, `COMPLETED`). @default no filter */
  statuses: doc(z.array(NonEmpty).optional(), {
    summary: 'only tasks with these statuses, e.g. NEW, ASSIGNED, RELEASED',
    flag: { name: 'status', helpValue: 'STATUS' },
  }),
})

/** How agents run: the config's `run` block. Each option has a flag that wins over it (`--task-batch-size`, ...). */
export const RunOptionsSchema = z.strictObject({
  /**
   * Tasks fetched, decided and flushed (moved, saved) together. Data a handler declares (label rows,
   * storage items) is loaded once per batch. Python: `task_batch_size`.
   * @default 300
   */
  taskBatchSize: doc(z.int().min(1).default(300), {
    summary: 'tasks fetched, decided and flushed together',
    flag: { name: 'task-batch-size', helpValue: 'N' },
  }),
  /** Stop each stage after exactly this many tasks. Python: `max_tasks_per_stage`. @default no limit */
  maxTasksPerStage: doc(z.int().min(1).optional(), {
    summary: 'stop each stage after exactly this many tasks',
    default: 'no limit',
    flag: { name: 'max-tasks-per-stage', helpValue: 'N' },
  }),
  /**
   * Retries (with backoff) of a handler or dependency that throws, before the task fails. A failed task
   * stays in its stage, or goes to the agent's `onFailure` pathway. Python: `num_retries`.
   * @default 3
   */
  numRetries: doc(z.int().min(0).default(3), {
    summary: 'retries of a failing handler or dependency before the task fails',
    flag: { name: 'num-retries', helpValue: 'N' },
  }),
  /**
   * Keep polling: after a pass over all stages, wait this many seconds and run again, until stopped.
   * At most 2147483 (Node's longest timer, about 24.8 days). Python: `refresh_every`.
   * @default run once
   */
  refreshEvery: doc(
    z
      .number()
      .positive()
      .max(Math.floor(MAX_TIMER_MS / 1000))
      .optional(),
    {
      summary: 'keep polling: run again every N seconds until stopped',
      default: 'run once',
      unit: 'seconds',
      flag: { name: 'refresh-every', helpValue: 'SECONDS' },
    },
  ),
  /** Handlers running at once per stage. 1 processes one task at a time, like the Python Runner. @default 1 */
  concurrency: doc(z.int().min(1).default(1), {
    summary: 'handlers running at once per stage',
    flag: { name: 'concurrency', helpValue: 'N' },
  }),
  /** Decide and report what would happen; move, save and prioritise nothing. @default false */
  dryRun: doc(z.boolean().default(false), {
    summary: 'decide and report, but move and save nothing',
    flag: { name: 'dry-run' },
  }),
  /**
   * Fail a task whose handler (with its dependencies) takes longer than this many milliseconds. At most
   * 2147483647 (Node's longest timer, about 24.8 days).
   * @default no timeout
   */
  taskTimeout: doc(Milliseconds.optional(), {
    summary: 'fail a task whose handler takes longer than this',
    default: 'none',
    unit: 'ms',
    flag: { name: 'task-timeout', helpValue: 'MS' },
  }),
  /** Only process tasks that match these filters. @default all tasks of the stage */
  filters: TaskFiltersSchema.optional(),
  /**
   * The write-ahead run journal. Each decision is written to it (and fsync'ed) before its labels are
   * saved or its task is moved, so a run that is killed (SIGKILL, OOM, a reboot) is finished by the
   * next run without calling those handlers again and without saving or moving anything twice. `true`
   * keeps it in `.encord-agents/journal/<projectHash>.jsonl` next to this config; a path (relative to
   * this config) puts it there; `false` turns it off. Removed when a run ends with nothing left in it.
   * Not used in a dry run. Flag: `--no-journal`. (The library's `Runner` keeps none unless
   * `run({ journal })` asks.)
   * @default true
   */
  journal: doc(z.union([z.boolean(), NonEmpty]).default(true), {
    summary:
      'write-ahead run journal in `.encord-agents/journal/` next to the config, so a killed run is finished by the next one without doubling saves or moves; a path puts it elsewhere, `false` turns it off',
    type: 'boolean \\| path',
    flag: {
      name: 'journal',
      summary:
        'Keep the write-ahead run journal, so a killed run is finished by the next one without doubling anything (default: on; --no-journal turns it off).',
    },
  }),
})

/** The `run` block as users write it (every option optional). */
export type RunOptionsConfig = z.input<typeof RunOptionsSchema>
/** The task filters as users write them. */
export type TaskFiltersConfig = z.input<typeof TaskFiltersSchema>
/** Every run option resolved: defaults filled in, bounds checked (`resolveRunSettings`). */
export type ResolvedRunOptions = z.output<typeof RunOptionsSchema>
/**
 * Options of a run, from the config's `run` block and flags (flags win), or from `new Runner({ settings })`
 * and `run(options)`. The journal is where a run keeps its decisions, not how it runs: see `RunOptions.journal`.
 */
export type RunSettings = Omit<ResolvedRunOptions, 'journal'>

/** Every run setting's default (what a run with no options does). */
export const DEFAULT_RUN_SETTINGS: RunSettings = (() => {
  const { journal: _journal, ...settings } = RunOptionsSchema.parse({})
  return Object.freeze(settings)
})()

/** A delay in ms that may be 0 (no wait), as long as Node's timers go. */
const DelayMilliseconds = z.number().min(0).max(MAX_TIMER_MS)

/** The Runner's own tuning (library only: no config key, no flag), bounded like the declared options. */
export const RunTuningSchema = z.strictObject({
  retryDelayMs: DelayMilliseconds.default(1000),
  maxRetryDelayMs: DelayMilliseconds.default(30_000),
  loadWindow: z.int().min(1).default(200),
})

/** One declared option: where it sits in the `run` block, its zod type and its doc. */
export interface DeclaredOption {
  /** `['taskBatchSize']`, `['filters', 'statuses']`. */
  path: [string] | [string, string]
  schema: z.ZodType
  doc: OptionDoc
}

/** Every run option that has a doc, in declaration order (filters in place of `filters`). */
export function declaredRunOptions(): DeclaredOption[] {
  const out: DeclaredOption[] = []
  for (const [key, schema] of Object.entries(RunOptionsSchema.shape)) {
    if (key === 'filters') {
      for (const [name, inner] of Object.entries(TaskFiltersSchema.shape))
        out.push({ path: ['filters', name], schema: inner, doc: optionDocs.get(inner)! })
      continue
    }
    out.push({ path: [key], schema, doc: optionDocs.get(schema)! })
  }
  return out
}

/** The schema under `.optional()` and `.default()`. */
export function innerType(schema: z.ZodType): z.ZodType {
  let s = schema
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType
  return s
}

/**
 * A number option's declared bounds (`z.int()`'s implicit safe-integer range is no bound). `min` is
 * exclusive for `.positive()` and the like.
 */
export function numberBounds(schema: z.ZodType): { min?: number; minExclusive: boolean; max?: number } | undefined {
  const inner = innerType(schema)
  if (!(inner instanceof z.ZodNumber)) return undefined
  const { minValue, maxValue } = inner
  const min = minValue !== null && minValue > Number.MIN_SAFE_INTEGER ? minValue : undefined
  const max = maxValue !== null && maxValue < Number.MAX_SAFE_INTEGER ? maxValue : undefined
  return { min, minExclusive: min !== undefined && !inner.safeParse(min).success, max }
}

/** The default declared for an option, if any. */
export function declaredDefault(schema: z.ZodType): unknown {
  let s = schema
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) {
    if (s instanceof z.ZodDefault) return s.def.defaultValue
    s = s.unwrap() as z.ZodType
  }
  return undefined
}

/**
 * The run block as written: the same options without their defaults, which are filled in when a run
 * resolves them (so flags can win over what the config says, and only over that).
 */
export const WrittenRunOptionsSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(RunOptionsSchema.shape).map(([key, schema]) => [
      key,
      schema instanceof z.ZodDefault ? schema.unwrap().optional() : schema,
    ]),
  ),
) as unknown as z.ZodType<RunOptionsConfig, RunOptionsConfig>
