import type { RunOverrides } from '../core/config/resolve.js'
import { resolveJournal, resolveRunSettings } from '../core/config/resolve.js'
import type { RunEvent } from '../core/runner/events.js'
import type { ValidationResult } from '../core/runner/validate.js'
import type { RunResult } from '../core/types.js'
import type { LoadedAgent } from '../core/config/handlers.js'
import type { Session } from './session.js'
import { createRunnerFromConfig, validateAgents } from './validate.js'

export interface RunAgentsOptions {
  session: Session & { loaded: NonNullable<Session['loaded']> }
  agents: LoadedAgent[]
  /** Flags; they win over the config's `run` block. */
  overrides?: RunOverrides
  /** Abort to stop: running handlers finish, decisions are flushed, the result says `interrupted`. */
  signal?: AbortSignal
  onEvent?: (event: RunEvent) => void
  /** Called once validation passed, before anything is fetched (the CLI starts its progress here). */
  onValidated?: (validation: ValidationResult) => void
}

/**
 * Validate, then run every configured agent stage in order. Validation problems are one UserError
 * (exit 2) and nothing is fetched or moved; otherwise the RunResult (also when tasks failed or the run
 * was interrupted: the caller picks the exit code from it).
 */
export async function runAgents(options: RunAgentsOptions): Promise<RunResult> {
  const { session, agents } = options
  const settings = resolveRunSettings(session.loaded.config.run, options.overrides)
  const runner = createRunnerFromConfig({ loaded: session.loaded, agents, projectHash: session.projectHash, client: session.client })
  const validation = await validateAgents({ runner })
  options.onValidated?.(validation)
  const journal = resolveJournal(session.loaded.config.run, options.overrides ?? {}, session.loaded.dir, session.projectHash)
  return runner.run({ ...settings, client: session.client, projectHash: session.projectHash, signal: options.signal, onEvent: options.onEvent, skipValidation: true, journal })
}
