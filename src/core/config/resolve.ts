import { fail } from '../../shared/error-catalogue/index.js'
import { isAbsolute, resolve } from 'node:path'
import type { z } from 'zod'
import { isRecord } from '../../shared/records.js'
import { describeIssue } from './issues.js'
import {
  RunOptionsSchema,
  RunTuningSchema,
  TaskFiltersSchema,
  type ResolvedRunOptions,
  type RunOptionsConfig,
} from './options.js'

/** A layer of run options: the config's `run` block, flags, `new Runner({ settings })`, `run(options)`. */
export type RunOptionsLayer = { [K in keyof RunOptionsConfig]?: RunOptionsConfig[K] | undefined }

const OPTION_KEYS = Object.keys(RunOptionsSchema.shape) as Array<keyof RunOptionsConfig>
const FILTER_KEYS = Object.keys(TaskFiltersSchema.shape)

function definedOnly(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
}

/**
 * The run settings of a run, resolved once: defaults ← each layer in turn (later wins, undefined
 * ignored; other keys ignored), then checked against the declaration (`options.ts`). Filters are
 * merged key by key (a `--status` flag replaces the config's `statuses` but keeps its
 * `dataTitleContains`). Every bad value is reported at once, as a UserError (exit 2), before anything
 * is fetched; zero or negative sizes are refused rather than silently processing nothing (the Python
 * Runner's behaviour), and durations are bounded by Node's longest timer.
 */
export function resolveRunSettings(...layers: Array<RunOptionsLayer | undefined>): ResolvedRunOptions {
  const merged: Record<string, unknown> = {}
  const filters: Record<string, unknown> = {}
  for (const layer of layers) {
    if (layer === undefined || layer === null) continue
    for (const key of OPTION_KEYS) {
      const value = (layer as Record<string, unknown>)[key]
      if (value === undefined) continue
      if (key !== 'filters') merged[key] = value
      else if (isRecord(value)) for (const name of FILTER_KEYS) filters[name] = value[name] ?? filters[name]
      else merged.filters = value // not an object: reported below
    }
  }
  const given = definedOnly(filters)
  if (merged.filters === undefined && Object.keys(given).length > 0) merged.filters = given
  return checked(RunOptionsSchema, merged)
}

/** The Runner's own tuning (`retryDelayMs`, `maxRetryDelayMs`, `loadWindow`), defaults filled in and bounds checked. */
export function resolveRunTuning(options: {
  retryDelayMs?: number
  maxRetryDelayMs?: number
  loadWindow?: number
}): z.output<typeof RunTuningSchema> {
  return checked(
    RunTuningSchema,
    definedOnly({
      retryDelayMs: options.retryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs,
      loadWindow: options.loadWindow,
    }),
  )
}

function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true })
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.flatMap((issue) =>
    describeIssue(issue, schema).map(
      (p) => `${[...p.path, ...(p.key !== undefined ? [p.key] : [])].join('.')}: ${p.message}`,
    ),
  )
  throw fail('InvalidRunSettings', { problems }, { data: { problems } })
}

/**
 * Which project and which fixture: flags (and their env vars) win over the config. A fixture from the
 * config is relative to the config file; one from `--local` to the working directory.
 */
export function resolveTarget(
  input: {
    projectHashFlag?: string
    localFlag?: string
    configProjectHash?: string
    configLocal?: string
    configDir?: string
  },
  cwd = process.cwd(),
): { projectHash?: string; localFixture?: string } {
  const abs = (p: string, base: string) => (isAbsolute(p) ? p : resolve(base, p))
  const localFixture =
    input.localFlag !== undefined
      ? abs(input.localFlag, cwd)
      : input.configLocal !== undefined
        ? abs(input.configLocal, input.configDir ?? cwd)
        : undefined
  return { projectHash: input.projectHashFlag ?? input.configProjectHash, localFixture }
}
