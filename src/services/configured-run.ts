import { dirname } from 'node:path'
import { loadAgents, type LoadedAgent } from '../core/config/handlers.js'
import type { LoadedConfig } from '../core/config/load.js'
import type { ResolvedRunOptions } from '../core/config/options.js'
import { resolveRunSettings, resolveRunTuning, type RunOptionsLayer } from '../core/config/resolve.js'
import { prepareRun, type PreparedRun } from '../core/runner/pipeline.js'
import { Runner } from '../core/runner/runner.js'
import type { EncordApi } from '../encord/types.js'
import { typesFilePath } from './types.js'

/**
 * The run pipeline of every command that runs a config's agents (`run`, `validate`, `enqueue`,
 * `worker`): the config (loaded by the command's session, which needs it to know where to connect) →
 * its handlers, loaded here and only here → the run settings, resolved once (config ← flags) → the
 * project, fetched once → validation, once → a {@link PreparedRun}. The commands render what comes
 * back; nothing is fetched or validated again.
 */

export interface ConfiguredRunOptions {
  loaded: LoadedConfig
  client: EncordApi
  projectHash: string
  /** Run options from flags; set ones win over the config's `run` block. */
  overrides?: RunOptionsLayer
  /** @default process.cwd() */
  cwd?: string
  /**
   * A generated types file next to the config (`encord-agents types`) made from another workflow or
   * ontology: a validation issue (`validate`) or a warning in `prepared.warnings` (run, enqueue, worker).
   * @default 'warning'
   */
  staleTypes?: 'issue' | 'warning'
  /** The run is run at once: open its connections while the project is fetched (`run`). @default false */
  warmConnections?: boolean
}

export interface ConfiguredRun {
  loaded: LoadedConfig
  agents: LoadedAgent[]
  /** The run settings, resolved once (with the CLI's `journal`). */
  settings: ResolvedRunOptions
  /** The project, fetched and validated: run it with `prepared.run(...)`. */
  prepared: PreparedRun
}

/**
 * Load the handlers, resolve the settings, fetch the project and validate the agents against it.
 * Validation problems are one UserError (exit 2) listing every issue; nothing is fetched beyond the
 * project or moved.
 */
export async function prepareConfiguredRun(options: ConfiguredRunOptions): Promise<ConfiguredRun> {
  const { loaded } = options
  const agents = await loadAgents(loaded, options.cwd)
  const runner = bindAgents(agents)
  const settings = resolveRunSettings(loaded.config.run, options.overrides)
  const prepared = await prepareRun({
    client: options.client,
    projectHash: options.projectHash,
    bindings: runner.stages,
    validate: loaded.config.validate,
    settings,
    tuning: resolveRunTuning({}),
    types: {
      file: typesFilePath(loaded.filepath),
      searchUnder: dirname(loaded.filepath),
      stale: options.staleTypes ?? 'warning',
      cwd: options.cwd,
    },
    warmConnections: options.warmConnections,
  })
  return { loaded, agents, settings, prepared }
}

/**
 * The config's agents bound in order, each with the location of its config entry: the Runner's
 * binding rules (a stage named twice without `overwrite` is an error naming both entries).
 */
function bindAgents(agents: LoadedAgent[]): Runner {
  const runner = new Runner()
  for (const agent of agents)
    runner.stage(agent.stage, agent.definition, { overwrite: agent.overwrite, location: agent.location })
  return runner
}
