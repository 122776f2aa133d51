import { fail } from '../shared/error-catalogue/index.js'
import { buildDataUnit, STORAGE_ITEM_TYPE, type GeneratedDataType } from './data-types.js'
import {
  FIXTURE_FORMAT,
  type Fixture,
  type FixtureDataUnit,
  type FixtureProject,
  type FixtureStage,
  type FixtureStorageItem,
  type FixtureUser,
} from './fixture.js'
import { Prng } from './prng.js'

/**
 * A whole synthetic workspace, of the kind Encord's own encord-agents suite assumes (its
 * tests/fixtures.py): an all-purpose ontology, a "one of each" dataset (one data unit of every data
 * type, with real media), a dataset of small images, an "agent → complete" workflow template, and one
 * example project over the "one of each" dataset. Projects are created from it through the API
 * (`createProject`), as the suite does. Deterministic for its options: the same options give the same
 * fixture, byte for byte once written.
 */

/** The kinds of the "one of each" dataset, in the suite's order (its image is a JPEG). */
export const ONE_OF_EACH_KINDS: readonly GeneratedDataType[] = [
  'image',
  'image-group',
  'image-sequence',
  'pdf',
  'audio',
  'text',
  'data-group',
  'video',
]

/** Every id of a workspace that a test or a user refers to; drawn from the seed unless given. */
export interface WorkspaceIds {
  ontologyHash: string
  oneOfEachDatasetHash: string
  imagesDatasetHash: string
  workflowTemplateHash: string
  /** The template's "Agent 1" stage (its uuid is kept by projects created from the template). */
  agentStageUuid: string
  completeStageUuid: string
  /** The "complete" pathway from Agent 1 to Complete. */
  completePathwayUuid: string
  /** Feature node hash of the ontology's bounding box. */
  bboxFeatureHash: string
  exampleProjectHash: string
}

export interface GenerateWorkspaceOptions {
  /** @default 1 */
  seed?: string | number
  /** Images in the images dataset. @default 20 */
  images?: number
  /** Ids to use instead of drawn ones. */
  ids?: Partial<WorkspaceIds>
  /** Fixture users (keys allowed on every project). @default [] */
  users?: Array<{ email: string; publicKeyHex: string }>
  /** Size of the images dataset's PNGs. @default 32×24 */
  imageSize?: { width: number; height: number }
}

/** Largest images dataset `generateWorkspace` makes. */
export const MAX_WORKSPACE_IMAGES = 100_000

export const AGENT_STAGE_TITLE = 'Agent 1'
export const COMPLETE_STAGE_TITLE = 'Complete'
export const COMPLETE_PATHWAY_TITLE = 'complete'

const CREATED = '2025-06-02T09:15:00Z'

/**
 * The workspace of Encord's encord-agents v0.2.9 suite (tests/fixtures.py there): its ontology, dataset,
 * template, stage and pathway hashes, and its 520-image dataset. test/fixtures/workspaces/encord-agents-suite.json
 * is `generateWorkspace(ENCORD_AGENTS_SUITE_WORKSPACE)` written with `writeFixtureFile`.
 */
export const ENCORD_AGENTS_SUITE_WORKSPACE = {
  seed: 'encord-agents-suite',
  images: 520,
  ids: {
    ontologyHash: '6d8bb167-0c9d-43b1-a577-3da0693d664e',
    oneOfEachDatasetHash: '5d06b07b-135a-4c6d-ba5d-fa7048d996da',
    imagesDatasetHash: 'd0370f27-da4c-48fa-8502-049b55e26a5f',
    workflowTemplateHash: 'a59b3190-09e2-432c-a8bb-f2925872e298',
    agentStageUuid: '6011c844-fb26-438b-b465-0b0825951015',
    completeStageUuid: '7e7598de-612c-40c4-ba08-5dfec8c3ae8f',
    completePathwayUuid: '49a786f3-5edf-4b94-aff0-3da9042d3bf0',
    bboxFeatureHash: 'PXFZO2ra',
  },
} as const satisfies GenerateWorkspaceOptions

/** The all-purpose ontology: a box, a polygon, a text span, an audio span, a radio classification. */
function ontologyStructure(bboxFeatureHash: string): Record<string, unknown> {
  const object = (id: string, name: string, color: string, shape: string, featureNodeHash: string) => ({
    id,
    name,
    color,
    shape,
    featureNodeHash,
    required: false,
    archived: false,
    attributes: [],
  })
  return {
    objects: [
      object('1', 'Bounding box', '#D33115', 'bounding_box', bboxFeatureHash),
      object('2', 'Polygon', '#E27300', 'polygon', 'pOlYg0n1'),
      object('3', 'Text span', '#A4FF00', 'text', 'tExTsPn1'),
      object('4', 'Audio span', '#16406C', 'audio', 'aUdIoSp1'),
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
}

/** The ids a workspace made with these options has (drawn ones included). */
export function workspaceIds(options: GenerateWorkspaceOptions = {}): WorkspaceIds {
  const rng = new Prng(`workspace:${options.seed ?? 1}`)
  const drawn: WorkspaceIds = {
    ontologyHash: rng.uuid(),
    oneOfEachDatasetHash: rng.uuid(),
    imagesDatasetHash: rng.uuid(),
    workflowTemplateHash: rng.uuid(),
    agentStageUuid: rng.uuid(),
    completeStageUuid: rng.uuid(),
    completePathwayUuid: rng.uuid(),
    bboxFeatureHash: rng.token(),
    exampleProjectHash: rng.uuid(),
  }
  return { ...drawn, ...options.ids }
}

/** The template's stages: Start → Agent 1 (pathway "complete") → Complete. */
function templateStages(ids: WorkspaceIds, rng: Prng): FixtureStage[] {
  return [
    {
      uuid: rng.uuid(),
      title: 'Start',
      stageType: 'START',
      pathways: [{ uuid: rng.uuid(), title: 'start', destinationUuid: ids.agentStageUuid }],
    },
    {
      uuid: ids.agentStageUuid,
      title: AGENT_STAGE_TITLE,
      stageType: 'AGENT',
      pathways: [
        { uuid: ids.completePathwayUuid, title: COMPLETE_PATHWAY_TITLE, destinationUuid: ids.completeStageUuid },
      ],
    },
    { uuid: ids.completeStageUuid, title: COMPLETE_STAGE_TITLE, stageType: 'DONE', pathways: [] },
  ]
}

interface BuiltDataset {
  items: FixtureStorageItem[]
  units: FixtureDataUnit[]
}

function buildDataset(
  seed: string,
  datasetHash: string,
  kinds: readonly GeneratedDataType[],
  look: { imageSize: { width: number; height: number }; imageFormat: 'png' | 'jpeg' },
): BuiltDataset {
  const rng = new Prng(seed)
  const folder = rng.uuid()
  const items: FixtureStorageItem[] = []
  const units: FixtureDataUnit[] = []
  const digits = Math.max(6, String(kinds.length).length)
  kinds.forEach((kind, index) => {
    const built = buildDataUnit(kind, {
      rng,
      folder,
      datasetHash,
      index,
      digits,
      createdAt: CREATED,
      ...look,
      // The suite's items carry client metadata of this form: {"item_type": item.item_type, "a": "b"}.
      clientMetadata: { item_type: STORAGE_ITEM_TYPE[kind], a: 'b' },
    })
    items.push(...built.items)
    units.push(built.dataUnit)
  })
  return { items, units }
}

/**
 * A project made as `createProject` makes one from the template: its stages, one task per data unit in
 * Agent 1, no label rows.
 */
export function workspaceProject(
  projectHash: string,
  title: string,
  stages: FixtureStage[],
  units: FixtureDataUnit[],
  rng: Prng,
  ids: Pick<WorkspaceIds, 'ontologyHash' | 'agentStageUuid'>,
): FixtureProject {
  return {
    projectHash,
    title,
    description: 'encord-agents test project description',
    projectType: 'workflow',
    status: 'inProgress',
    ontologyHash: ids.ontologyHash,
    createdAt: CREATED,
    lastEditedAt: CREATED,
    workflowManagerUuid: null,
    workflow: { stages: structuredClone(stages) },
    dataUnits: units,
    tasks: units.map((u) => ({
      uuid: rng.uuid(),
      dataHash: u.dataHash,
      stageUuid: ids.agentStageUuid,
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

/**
 * Make a workspace fixture (see the top of this file). The example project uses the "one of each"
 * data units; the images are the images dataset's unused data units, so a project created over it gets
 * them all.
 *
 * @example
 * const fixture = generateWorkspace({ images: 20, seed: 7 })
 * const suite = generateWorkspace(ENCORD_AGENTS_SUITE_WORKSPACE)
 */
export function generateWorkspace(options: GenerateWorkspaceOptions = {}): Fixture {
  const images = options.images ?? 20
  if (!Number.isInteger(images) || images < 0 || images > MAX_WORKSPACE_IMAGES)
    throw fail('GenerateBadTasks.workspaceImageCount', { max: MAX_WORKSPACE_IMAGES, images })
  const seed = options.seed ?? 1
  const ids = workspaceIds(options)
  const rng = new Prng(`workspace-stages:${seed}`)
  const stages = templateStages(ids, rng)
  const oneOfEach = buildDataset(`workspace-dataset:${seed}:one-of-each`, ids.oneOfEachDatasetHash, ONE_OF_EACH_KINDS, {
    imageSize: { width: 96, height: 64 },
    imageFormat: 'jpeg',
  })
  const manyImages = buildDataset(
    `workspace-dataset:${seed}:images`,
    ids.imagesDatasetHash,
    Array<GeneratedDataType>(images).fill('image'),
    { imageSize: options.imageSize ?? { width: 32, height: 24 }, imageFormat: 'png' },
  )
  const users: FixtureUser[] = (options.users ?? []).map((u) => ({
    email: u.email,
    publicKeyHex: u.publicKeyHex.toLowerCase(),
    projects: '*',
  }))
  const example = workspaceProject(
    ids.exampleProjectHash,
    'encord-agents example project',
    stages,
    oneOfEach.units,
    rng,
    ids,
  )
  example.description = 'Made from the "agent → complete" template over "one of each"'
  return {
    format: FIXTURE_FORMAT,
    users,
    ontologies: [
      {
        ontologyHash: ids.ontologyHash,
        title: 'encord-agents all purpose ontology',
        description: 'A box, a polygon, a text span, an audio span and a quality classification',
        createdAt: CREATED,
        lastEditedAt: CREATED,
        structure: ontologyStructure(ids.bboxFeatureHash),
      },
    ],
    datasets: [
      {
        datasetHash: ids.oneOfEachDatasetHash,
        title: 'one of each',
        description:
          'One data unit of each type: image, image group, image sequence, PDF, audio, text, data group (audio + text), video',
        dataUnits: [],
      },
      {
        datasetHash: ids.imagesDatasetHash,
        title: `${images} images`,
        description: `${images} small images`,
        dataUnits: manyImages.units,
      },
    ],
    workflowTemplates: [
      {
        templateHash: ids.workflowTemplateHash,
        title: 'agent → complete',
        description: 'Start → Agent 1 → (complete) → Complete',
        stages,
      },
    ],
    storageItems: [...oneOfEach.items, ...manyImages.items],
    projects: [example],
  }
}
