import { buildDataUnit, type GeneratedDataType } from '../../../src/emulator/data-types.js'
import {
  FIXTURE_FORMAT,
  type Fixture,
  type FixtureDataUnit,
  type FixtureProject,
  type FixtureStorageItem,
} from '../../../src/emulator/fixture.js'
import { Prng } from '../../../src/emulator/prng.js'
import { startRunnerEnv, type RunnerEnv } from '../../helpers/runner-env.js'

/**
 * The workspace Encord's encord-agents v0.2.9 suite assumes (tests/fixtures.py there), as the
 * emulator serves it: its ontology (with the bounding box `PXFZO2ra`), its "one of each" dataset and
 * its 520-image dataset, and projects made from its "agent → complete" workflow template, whose
 * pathway uuid the suite checks. The hashes are the suite's own.
 *
 * Every test gets a fresh project (the suite creates one per test and deletes it after) on its own
 * emulator, in memory, over real HTTP with a key the emulator knows.
 */

export const ONTOLOGY_HASH = '6d8bb167-0c9d-43b1-a577-3da0693d664e'
export const ONE_OF_EACH_DATASET_HASH = '5d06b07b-135a-4c6d-ba5d-fa7048d996da'
export const IMAGES_520_DATASET_HASH = 'd0370f27-da4c-48fa-8502-049b55e26a5f'
export const AGENT_STAGE_NAME = 'Agent 1'
export const AGENT_STAGE_UUID = '6011c844-fb26-438b-b465-0b0825951015'
export const COMPLETE_STAGE_NAME = 'Complete'
export const COMPLETE_STAGE_UUID = '7e7598de-612c-40c4-ba08-5dfec8c3ae8f'
export const AGENT_TO_COMPLETE_PATHWAY_HASH = '49a786f3-5edf-4b94-aff0-3da9042d3bf0'
export const AGENT_TO_COMPLETE_PATHWAY_NAME = 'complete'
export const BBOX_ONTOLOGY_HASH = 'PXFZO2ra'
/** The "agent → complete" workflow template projects are created from (the hash is the emulator fixture's). */
export const AGENT_TO_COMPLETE_TEMPLATE_HASH = 'b1c5e2f4-7a3d-4e8b-9c6f-2d1a0e5b7c93'

/** The kinds of the "one of each" dataset, in the suite's order (its image is a JPEG). */
export const ONE_OF_EACH: GeneratedDataType[] = [
  'image',
  'image-group',
  'image-sequence',
  'pdf',
  'audio',
  'text',
  'data-group',
  'video',
]

const ONTOLOGY_STRUCTURE = {
  objects: [
    {
      id: '1',
      name: 'Bounding box',
      color: '#D33115',
      shape: 'bounding_box',
      featureNodeHash: BBOX_ONTOLOGY_HASH,
      required: false,
      archived: false,
      attributes: [],
    },
    {
      id: '2',
      name: 'Polygon',
      color: '#E27300',
      shape: 'polygon',
      featureNodeHash: 'pOlYg0n1',
      required: false,
      archived: false,
      attributes: [],
    },
    {
      id: '3',
      name: 'Text span',
      color: '#A4FF00',
      shape: 'text',
      featureNodeHash: 'tExTsPn1',
      required: false,
      archived: false,
      attributes: [],
    },
    {
      id: '4',
      name: 'Audio span',
      color: '#16406C',
      shape: 'audio',
      featureNodeHash: 'aUdIoSp1',
      required: false,
      archived: false,
      attributes: [],
    },
  ],
  classifications: [
    {
      id: '1',
      featureNodeHash: 'qUaLiTy1',
      attributes: [
        {
          id: '1.1',
          name: 'Quality',
          type: 'radio',
          featureNodeHash: 'qUaLiTyA',
          required: false,
          archived: false,
          dynamic: false,
          options: [
            { id: '1.1.1', label: 'Good', value: 'good', featureNodeHash: 'gOoD0001', archived: false },
            { id: '1.1.2', label: 'Bad', value: 'bad', featureNodeHash: 'bAd00001', archived: false },
          ],
        },
      ],
    },
  ],
  skeleton_templates: [],
}

const CREATED = '2025-06-02T09:15:00Z'

export type SuiteDataset = 'one-of-each' | 'images-520'

/** The storage items and data units of a dataset (the same every time: data hashes are stable). */
function dataset(which: SuiteDataset): { items: FixtureStorageItem[]; units: FixtureDataUnit[] } {
  const rng = new Prng(`suite-dataset:${which}`)
  const folder = rng.uuid()
  const kinds: GeneratedDataType[] = which === 'one-of-each' ? ONE_OF_EACH : Array<GeneratedDataType>(520).fill('image')
  const datasetHash = which === 'one-of-each' ? ONE_OF_EACH_DATASET_HASH : IMAGES_520_DATASET_HASH
  const items: FixtureStorageItem[] = []
  const units: FixtureDataUnit[] = []
  kinds.forEach((kind, index) => {
    const built = buildDataUnit(kind, {
      rng,
      folder,
      datasetHash,
      index,
      createdAt: CREATED,
      imageSize: which === 'images-520' ? { width: 32, height: 24 } : { width: 96, height: 64 },
      imageFormat: which === 'one-of-each' ? 'jpeg' : 'png',
      // The suite's items carry client metadata of this form.
      clientMetadata: { item_type: kind, a: 'b' },
    })
    items.push(...built.items)
    units.push(built.dataUnit)
  })
  return { items, units }
}

/** A project from the "agent → complete" template over `units`: every task in Agent 1. */
function project(projectHash: string, title: string, units: FixtureDataUnit[], rng: Prng): FixtureProject {
  return {
    projectHash,
    title,
    description: 'encord-agents test project description',
    projectType: 'workflow',
    status: 'inProgress',
    ontologyHash: ONTOLOGY_HASH,
    createdAt: CREATED,
    lastEditedAt: CREATED,
    workflowManagerUuid: null,
    workflow: {
      stages: [
        {
          uuid: rng.uuid(),
          title: 'Start',
          stageType: 'START',
          pathways: [{ uuid: rng.uuid(), title: 'start', destinationUuid: AGENT_STAGE_UUID }],
        },
        {
          uuid: AGENT_STAGE_UUID,
          title: AGENT_STAGE_NAME,
          stageType: 'AGENT',
          pathways: [
            {
              uuid: AGENT_TO_COMPLETE_PATHWAY_HASH,
              title: AGENT_TO_COMPLETE_PATHWAY_NAME,
              destinationUuid: COMPLETE_STAGE_UUID,
            },
          ],
        },
        { uuid: COMPLETE_STAGE_UUID, title: COMPLETE_STAGE_NAME, stageType: 'DONE', pathways: [] },
      ],
    },
    dataUnits: units,
    tasks: units.map((u) => ({
      uuid: rng.uuid(),
      dataHash: u.dataHash,
      stageUuid: AGENT_STAGE_UUID,
      status: 'NEW',
      assignee: null,
      lastActionedBy: null,
      labelBranchName: 'main',
      priority: null,
      createdAt: CREATED,
      updatedAt: CREATED,
    })),
    labelRows: [],
    history: [],
  }
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
  const { items, units } = dataset(which)
  const rng = new Prng(`suite-project:${which}:${++counter}`)
  const projects = [project(rng.uuid(), 'encord-agents test project', units, rng)]
  if (options.twin) projects.push(project(rng.uuid(), 'encord-agents test project (twin)', units, rng))
  const fixture: Fixture = {
    format: FIXTURE_FORMAT,
    users: [],
    ontologies: [
      {
        ontologyHash: ONTOLOGY_HASH,
        title: 'encord-agents all purpose ontology',
        description: '',
        createdAt: CREATED,
        lastEditedAt: CREATED,
        structure: ONTOLOGY_STRUCTURE,
      },
    ],
    datasets: [
      { datasetHash: ONE_OF_EACH_DATASET_HASH, title: 'one of each', description: '', dataUnits: [] },
      { datasetHash: IMAGES_520_DATASET_HASH, title: '520 images', description: '', dataUnits: [] },
    ],
    workflowTemplates: [
      {
        templateHash: AGENT_TO_COMPLETE_TEMPLATE_HASH,
        title: 'agent → complete',
        description: '',
        stages: projects[0].workflow.stages,
      },
    ],
    storageItems: items,
    projects,
  }
  const env = await startRunnerEnv({ fixture, pageSize: options.pageSize })
  return { ...env, twinProjectHash: projects[1]?.projectHash ?? null, size: units.length }
}
