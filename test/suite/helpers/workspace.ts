import { join } from 'node:path'
import type { GeneratedDataType } from '../../../src/emulator/data-types.js'
import type { Fixture, FixtureProject } from '../../../src/emulator/fixture.js'
import { Prng } from '../../../src/emulator/prng.js'
import {
  AGENT_STAGE_TITLE,
  COMPLETE_PATHWAY_TITLE,
  COMPLETE_STAGE_TITLE,
  ENCORD_AGENTS_SUITE_WORKSPACE,
  generateWorkspace,
  ONE_OF_EACH_KINDS,
  workspaceProject,
} from '../../../src/emulator/workspace-generate.js'
import { startRunnerEnv, type RunnerEnv } from '../../helpers/runner-env.js'

/**
 * The workspace Encord's encord-agents v0.2.9 suite assumes (tests/fixtures.py there), as the
 * emulator serves it: its ontology (with the bounding box `PXFZO2ra`), its "one of each" dataset and
 * its 520-image dataset, and projects made from its "agent → complete" workflow template, whose
 * pathway uuid the suite checks. The hashes are the suite's own. The workspace is
 * src/emulator/workspace-generate.ts's `ENCORD_AGENTS_SUITE_WORKSPACE`, the same as the committed
 * test/fixtures/workspaces/encord-agents-suite.json (`npm run fixtures:suite` writes it).
 *
 * Every test gets a fresh project (the suite creates one per test and deletes it after) on its own
 * emulator, in memory, over real HTTP with a key the emulator knows.
 */

const ids = ENCORD_AGENTS_SUITE_WORKSPACE.ids
export const ONTOLOGY_HASH = ids.ontologyHash
export const ONE_OF_EACH_DATASET_HASH = ids.oneOfEachDatasetHash
export const IMAGES_520_DATASET_HASH = ids.imagesDatasetHash
export const AGENT_STAGE_NAME = AGENT_STAGE_TITLE
export const AGENT_STAGE_UUID = ids.agentStageUuid
export const COMPLETE_STAGE_NAME = COMPLETE_STAGE_TITLE
export const COMPLETE_STAGE_UUID = ids.completeStageUuid
export const AGENT_TO_COMPLETE_PATHWAY_HASH = ids.completePathwayUuid
export const AGENT_TO_COMPLETE_PATHWAY_NAME = COMPLETE_PATHWAY_TITLE
export const BBOX_ONTOLOGY_HASH = ids.bboxFeatureHash
/** The "agent → complete" workflow template projects are created from (the suite's AGENT_TO_COMPLETE_WORKFLOW_HASH). */
export const AGENT_TO_COMPLETE_TEMPLATE_HASH = ids.workflowTemplateHash

/** The committed workspace fixture: `encord-agents emulator start <this> --allow-any-key` is the suite's account. */
export const SUITE_WORKSPACE_FILE = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'workspaces',
  'encord-agents-suite.json',
)

/** The kinds of the "one of each" dataset, in the suite's order (its image is a JPEG). */
export const ONE_OF_EACH: GeneratedDataType[] = [...ONE_OF_EACH_KINDS]

export type SuiteDataset = 'one-of-each' | 'images-520'

let workspace: Fixture | undefined

/** The suite's whole workspace (what the committed fixture file holds), a fresh copy each call. */
export function suiteWorkspaceFixture(): Fixture {
  workspace ??= generateWorkspace(ENCORD_AGENTS_SUITE_WORKSPACE)
  return structuredClone(workspace)
}

export interface SuiteProject extends RunnerEnv {
  /** The twin project (same dataset, same template), when asked for. */
  twinProjectHash: string | null
  /** Number of data units (Python: `len(project.list_label_rows_v2())`). */
  size: number
}

let counter = 0

/**
 * A fresh project of the suite's workspace on its own emulator: `one-of-each` (8 data units, every
 * data type) or `images-520`; with `twin`, a second project over the same dataset.
 */
export async function suiteProject(
  which: SuiteDataset,
  options: { twin?: boolean; pageSize?: number } = {},
): Promise<SuiteProject> {
  const fixture = suiteWorkspaceFixture()
  const datasetHash = which === 'one-of-each' ? ONE_OF_EACH_DATASET_HASH : IMAGES_520_DATASET_HASH
  // Every data unit, whether the example project or a dataset holds it; the example project goes (the
  // test's project is the fixture's first), so the units no new project uses go back to their datasets.
  const all = [...fixture.projects.flatMap((p) => p.dataUnits), ...fixture.datasets.flatMap((d) => d.dataUnits)]
  const units = all.filter((u) => u.datasetHash === datasetHash)
  for (const d of fixture.datasets)
    d.dataUnits = d.datasetHash === datasetHash ? [] : all.filter((u) => u.datasetHash === d.datasetHash)
  const stages = fixture.workflowTemplates[0].stages
  const rng = new Prng(`suite-project:${which}:${++counter}`)
  const project = (title: string): FixtureProject =>
    workspaceProject(rng.uuid(), title, stages, units, rng, {
      ontologyHash: ONTOLOGY_HASH,
      agentStageUuid: AGENT_STAGE_UUID,
    })
  const projects = [project('encord-agents test project')]
  if (options.twin) projects.push(project('encord-agents test project (twin)'))
  fixture.projects = projects
  const env = await startRunnerEnv({ fixture, pageSize: options.pageSize })
  return { ...env, twinProjectHash: projects[1]?.projectHash ?? null, size: units.length }
}
