import { isAbsolute, resolve } from 'node:path'
import { DEFAULT_RUN_SETTINGS, type RunSettings } from '../types.js'
import type { RunOptionsConfig } from './define.js'

/** Run options given as flags (`--task-batch-size` → `taskBatchSize`, ...); set ones win over the config. */
export interface RunOverrides {
  taskBatchSize?: number
  maxTasksPerStage?: number
  numRetries?: number
  refreshEvery?: number
  concurrency?: number
  dryRun?: boolean
  taskTimeout?: number
  /** `--no-journal` turns the run journal off. */
  journal?: boolean
  dataTitleContains?: string
  dataHashes?: string[]
  assignees?: string[]
  statuses?: string[]
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * Defaults ← the config's `run` block ← flags. Filters are replaced key by key (a `--status` flag
 * replaces the config's `statuses` but keeps its `dataTitleContains`).
 */
export function resolveRunSettings(config: RunOptionsConfig | undefined, overrides: RunOverrides = {}): RunSettings {
  // The journal is where a run keeps its decisions, not how it runs: see journalSetting().
  const { dataTitleContains, dataHashes, assignees, statuses, journal: _flagJournal, ...options } = overrides
  const { filters: configFilters, journal: _configJournal, ...configOptions } = config ?? {}
  const filters = { ...definedOnly(configFilters ?? {}), ...definedOnly({ dataTitleContains, dataHashes, assignees, statuses }) }
  const settings: RunSettings = { ...DEFAULT_RUN_SETTINGS, ...definedOnly(configOptions), ...definedOnly(options) }
  if (Object.keys(filters).length > 0) settings.filters = filters
  return settings
}

/**
 * The run journal of a CLI run: the `--no-journal` flag, else the config's `run.journal`, else on.
 * Returns the journal file (absolute; a relative one is relative to the config's folder) or false.
 */
export function resolveJournal(config: RunOptionsConfig | undefined, overrides: RunOverrides, configDir: string, projectHash: string): string | false {
  const setting = overrides.journal === false ? false : (config?.journal ?? true)
  if (setting === false) return false
  if (setting === true) return resolve(configDir, '.encord-agents', 'journal', `${projectHash}.jsonl`)
  return isAbsolute(setting) ? setting : resolve(configDir, setting)
}

/**
 * Which project and which fixture: flags (and their env vars) win over the config. A fixture from the
 * config is relative to the config file; one from `--local` to the working directory.
 */
export function resolveTarget(
  input: { projectHashFlag?: string; localFlag?: string; configProjectHash?: string; configLocal?: string; configDir?: string },
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
