import type { RunOptionsLayer } from '../core/config/resolve.js'
import type { RunEvent } from '../core/runner/events.js'
import { guardProcessExit } from '../core/runner/exit-guard.js'
import type { RunResult } from '../core/types.js'
import { prepareConfiguredRun, type ConfiguredRun } from './configured-run.js'
import type { Session } from './session.js'

export interface RunAgentsOptions {
  session: Session & { loaded: NonNullable<Session['loaded']> }
  /** Flags; they win over the config's `run` block. */
  overrides?: RunOptionsLayer
  /** Abort to stop: running handlers finish, decisions are flushed, the result says `interrupted`. */
  signal?: AbortSignal
  onEvent?: (event: RunEvent) => void
  /** One line each, before the run (a stale types file); the run goes on. */
  onWarning?: (message: string) => void
  /** Called once validation passed, before any task is fetched (the CLI starts its progress here). */
  onValidated?: (run: ConfiguredRun) => void
}

/**
 * Validate, then run every configured agent stage in order. Validation problems are one UserError
 * (exit 2) and nothing is fetched or moved; otherwise the RunResult (also when tasks failed or the run
 * was interrupted: the caller picks the exit code from it).
 */
export async function runAgents(options: RunAgentsOptions): Promise<RunResult> {
  const { session } = options
  const configured = await prepareConfiguredRun({
    loaded: session.loaded,
    client: session.client,
    projectHash: session.projectHash,
    overrides: options.overrides,
    warmConnections: true,
  })
  for (const warning of configured.prepared.warnings) options.onWarning?.(warning)
  options.onValidated?.(configured)
  // A handler's process.exit fails its task instead of ending the run with exit 0 (see exit-guard.ts).
  let running = 'A handler'
  const release = guardProcessExit({ describe: () => running })
  try {
    // The journal next to the config (`run.journal`, on unless the config or --no-journal says otherwise).
    return await configured.prepared.run({
      signal: options.signal,
      onEvent: (event) => {
        if (event.type === 'stageStarted')
          running = `The handler of stage "${event.stage.title}"${event.agentLocation ? ` (${event.agentLocation})` : ''}`
        options.onEvent?.(event)
      },
      journal: configured.settings.journal,
      journalDir: session.loaded.dir,
    })
  } finally {
    release()
  }
}
