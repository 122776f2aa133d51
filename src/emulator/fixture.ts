import { z } from 'zod'
import { KNOWN_STAGE_TYPES } from '../encord/models.js'
import { parseTimestamp } from './time.js'

/**
 * The emulator's project fixture: one JSON file holding everything the local Encord serves (users and
 * their keys, ontologies, storage items, projects with their workflow, tasks and label rows). The
 * emulator writes its state back to the same format. Documented in docs/fixture-format.md.
 *
 * Casing: our own keys are camelCase; label rows keep Encord's snake_case save format untouched.
 */
export const FIXTURE_FORMAT = 'encord-agents-emulator/1'

const Uuid = z.string().min(1)
const Timestamp = z
  .string()
  .refine((s) => parseTimestamp(s) !== null, 'not a timestamp (use ISO 8601, e.g. 2025-06-02T09:15:00Z)')
  .nullable()
  .optional()

export const FixtureUser = z.strictObject({
  email: z.string(),
  /** Lowercase hex of the user's Ed25519 public key (64 characters). */
  publicKeyHex: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (an Ed25519 public key)'),
  /** Project hashes this key may use, or "*" for all. @default "*" */
  projects: z.union([z.literal('*'), z.array(Uuid)]).default('*'),
})

export const FixtureOntology = z.strictObject({
  ontologyHash: Uuid,
  title: z.string(),
  description: z.string().default(''),
  createdAt: Timestamp,
  lastEditedAt: Timestamp,
  /** The ontology structure exactly as Encord stores it (`editor`). */
  structure: z.record(z.string(), z.unknown()),
})

/** Where the bytes of a storage item come from. */
export const FixtureMedia = z.union([
  z.strictObject({ path: z.string() }), // relative to the fixture file
  z.strictObject({ base64: z.string() }),
  // made on demand: small, real media of the item's kind and size (media-generate.ts)
  z.strictObject({ generate: z.enum(['png', 'jpeg', 'mp4', 'mp3', 'wav', 'pdf', 'txt']) }),
])

export const FixtureStorageItem = z.strictObject({
  uuid: Uuid,
  parent: Uuid,
  itemType: z.string(),
  name: z.string(),
  description: z.string().default(''),
  clientMetadata: z.record(z.string(), z.unknown()).default({}),
  mimeType: z.string().nullable().default(null),
  width: z.number().nullable().default(null),
  height: z.number().nullable().default(null),
  frameCount: z.number().nullable().default(null),
  fps: z.number().nullable().default(null),
  duration: z.number().nullable().default(null),
  fileSize: z.number().nullable().default(null),
  /** Audio items: as Encord reports them (`audioSampleRate`, ...). @default null */
  audioSampleRate: z.number().nullable().default(null),
  audioBitDepth: z.number().nullable().default(null),
  audioCodec: z.string().nullable().default(null),
  audioNumChannels: z.number().nullable().default(null),
  createdAt: Timestamp,
  lastEditedAt: Timestamp,
  media: FixtureMedia.optional(),
  /** The item's storage URL as Encord reports it (`url`), e.g. `gs://bucket/a.jpg`. @default an `emulator://` URL */
  url: z.string().nullable().default(null),
  /** Email of the item's owner. @default null */
  owner: z.string().nullable().default(null),
  /** `encord`, `gcp`, `s3`, `azure`, ... @default "encord" */
  storageLocation: z.string().default('encord'),
  integrationHash: z.string().nullable().default(null),
  /**
   * Child items in order: image groups and image sequences (frame n is `children[n]`), DICOM series,
   * data groups (one space per child).
   */
  children: z.array(Uuid).default([]),
})

/** The fields a storage item must be given (placeholders here); the schema fills in every other one. */
const STORAGE_ITEM_REQUIRED = { uuid: '-', parent: '-', itemType: '', name: '', createdAt: null, lastEditedAt: null }
/** A storage item with every default filled in, its fields in the schema's order (the order a written fixture keeps). */
const BLANK_STORAGE_ITEM = FixtureStorageItem.parse(STORAGE_ITEM_REQUIRED)

/** The fields of a storage item the schema fills in when absent, with the value it fills in. */
export const STORAGE_ITEM_DEFAULTS: Partial<FixtureStorageItem> = Object.fromEntries(
  Object.entries(BLANK_STORAGE_ITEM).filter(([key]) => !(key in STORAGE_ITEM_REQUIRED)),
)

/**
 * A storage item with every field at its default, then `fields`: the fields keep the schema's order,
 * and any field without a default that is given (`media`) comes last.
 */
export function newStorageItem(
  fields: Pick<FixtureStorageItem, 'uuid' | 'parent' | 'itemType' | 'name'> & Partial<FixtureStorageItem>,
): FixtureStorageItem {
  // A spread, not structuredClone (generate makes 100,000s): the defaults that are objects are made fresh.
  return Object.assign({ ...BLANK_STORAGE_ITEM, clientMetadata: {}, children: [] }, fields)
}

export const FixturePathway = z.strictObject({ uuid: Uuid, title: z.string(), destinationUuid: Uuid })

export const FixtureStage = z.strictObject({
  uuid: Uuid,
  title: z.string(),
  /** START is kept for display only: Encord never sends it over the wire. */
  stageType: z.enum(['START', ...KNOWN_STAGE_TYPES]),
  pathways: z.array(FixturePathway).default([]),
})

export const FixtureDataUnit = z.strictObject({
  dataHash: Uuid,
  dataTitle: z.string(),
  /** UPPER case as in label row metadata: IMAGE, VIDEO, IMG_GROUP, ... */
  dataType: z.string(),
  datasetHash: Uuid,
  backingItemUuid: Uuid.nullable().default(null),
  width: z.number().nullable().default(null),
  height: z.number().nullable().default(null),
  numberOfFrames: z.number().default(1),
  fps: z.number().nullable().default(null),
  duration: z.number().nullable().default(null),
  fileType: z.string().nullable().default(null),
  /** `data_link` as the service reports it; null means "the backing storage item's url". */
  dataLink: z.string().nullable().default(null),
})

/**
 * A dataset. `dataUnits` are its data units that no fixture project uses (a project made by createProject
 * gets these plus the units of this dataset that other projects use).
 */
export const FixtureDataset = z.strictObject({
  datasetHash: Uuid,
  title: z.string(),
  description: z.string().default(''),
  dataUnits: z.array(FixtureDataUnit).default([]),
})

/** A workflow template: the stages a created project gets (same uuids as here; Encord's choice is unknown). */
export const FixtureWorkflowTemplate = z.strictObject({
  templateHash: Uuid,
  title: z.string(),
  description: z.string().default(''),
  stages: z.array(FixtureStage).min(1),
})

export const FixtureTask = z.strictObject({
  uuid: Uuid,
  dataHash: Uuid,
  /** The stage the task is in now. A task in a DONE stage is finished. */
  stageUuid: Uuid,
  status: z.string().default('NEW'),
  assignee: z.string().nullable().default(null),
  lastActionedBy: z.string().nullable().default(null),
  labelBranchName: z.string().default('main'),
  priority: z.number().min(0).max(1).nullable().default(null),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

export const FixtureLabelRow = z.strictObject({
  labelHash: Uuid,
  dataHash: Uuid,
  branchName: z.string().default('main'),
  labelStatus: z.string().default('LABEL_IN_PROGRESS'),
  createdAt: Timestamp,
  lastEditedAt: Timestamp,
  /** The label row dict (snake_case save format): data_units, object_answers, ... */
  labels: z.record(z.string(), z.unknown()),
})

/** What happened to a task, for the dashboard and for proving nothing happened twice. */
export const FixtureHistoryEvent = z.strictObject({
  at: z.string(),
  /** proceed (pathway action), move (move-tasks), assign/release (task actions), save, create (label row), priority, metadata (storage item update), issue (an issue opened). */
  kind: z.enum(['proceed', 'save', 'priority', 'create', 'metadata', 'move', 'assign', 'release', 'issue']),
  taskUuid: Uuid.optional(),
  dataHash: Uuid.optional(),
  fromStageUuid: Uuid.optional(),
  toStageUuid: Uuid.optional(),
  pathwayUuid: Uuid.optional(),
  labelHash: Uuid.optional(),
  /** The label row before this save (for "before and after"). */
  before: z.record(z.string(), z.unknown()).optional(),
  by: z.string().optional(),
  detail: z.unknown().optional(),
})

/**
 * A task issue (a comment thread) in Encord's wire shape: anchored to a data unit (`dataUnit`), a frame
 * (`frame`, with `frameIndex`) or a point of a frame (`frameCoordinate`, with `coordinate`).
 */
export const FixtureIssue = z.strictObject({
  type: z.enum(['dataUnit', 'frame', 'frameCoordinate']),
  dataUuid: Uuid,
  frameIndex: z.number().int().min(0).optional(),
  coordinate: z.strictObject({ x: z.number(), y: z.number() }).optional(),
  comments: z.array(z.strictObject({ content: z.string(), authorEmail: z.string(), createdAt: z.string() })),
  tags: z.array(z.strictObject({ name: z.string() })).default([]),
  resolutionHistory: z
    .array(z.strictObject({ isResolved: z.boolean(), createdAt: z.string(), actorEmail: z.string().nullable() }))
    .default([]),
})

export const FixtureProject = z.strictObject({
  projectHash: Uuid,
  title: z.string(),
  description: z.string().default(''),
  projectType: z.string().default('workflow'),
  status: z.string().default('inProgress'),
  ontologyHash: Uuid,
  createdAt: Timestamp,
  lastEditedAt: Timestamp,
  /** Sent as `workflowManagerUuid` (nullable). @default null */
  workflowManagerUuid: Uuid.nullable().default(null),
  workflow: z.strictObject({ stages: z.array(FixtureStage) }),
  dataUnits: z.array(FixtureDataUnit).default([]),
  tasks: z.array(FixtureTask).default([]),
  labelRows: z.array(FixtureLabelRow).default([]),
  history: z.array(FixtureHistoryEvent).default([]),
  /** Task issues, oldest first. @default [] */
  issues: z.array(FixtureIssue).optional(),
})

export const Fixture = z.strictObject({
  format: z.literal(FIXTURE_FORMAT),
  users: z.array(FixtureUser).default([]),
  ontologies: z.array(FixtureOntology),
  datasets: z.array(FixtureDataset).default([]),
  workflowTemplates: z.array(FixtureWorkflowTemplate).default([]),
  storageItems: z.array(FixtureStorageItem).default([]),
  projects: z.array(FixtureProject).min(1),
})

export type Fixture = z.output<typeof Fixture>
export type FixtureInput = z.input<typeof Fixture>
/**
 * The fields a fixture, the emulator's state and a snapshot of a project (or the spec's wire files)
 * hold alike, per record. Each conversion copies these with `pick`, in this order (the order a written
 * fixture keeps), and writes the timestamps and the rest itself.
 */
export const COMMON_FIELDS = {
  project: ['projectHash', 'title', 'description', 'projectType', 'status', 'ontologyHash'],
  task: ['uuid', 'dataHash', 'stageUuid', 'status', 'assignee', 'lastActionedBy', 'labelBranchName'],
  labelRow: ['labelHash', 'dataHash', 'branchName', 'labelStatus'],
} as const satisfies {
  project: readonly (keyof FixtureProject)[]
  task: readonly (keyof FixtureTask)[]
  labelRow: readonly (keyof FixtureLabelRow)[]
}

export type FixtureProject = z.output<typeof FixtureProject>
export type FixtureStage = z.output<typeof FixtureStage>
export type FixtureTask = z.output<typeof FixtureTask>
export type FixtureLabelRow = z.output<typeof FixtureLabelRow>
export type FixtureDataUnit = z.output<typeof FixtureDataUnit>
export type FixtureStorageItem = z.output<typeof FixtureStorageItem>
export type FixtureUser = z.output<typeof FixtureUser>
export type FixtureHistoryEvent = z.output<typeof FixtureHistoryEvent>
export type FixtureOntology = z.output<typeof FixtureOntology>
export type FixtureDataset = z.output<typeof FixtureDataset>
export type FixtureWorkflowTemplate = z.output<typeof FixtureWorkflowTemplate>
export type FixtureMedia = z.output<typeof FixtureMedia>
export type FixturePathway = z.output<typeof FixturePathway>
export type FixtureIssue = z.output<typeof FixtureIssue>
