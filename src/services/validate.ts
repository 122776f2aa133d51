import type { LoadedAgent } from '../core/config/handlers.js'
import type { LoadedConfig } from '../core/config/load.js'
import { Runner, validationError } from '../core/runner/runner.js'
import type { ValidationResult } from '../core/runner/validate.js'
import type { EncordApi } from '../encord/types.js'

/** What `validate --json` prints when everything is fine (on failure: `{ error: { code: "ValidationFailed", data: { issues } } }`). */
export type ValidateResult = ValidationResult

/** A Runner with the config's agents bound in order, each with the location of its config entry. */
export function createRunnerFromConfig(options: { loaded: LoadedConfig; agents: LoadedAgent[]; projectHash: string; client: EncordApi }): Runner {
  const runner = new Runner({ projectHash: options.projectHash, validate: options.loaded.config.validate, client: options.client })
  for (const agent of options.agents) runner.stage(agent.stage, agent.definition, { overwrite: agent.overwrite, location: agent.location })
  return runner
}

export interface ValidateAgentsOptions {
  runner: Runner
}

/**
 * Check the project against the agents (stages exist and are agent stages, declared pathways and
 * ontology features exist, no dependency cycle, then the config's `validate` hook). Every issue at
 * once, as one UserError (exit 2); nothing is fetched or moved.
 */
export async function validateAgents({ runner }: ValidateAgentsOptions): Promise<ValidateResult> {
  const result = await runner.validate()
  if (!result.ok) throw validationError(result.issues)
  return result
}
