/**
 * Drift of a generated types file (issue 18): its header's fingerprint against the live project's,
 * computed by the very function the generator writes it with, so "stale" means exactly "`types` would
 * write something else now".
 */
import { existsSync, readFileSync } from 'node:fs'
import type { Project } from '../encord/types.js'
import { readFingerprint, typegenFingerprint, typegenModel } from './generate.js'

/** How a types file compares with the project. */
export type TypesFileState =
  | { state: 'missing' }
  | { state: 'current'; fingerprint: string }
  /** `written` is undefined when the file has no fingerprint line (not written by `encord-agents types`). */
  | { state: 'stale'; written?: string; live: string }

/** Compare the declaration file at `file` (if there is one) with the project's workflow and ontology. */
export function typesFileState(file: string, project: Pick<Project, 'workflow' | 'ontology'>): TypesFileState {
  if (!existsSync(file)) return { state: 'missing' }
  const written = readFingerprint(readFileSync(file, 'utf8'))
  const live = typegenFingerprint(typegenModel(project))
  return written === live ? { state: 'current', fingerprint: live } : { state: 'stale', written, live }
}
