import { fail } from '../shared/error-catalogue/index.js'
import type {
  Fixture,
  FixtureDataUnit,
  FixtureLabelRow,
  FixtureProject,
  FixtureStage,
  FixtureStorageItem,
  FixtureTask,
  FixtureUser,
} from './fixture.js'
import { FIXTURE_FORMAT } from './fixture.js'
import { buildDataUnit, GENERATED_DATA_TYPES, type GeneratedDataType } from './data-types.js'
import { Prng } from './prng.js'

/** Options of {@link generateFixture}. */
export interface GenerateFixtureOptions {
  /** Number of tasks (one data unit, storage item and task each), all in the first agent stage. */
  tasks: number
  /**
   * Titles of the agent stages, in workflow order. Each has a `complete` pathway to the next one (the
   * last one's leads to `Complete`, a DONE stage) and a `needs review` pathway to `Review 1`.
   * @default ["Agent 1"]
   */
  stages?: string[]
  /**
   * Kind of every data unit, or `mixed`: one of each kind in turn (image, video, image group, image
   * sequence, PDF, audio, plain text, data group).
   * @default "image"
   */
  dataType?: GeneratedDataType | 'mixed'
  /** Same seed, same fixture (byte for byte). @default 1 */
  seed?: string | number
  /** @default a uuid drawn from the seed */
  projectHash?: string
  /** Add a twin project over the same data units (tasks in an annotation stage, a label row for each). @default false */
  twin?: boolean
  /** Share of data units that already have a label row (a box and a classification). @default 0.3 */
  labelledFraction?: number
  /** Fixture users (keys allowed on every project unless `projects` says otherwise). @default [] */
  users?: Array<{ email: string; publicKeyHex: string; projects?: '*' | string[] }>
  /** Image size of generated images. @default 128×96 */
  imageSize?: { width: number; height: number }
}

/** The demo ontology: boxes with attributes, polygons, and three kinds of classification. */
export const GENERATED_ONTOLOGY_STRUCTURE = {
  objects: [
    {
      id: '1',
      name: 'Box',
      color: '#D33115',
      shape: 'bounding_box',
      featureNodeHash: 'bX7kQ2pL',
      required: false,
      archived: false,
      attributes: [
        {
          id: '1.1',
          name: 'Colour',
          type: 'radio',
          featureNodeHash: 'cA1rT9zE',
          required: false,
          archived: false,
          dynamic: false,
          options: [
            { id: '1.1.1', label: 'Red', value: 'red', featureNodeHash: 'oPt0Red1', archived: false },
            { id: '1.1.2', label: 'Blue', value: 'blue', featureNodeHash: 'oPt0Blu2', archived: false },
          ],
        },
        {
          id: '1.2',
          name: 'Note',
          type: 'text',
          featureNodeHash: 'nO7eTxt3',
          required: false,
          archived: false,
          dynamic: false,
        },
      ],
    },
    {
      id: '2',
      name: 'Region',
      color: '#E27300',
      shape: 'polygon',
      featureNodeHash: 'pL9yG0n4',
      required: false,
      archived: false,
    },
  ],
  classifications: [
    {
      id: '1',
      featureNodeHash: 'wE4thR5s',
      attributes: [
        {
          id: '1.1',
          name: 'Weather',
          type: 'radio',
          featureNodeHash: 'wE4thAt6',
          required: false,
          archived: false,
          dynamic: false,
          options: [
            { id: '1.1.1', label: 'Sunny', value: 'sunny', featureNodeHash: 'sUnNy7o8', archived: false },
            { id: '1.1.2', label: 'Cloudy', value: 'cloudy', featureNodeHash: 'cLoUd9y0', archived: false },
          ],
        },
      ],
    },
    {
      id: '2',
      featureNodeHash: 'tAgS1c2h',
      attributes: [
        {
          id: '2.1',
          name: 'Image issues',
          type: 'checklist',
          featureNodeHash: 'tAgSAt3r',
          required: false,
          archived: false,
          dynamic: false,
          options: [
            { id: '2.1.1', label: 'Blurry', value: 'blurry', featureNodeHash: 'bLuR4r5y', archived: false },
            { id: '2.1.2', label: 'Dark', value: 'dark', featureNodeHash: 'dArK6k7s', archived: false },
          ],
        },
      ],
    },
    {
      id: '3',
      featureNodeHash: 'cApT8n9x',
      attributes: [
        {
          id: '3.1',
          name: 'Caption',
          type: 'text',
          featureNodeHash: 'cApTAt0r',
          required: false,
          archived: false,
          dynamic: false,
        },
      ],
    },
  ],
  skeleton_templates: [],
}

const BASE_TIME = Date.parse('2025-06-02T09:15:00Z')
const iso = (offsetSeconds: number) => new Date(BASE_TIME + offsetSeconds * 1000).toISOString()
const CAMERAS = ['front', 'rear', 'left', 'right']
const SPLITS = ['train', 'train', 'train', 'val', 'test']

/**
 * Make a synthetic fixture: an ontology, a workflow START → agent stage(s) → Review 1 / Complete, one
 * data unit + storage item (with client metadata and small generated media) + task per `tasks`, all
 * tasks in the first agent stage, label rows for some. Deterministic for a seed; 100,000 tasks take
 * well under a second or two.
 *
 * @example
 * const fixture = generateFixture({ tasks: 500, stages: ['Pre-label', 'QA'], dataType: 'video', seed: 7 })
 */
export function generateFixture(options: GenerateFixtureOptions): Fixture {
  const count = options.tasks
  if (!Number.isInteger(count) || count < 0 || count > 5_000_000) throw fail('GenerateBadTasks', { count })
  const agentTitles = options.stages && options.stages.length > 0 ? options.stages.map((s) => s.trim()) : ['Agent 1']
  const reserved = new Set(['Start', 'Review 1', 'Complete'])
  const seen = new Set<string>()
  for (const title of agentTitles) {
    if (title === '') throw fail('GenerateBadStages.emptyTitle')
    if (reserved.has(title)) throw fail('GenerateBadStages.reservedTitle', { title })
    if (seen.has(title)) throw fail('GenerateBadStages.listedTwice', { title })
    seen.add(title)
  }
  const dataType = options.dataType ?? 'image'
  const fraction = options.labelledFraction ?? 0.3
  const rng = new Prng(`generate:${options.seed ?? 1}`)
  const projectHash = options.projectHash ?? rng.uuid()
  const ontologyHash = rng.uuid()
  const datasetHash = rng.uuid()
  const folder = rng.uuid()
  const image = options.imageSize ?? { width: 128, height: 96 }

  const start: FixtureStage = { uuid: rng.uuid(), title: 'Start', stageType: 'START', pathways: [] }
  const agents: FixtureStage[] = agentTitles.map((title) => ({
    uuid: rng.uuid(),
    title,
    stageType: 'AGENT',
    pathways: [],
  }))
  const review: FixtureStage = { uuid: rng.uuid(), title: 'Review 1', stageType: 'REVIEW', pathways: [] }
  const done: FixtureStage = { uuid: rng.uuid(), title: 'Complete', stageType: 'DONE', pathways: [] }
  start.pathways.push({ uuid: rng.uuid(), title: 'start', destinationUuid: agents[0].uuid })
  agents.forEach((agent, i) => {
    const next = agents[i + 1] ?? done
    agent.pathways.push(
      { uuid: rng.uuid(), title: 'complete', destinationUuid: next.uuid },
      { uuid: rng.uuid(), title: 'needs review', destinationUuid: review.uuid },
    )
  })

  if (dataType !== 'mixed' && !GENERATED_DATA_TYPES.includes(dataType)) {
    throw fail('GenerateBadDataType', { dataType, GENERATED_DATA_TYPES })
  }
  const storageItems: FixtureStorageItem[] = []
  const dataUnits: FixtureDataUnit[] = new Array(count)
  const tasks: FixtureTask[] = new Array(count)
  const labelRows: FixtureLabelRow[] = []
  const digits = Math.max(6, String(count).length)
  for (let i = 0; i < count; i++) {
    const kind = dataType === 'mixed' ? GENERATED_DATA_TYPES[i % GENERATED_DATA_TYPES.length] : dataType
    const created = iso(i)
    const built = buildDataUnit(kind, {
      rng,
      folder,
      datasetHash,
      index: i,
      digits,
      createdAt: created,
      imageSize: image,
    })
    built.items[0].clientMetadata = { index: i, camera: rng.pick(CAMERAS), split: rng.pick(SPLITS) }
    for (const item of built.items) storageItems.push(item)
    const dataHash = built.dataUnit.dataHash
    dataUnits[i] = built.dataUnit
    tasks[i] = {
      uuid: rng.uuid(),
      dataHash,
      stageUuid: agents[0].uuid,
      status: 'NEW',
      assignee: null,
      lastActionedBy: null,
      labelBranchName: 'main',
      priority: null,
      createdAt: created,
      updatedAt: created,
    }
    // Pre-existing labels (a box and a classification) only where they fit: images and videos.
    if (rng.next() < fraction && (kind === 'image' || kind === 'video'))
      labelRows.push(labelRowFor(rng, dataUnits[i], created))
  }

  const users: FixtureUser[] = (options.users ?? []).map((u) => ({
    email: u.email,
    publicKeyHex: u.publicKeyHex.toLowerCase(),
    projects: u.projects ?? '*',
  }))
  const project: FixtureProject = {
    projectHash,
    title: 'Generated project',
    description: `${count} ${dataType} tasks in ${agentTitles.length} agent stage${agentTitles.length > 1 ? 's' : ''} (seed ${options.seed ?? 1})`,
    projectType: 'workflow',
    status: 'inProgress',
    ontologyHash,
    createdAt: iso(0),
    lastEditedAt: iso(0),
    workflowManagerUuid: null,
    workflow: { stages: [start, ...agents, review, done] },
    dataUnits,
    tasks,
    labelRows,
    history: [],
  }
  const projects = [project]
  if (options.twin) projects.push(twinProject(rng, project, dataUnits))
  return {
    format: FIXTURE_FORMAT,
    users,
    ontologies: [
      {
        ontologyHash,
        title: 'Generated ontology',
        description: 'Boxes, regions and image-level classifications',
        createdAt: iso(0),
        lastEditedAt: iso(0),
        structure: GENERATED_ONTOLOGY_STRUCTURE,
      },
    ],
    datasets: [{ datasetHash, title: 'Generated dataset', description: '', dataUnits: [] }],
    workflowTemplates: [],
    storageItems,
    projects,
  }
}

/** A twin project over the same data: an annotation stage holding every task, a label row per data unit. */
function twinProject(rng: Prng, main: FixtureProject, dataUnits: FixtureDataUnit[]): FixtureProject {
  const start: FixtureStage = { uuid: rng.uuid(), title: 'Start', stageType: 'START', pathways: [] }
  const annotate: FixtureStage = { uuid: rng.uuid(), title: 'Annotate 1', stageType: 'ANNOTATION', pathways: [] }
  const done: FixtureStage = { uuid: rng.uuid(), title: 'Complete', stageType: 'DONE', pathways: [] }
  start.pathways.push({ uuid: rng.uuid(), title: 'start', destinationUuid: annotate.uuid })
  return {
    projectHash: rng.uuid(),
    title: `${main.title} (twin)`,
    description: `Twin of ${main.projectHash}: the same data units, labelled separately`,
    projectType: 'workflow',
    status: 'inProgress',
    ontologyHash: main.ontologyHash,
    createdAt: main.createdAt,
    lastEditedAt: main.lastEditedAt,
    workflowManagerUuid: null,
    workflow: { stages: [start, annotate, done] },
    dataUnits,
    tasks: dataUnits.map((d) => ({
      uuid: rng.uuid(),
      dataHash: d.dataHash,
      stageUuid: annotate.uuid,
      status: 'NEW',
      assignee: null,
      lastActionedBy: null,
      labelBranchName: 'main',
      priority: null,
      createdAt: main.createdAt,
      updatedAt: main.createdAt,
    })),
    // Labels where a box fits (images, videos); the other kinds get theirs when first initialised.
    labelRows: dataUnits
      .filter((d) => d.dataType === 'IMAGE' || d.dataType === 'VIDEO')
      .map((d) => labelRowFor(rng, d, main.createdAt ?? iso(0))),
    history: [],
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000

/** A label row with one box (Colour answered) and one Weather classification; video: on frames 0–2. */
function labelRowFor(rng: Prng, unit: FixtureDataUnit, created: string): FixtureLabelRow {
  const objectHash = rng.token()
  const classificationHash = rng.token()
  const colour = rng.pick([
    { name: 'Red', value: 'red', featureHash: 'oPt0Red1' },
    { name: 'Blue', value: 'blue', featureHash: 'oPt0Blu2' },
  ])
  const weather = rng.pick([
    { name: 'Sunny', value: 'sunny', featureHash: 'sUnNy7o8' },
    { name: 'Cloudy', value: 'cloudy', featureHash: 'cLoUd9y0' },
  ])
  const when = new Date(Date.parse(created)).toUTCString().replace('GMT', 'UTC')
  const box = {
    h: round(0.1 + rng.next() * 0.3),
    w: round(0.1 + rng.next() * 0.3),
    x: round(rng.next() * 0.5),
    y: round(rng.next() * 0.5),
  }
  const object = {
    name: 'Box',
    color: '#D33115',
    shape: 'bounding_box',
    value: 'box',
    createdAt: when,
    createdBy: 'generator@emulator.local',
    confidence: 1,
    objectHash,
    featureHash: 'bX7kQ2pL',
    manualAnnotation: true,
    lastEditedAt: when,
    lastEditedBy: 'generator@emulator.local',
    boundingBox: box,
  }
  const classification = {
    name: 'Weather',
    value: 'weather',
    createdAt: when,
    createdBy: 'generator@emulator.local',
    confidence: 1,
    featureHash: 'wE4thR5s',
    classificationHash,
    manualAnnotation: true,
    lastEditedAt: when,
    lastEditedBy: 'generator@emulator.local',
  }
  const isVideo = unit.dataType === 'VIDEO'
  const labels = isVideo
    ? Object.fromEntries([0, 1, 2].map((f) => [String(f), { objects: [object], classifications: [classification] }]))
    : { objects: [object], classifications: [classification] }
  const du: Record<string, unknown> = {
    data_hash: unit.dataHash,
    data_title: unit.dataTitle,
    data_type: unit.fileType,
    data_sequence: 0,
    width: unit.width,
    height: unit.height,
    labels,
  }
  if (isVideo) {
    du.data_fps = unit.fps
    du.data_duration = unit.duration
  }
  return {
    labelHash: rng.uuid(),
    dataHash: unit.dataHash,
    branchName: 'main',
    labelStatus: 'LABEL_IN_PROGRESS',
    createdAt: created,
    lastEditedAt: created,
    labels: {
      data_units: { [unit.dataHash]: du },
      object_answers: {
        [objectHash]: {
          objectHash,
          classifications: [
            { name: 'Colour', value: 'colour', answers: [colour], featureHash: 'cA1rT9zE', manualAnnotation: true },
          ],
        },
      },
      classification_answers: {
        [classificationHash]: {
          classificationHash,
          featureHash: 'wE4thR5s',
          classifications: [
            { name: 'Weather', value: 'weather', answers: [weather], featureHash: 'wE4thAt6', manualAnnotation: true },
          ],
          spaces: {},
        },
      },
      object_actions: {},
      spaces: {},
    },
  }
}
