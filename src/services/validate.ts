import type { ValidationResult } from '../core/runner/validate.js'
import { prepareConfiguredRun } from './configured-run.js'
import type { Session } from './session.js'

/** What `validate --json` prints when everything is fine (on failure: `{ error: { code: "ValidationFailed", data: { issues } } }`). */
export type ValidateResult = ValidationResult

/**
 * Check the project against the config's agents (handlers load, stages exist and are agent stages,
 * declared pathways and ontology features exist, no dependency cycle, a generated types file next to
 * the config is current, then the config's `validate` hook). Every issue at once, as one UserError (exit 2); nothing is fetched beyond the project, and
 * nothing is moved.
 */
export async function validateAgents(
  session: Session & { loaded: NonNullable<Session['loaded']> },
): Promise<ValidateResult> {
  const { prepared } = await prepareConfiguredRun({
    loaded: session.loaded,
    client: session.client,
    projectHash: session.projectHash,
    staleTypes: 'issue',
  })
  return prepared.validation
}
