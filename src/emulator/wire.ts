import type {
  LegacyLabelRow,
  LegacyLabelRowMetadataRow,
  V2AgentTask,
  V2AnnotationTask,
  V2ConsensusAnnotationTask,
  V2ConsensusReviewTask,
  V2FinalTask,
  V2Ontology,
  V2Project,
  V2ReviewTask,
  V2Stage,
  V2StorageItem,
} from '../encord/models.js'
import { STORAGE_ITEM_FIELDS, WORKFLOW_STAGE_TYPES } from '../encord/models.js'
import { isRecord, pick } from '../shared/records.js'
import { pythonJson } from '../encord/python-json.js'
import type { FixtureDataUnit, FixtureOntology } from './fixture.js'
import { hasOwnMedia } from './media.js'
import type {
  EmulatorState,
  LabelRowRecord,
  MetadataRow,
  ProjectRecord,
  StorageItemRecord,
  TaskRecord,
} from './state.js'
import { formatLabelRow, formatSql, formatV2, parseTimestamp } from './time.js'

/**
 * State → wire. Every shape here is the Encord service's, typed with the shared schemas of
 * `src/encord/models.ts`; keys are in the order the real service (and the spec's fixtures) use, and
 * every key the Python SDK requires is present, `null` where there is no value.
 */

/** Makes signed media URLs for storage items (see media.ts). */
export type SignUrl = (item: StorageItemRecord) => string

/** Stage types Encord sends in `workflow.stages`: no START, no routers (the SDK cannot parse them). */
export const WIRE_STAGE_TYPES: ReadonlySet<string> = new Set(WORKFLOW_STAGE_TYPES)

/** The data types whose label rows hold labels per frame (`{"<frame>": {...}}`). */
const FRAME_BASED = new Set(['VIDEO', 'DICOM', 'DICOM_STUDY', 'NIFTI', 'PDF', 'SCENE'])

function v2Time(ms: number | null, fallback: number): string {
  return formatV2(ms ?? fallback)!
}

/**
 * @param options.allStages also send START and router nodes (Encord does not; see
 *   `EmulatorOptions.exposeAllStages`).
 */
export function wireProject(
  state: EmulatorState,
  project: ProjectRecord,
  options: { allStages?: boolean } = {},
): V2Project {
  const ontology = state.ontologies.get(project.ontologyHash)
  const epoch = project.createdAt ?? 0
  return {
    projectHash: project.projectHash,
    projectType: project.projectType,
    status: project.status,
    title: project.title,
    description: project.description,
    createdAt: v2Time(project.createdAt, 0),
    lastEditedAt: v2Time(project.lastEditedAt, epoch),
    ontologyHash: project.ontologyHash,
    editorOntology: ontology?.structure ?? {},
    userRole: 0,
    sourceProjects: null,
    workflowManagerUuid: project.workflowManagerUuid,
    workflow: { stages: wireStages(project, options.allStages) },
  }
}

export function wireStages(project: ProjectRecord, allStages = false): V2Stage[] {
  return project.stages
    .filter((s) => allStages || WIRE_STAGE_TYPES.has(s.stageType))
    .map((s) =>
      s.stageType === 'AGENT' || (allStages && s.pathways.length > 0)
        ? {
            stageType: s.stageType,
            uuid: s.uuid,
            title: s.title,
            pathways: s.pathways.map((p) => ({ uuid: p.uuid, title: p.title, destinationUuid: p.destinationUuid })),
          }
        : { stageType: s.stageType, uuid: s.uuid, title: s.title },
    )
}

export function wireOntology(ontology: FixtureOntology): V2Ontology {
  const created = parseTimestamp(ontology.createdAt ?? '') ?? 0
  return {
    ontologyUuid: ontology.ontologyHash,
    title: ontology.title,
    description: ontology.description,
    editor: ontology.structure,
    createdAt: formatV2(created)!,
    lastEditedAt: formatV2(parseTimestamp(ontology.lastEditedAt ?? '') ?? created)!,
    userRole: 0,
  }
}

type AnyTask =
  V2AgentTask | V2AnnotationTask | V2ReviewTask | V2FinalTask | V2ConsensusAnnotationTask | V2ConsensusReviewTask

/** A task in the shape of its stage's type (spec §6.4). */
export function wireTask(project: ProjectRecord, task: TaskRecord, stageType: string): AnyTask {
  // One object literal per stage type (same keys, same order as before): spreading a shared `base`
  // into each made a page of 100 tasks about 4x slower to build, on the listing's critical path.
  const uuid = task.uuid
  const createdAt = formatV2(task.createdAt)!
  const updatedAt = formatV2(task.updatedAt)!
  const dataHash = task.dataHash
  const dataTitle = project.dataUnits.get(dataHash)?.dataTitle ?? ''
  switch (stageType) {
    case 'AGENT':
      return {
        uuid,
        createdAt,
        updatedAt,
        status: task.status,
        dataHash,
        dataTitle,
        labelBranchName: task.labelBranchName,
        assignee: task.assignee,
        lastActionedBy: task.lastActionedBy,
      }
    case 'ANNOTATION':
      return {
        uuid,
        createdAt,
        updatedAt,
        status: task.status,
        dataHash,
        dataTitle,
        labelBranchName: task.labelBranchName,
        assignee: task.assignee,
      }
    case 'REVIEW':
      return { uuid, createdAt, updatedAt, status: task.status, dataHash, dataTitle, assignee: task.assignee }
    case 'CONSENSUS_ANNOTATION':
      return { uuid, createdAt, updatedAt, dataHash, dataTitle, subtasks: [] }
    case 'CONSENSUS_REVIEW':
      return {
        uuid,
        createdAt,
        updatedAt,
        status: task.status,
        dataHash,
        dataTitle,
        assignee: task.assignee,
        options: [],
      }
    default:
      return { uuid, createdAt, updatedAt, dataHash, dataTitle }
  }
}

/** A storage item (spec §6.11): `clientMetadata` as a JSON string, `signedUrl` only when asked for. */
export function wireStorageItem(state: EmulatorState, item: StorageItemRecord, sign: SignUrl | null): V2StorageItem {
  const canSign = hasOwnMedia(item)
  const created = item.createdAt ?? 0
  return {
    ...pick(item, STORAGE_ITEM_FIELDS.identity),
    clientMetadata: pythonJson(item.clientMetadata),
    owner: item.owner ?? firstUserEmail(state),
    createdAt: formatV2(created)!,
    lastEditedAt: formatV2(item.lastEditedAt ?? created)!,
    isTombstone: false,
    isPlaceholder: false,
    backedDataUnitsCount: backedDataUnits(state, item.uuid),
    storageLocation: item.storageLocation,
    integrationHash: item.integrationHash,
    url: itemUrl(item),
    signedUrl: sign && canSign ? sign(item) : null,
    fileSize: item.fileSize,
    mimeType: item.mimeType,
    duration: item.duration,
    fps: item.fps,
    height: item.height,
    width: item.width,
    dicomInstanceUid: null,
    dicomStudyUid: null,
    dicomSeriesUid: null,
    frameCount: item.frameCount,
    audioSampleRate: item.audioSampleRate,
    audioBitDepth: item.audioBitDepth,
    audioCodec: item.audioCodec,
    audioNumChannels: item.audioNumChannels,
  }
}

function firstUserEmail(state: EmulatorState): string {
  for (const user of state.users.values()) return user.email
  return 'owner@emulator.local'
}

function backedDataUnits(state: EmulatorState, itemUuid: string): number {
  return state.itemDataUnits.get(itemUuid)?.length ?? 0
}

/** The storage location URL (not downloadable; `signedUrl` is). */
export function itemUrl(item: StorageItemRecord): string {
  return item.url ?? `emulator://storage/${item.parent}/${item.uuid}/${encodeURIComponent(item.name)}`
}

function dataLink(state: EmulatorState, unit: FixtureDataUnit, sign: SignUrl | null): string | null {
  const item = unit.backingItemUuid === null ? undefined : state.storageItems.get(unit.backingItemUuid)
  if (sign && item) return sign(item)
  if (unit.dataLink !== null) return unit.dataLink
  return item ? itemUrl(item) : null
}

export interface MetadataIncludes {
  includeClientMetadata: boolean
  includeImagesData: boolean
  includeWorkflowGraphNode: boolean
}

/** One `labelrowmetadata` row (spec §6.6): `data_type` UPPER case, `label_hash` null until created. */
export function wireMetadataRow(
  state: EmulatorState,
  project: ProjectRecord,
  row: MetadataRow,
  inc: MetadataIncludes,
): LegacyLabelRowMetadataRow {
  const { dataUnit: unit, labelRow, task } = row
  const node = task ? project.stageByUuid.get(task.stageUuid) : undefined
  const item = unit.backingItemUuid === null ? undefined : state.storageItems.get(unit.backingItemUuid)
  const out: LegacyLabelRowMetadataRow = {
    label_hash: labelRow?.labelHash ?? null,
    branch_name: row.branchName,
    created_at: formatSql(labelRow?.createdAt ?? null),
    last_edited_at: formatSql(labelRow?.lastEditedAt ?? null),
    data_hash: unit.dataHash,
    dataset_hash: unit.datasetHash,
    dataset_title: state.datasetTitle(unit.datasetHash),
    data_title: unit.dataTitle,
    data_type: unit.dataType,
    data_link: dataLink(state, unit, null),
    label_status: labelRow?.labelStatus ?? 'NOT_LABELLED',
    annotation_task_status: null,
    workflow_graph_node: inc.includeWorkflowGraphNode && node ? { uuid: node.uuid, title: node.title } : null,
    is_shadow_data: false,
    number_of_frames: unit.numberOfFrames,
    duration: unit.duration,
    frames_per_second: unit.fps,
    height: unit.height,
    width: unit.width,
    audio_sample_rate: item?.audioSampleRate ?? null,
    audio_codec: item?.audioCodec ?? null,
    audio_bit_depth: item?.audioBitDepth ?? null,
    audio_num_channels: item?.audioNumChannels ?? null,
    spaces: unit.dataType === 'GROUP' && item ? groupSpaces(state, item) : {},
    task_uuid: task?.uuid ?? null,
    priority: task ? (task.priority ?? DEFAULT_PRIORITY) : null,
    file_type: unit.fileType ?? item?.mimeType ?? null,
    is_valid: true,
    backing_item_uuid: unit.backingItemUuid,
    assigned_user_email: task?.assignee ?? null,
    last_actioned_by_user_email: task?.lastActionedBy ?? null,
    group_hash: null,
  }
  if (inc.includeClientMetadata) out.client_metadata = item?.clientMetadata ?? null
  if (inc.includeImagesData) out.images_data = imagesData(state, unit, item)
  return out
}

/** Encord's default task priority. */
export const DEFAULT_PRIORITY = 0.5

function imagesData(
  state: EmulatorState,
  unit: FixtureDataUnit,
  item: StorageItemRecord | undefined,
): Array<Record<string, unknown>> | null {
  if (unit.dataType === 'IMAGE') {
    return [
      {
        index: 0,
        title: unit.dataTitle,
        file_type: unit.fileType ?? item?.mimeType ?? null,
        height: unit.height,
        width: unit.width,
        image_hash: unit.dataHash,
      },
    ]
  }
  if (item && item.children.length > 0) {
    return item.children.map((uuid, index) => {
      const child = state.storageItems.get(uuid)!
      return {
        index,
        title: child.name,
        file_type: child.mimeType,
        height: child.height,
        width: child.width,
        image_hash: child.uuid,
      }
    })
  }
  return null
}

/**
 * An empty label row dict for a data unit (what `labelrow` PUT creates), in Encord's shape for its data
 * type: one data unit per image for image groups and image sequences (`data_sequence` "0", "1", ...),
 * labels per frame for videos and PDFs, `{}` labels plus the audio fields for audio, a placeholder data
 * unit and one space per member for data groups. `data_type` of the row is lower case, of a data unit
 * the file's mime type.
 */
export function emptyLabels(state: EmulatorState, unit: FixtureDataUnit): Record<string, unknown> {
  const item = unit.backingItemUuid === null ? undefined : state.storageItems.get(unit.backingItemUuid)
  const units: Record<string, unknown> = {}
  let spaces: Record<string, unknown> = {}
  if (unit.dataType === 'GROUP') {
    // Data groups: the labels live in `spaces`; the one data unit is a placeholder (no link, no size).
    units[unit.dataHash] = {
      data_hash: unit.dataHash,
      data_title: unit.dataTitle,
      data_type: 'group',
      data_sequence: 0,
      labels: {},
    }
    if (item) spaces = groupSpaces(state, item)
  } else if (item && item.children.length > 0 && unit.dataType === 'IMG_GROUP') {
    item.children.forEach((uuid, index) => {
      const child = state.storageItems.get(uuid)!
      units[uuid] = {
        data_hash: uuid,
        data_title: child.name,
        data_link: itemUrl(child),
        data_type: child.mimeType ?? 'image/jpeg',
        data_sequence: String(index),
        width: child.width,
        height: child.height,
        labels: { objects: [], classifications: [] },
      }
    })
  } else {
    const du: Record<string, unknown> = {
      data_hash: unit.dataHash,
      data_title: unit.dataTitle,
      data_link: dataLink(state, unit, null),
      data_type: unit.fileType ?? item?.mimeType ?? DEFAULT_MIME[unit.dataType] ?? 'image/jpeg',
      data_sequence: 0,
    }
    switch (unit.dataType) {
      case 'AUDIO':
        Object.assign(du, {
          data_duration: unit.duration ?? item?.duration ?? null,
          labels: {},
          audio_codec: item?.audioCodec ?? null,
          audio_sample_rate: item?.audioSampleRate ?? null,
          audio_bit_depth: item?.audioBitDepth ?? null,
          audio_num_channels: item?.audioNumChannels ?? null,
        })
        break
      case 'PLAIN_TEXT':
        du.labels = {}
        break
      case 'PDF':
        // Encord sends no size for PDFs (the SDK writes 0 back).
        Object.assign(du, { width: 0, height: 0, labels: {} })
        break
      default:
        Object.assign(du, {
          width: unit.width,
          height: unit.height,
          labels: FRAME_BASED.has(unit.dataType) ? {} : { objects: [], classifications: [] },
        })
        if (unit.dataType === 'VIDEO') {
          du.data_fps = unit.fps
          du.data_duration = unit.duration
        }
    }
    units[unit.dataHash] = du
  }
  return { data_units: units, object_answers: {}, classification_answers: {}, object_actions: {}, spaces }
}

/** The mime type of a data unit whose file type is not recorded anywhere. */
const DEFAULT_MIME: Record<string, string> = {
  VIDEO: 'video/mp4',
  AUDIO: 'audio/mpeg',
  PLAIN_TEXT: 'text/plain',
  PDF: 'application/pdf',
}

/** Space types of a data group's members, by storage item type. */
const SPACE_TYPE: Record<string, string> = {
  image: 'image',
  video: 'video',
  imageSequence: 'image_sequence',
  audio: 'audio',
  plainText: 'text',
  pdf: 'pdf',
  dicomFile: 'medical_file',
}

/**
 * A data group's spaces: one per member item, keyed by the member's uuid, with its layout key (the
 * emulator's choice: the member's file name without extension) and what the SDK needs to size it.
 */
export function groupSpaces(state: EmulatorState, item: StorageItemRecord): Record<string, unknown> {
  const spaces: Record<string, unknown> = {}
  for (const uuid of item.children) {
    const child = state.storageItems.get(uuid)
    if (!child) continue
    const spaceType = SPACE_TYPE[child.itemType] ?? (child.mimeType === 'text/html' ? 'html' : 'text')
    const space: Record<string, unknown> = {
      space_type: spaceType,
      child_info: { layout_key: child.name.replace(/\.[^.]*$/, ''), file_name: child.name },
    }
    if (spaceType === 'audio') space.duration_ms = Math.round((child.duration ?? 0) * 1000)
    if (spaceType === 'image') Object.assign(space, { width: child.width, height: child.height })
    if (spaceType === 'video' || spaceType === 'image_sequence' || spaceType === 'medical_file')
      Object.assign(space, { number_of_frames: child.frameCount ?? 1, width: child.width, height: child.height })
    if (spaceType === 'pdf') space.number_of_pages = child.frameCount ?? 1
    space.labels = {}
    spaces[uuid] = space
  }
  return spaces
}

export interface LabelRowOptions {
  sign: SignUrl | null
  objectFeatureHashes?: string[] | null
  classificationFeatureHashes?: string[] | null
}

/**
 * A full label row dict (spec §6.8): the identifying keys from the server's own records, the content
 * (data units, answers, actions) as last saved; `data_link` signed when asked for; labels of other
 * features left out when feature filters are given.
 */
export function wireLabelRow(
  state: EmulatorState,
  project: ProjectRecord,
  row: LabelRowRecord,
  options: LabelRowOptions,
): LegacyLabelRow {
  const unit = project.dataUnits.get(row.dataHash)!
  const stored = row.labels
  let dataUnits = isRecord(stored.data_units)
    ? stored.data_units
    : (emptyLabels(state, unit).data_units as Record<string, unknown>)
  const item = unit.backingItemUuid === null ? undefined : state.storageItems.get(unit.backingItemUuid)
  const children = new Set(unit.dataType === 'IMG_GROUP' ? (item?.children ?? []) : [])
  dataUnits = Object.fromEntries(
    Object.entries(dataUnits).map(([hash, du]) => {
      if (!isRecord(du) || unit.dataType === 'GROUP') return [hash, du]
      if (hash === unit.dataHash) return [hash, { ...du, data_link: dataLink(state, unit, options.sign) }]
      // Image group / sequence frames: each links to its own image.
      const child = children.has(hash) ? state.storageItems.get(hash) : undefined
      if (child) return [hash, { ...du, data_link: options.sign ? options.sign(child) : itemUrl(child) }]
      return [hash, du]
    }),
  )
  let objectAnswers = isRecord(stored.object_answers) ? stored.object_answers : {}
  let classificationAnswers = isRecord(stored.classification_answers) ? stored.classification_answers : {}
  let objectActions = isRecord(stored.object_actions) ? stored.object_actions : {}
  const objects = options.objectFeatureHashes ? new Set(options.objectFeatureHashes) : null
  const classifications = options.classificationFeatureHashes ? new Set(options.classificationFeatureHashes) : null
  if (objects || classifications) {
    const keptObjects = new Set<string>()
    const keptClassifications = new Set<string>()
    dataUnits = Object.fromEntries(
      Object.entries(dataUnits).map(([hash, du]) => [
        hash,
        isRecord(du)
          ? { ...du, labels: filterLabels(du.labels, objects, classifications, keptObjects, keptClassifications) }
          : du,
      ]),
    )
    if (objects) {
      objectAnswers = keepKeys(objectAnswers, keptObjects)
      objectActions = keepKeys(objectActions, keptObjects)
    }
    if (classifications) classificationAnswers = keepKeys(classificationAnswers, keptClassifications)
  }
  return {
    label_hash: row.labelHash,
    branch_name: row.branchName,
    created_at: formatLabelRow(row.createdAt),
    last_edited_at: formatLabelRow(row.lastEditedAt),
    data_hash: row.dataHash,
    dataset_hash: unit.datasetHash,
    dataset_title: state.datasetTitle(unit.datasetHash),
    data_title: unit.dataTitle,
    data_type: unit.dataType.toLowerCase(),
    annotation_task_status: null,
    is_shadow_data: false,
    data_units: dataUnits,
    object_answers: objectAnswers,
    classification_answers: classificationAnswers,
    object_actions: objectActions,
    label_status: row.labelStatus,
    spaces: isRecord(stored.spaces) ? stored.spaces : {},
  }
}

/** The entries of `record` whose key is in `keys`, in the record's order. */
function keepKeys(record: Record<string, unknown>, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => keys.has(k)))
}

/** Filter `labels` of one data unit: `{objects, classifications}` or per frame `{"0": {...}}`. */
function filterLabels(
  labels: unknown,
  objects: Set<string> | null,
  classifications: Set<string> | null,
  keptObjects: Set<string>,
  keptClassifications: Set<string>,
): unknown {
  if (!isRecord(labels)) return labels
  const filterFrame = (frame: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...frame }
    if (Array.isArray(frame.objects)) {
      out.objects = frame.objects.filter((o) => {
        const keep = !objects || (isRecord(o) && objects.has(String(o.featureHash)))
        if (keep && isRecord(o) && typeof o.objectHash === 'string') keptObjects.add(o.objectHash)
        return keep
      })
    }
    if (Array.isArray(frame.classifications)) {
      out.classifications = frame.classifications.filter((c) => {
        const keep = !classifications || (isRecord(c) && classifications.has(String(c.featureHash)))
        if (keep && isRecord(c) && typeof c.classificationHash === 'string')
          keptClassifications.add(c.classificationHash)
        return keep
      })
    }
    return out
  }
  if ('objects' in labels || 'classifications' in labels) return filterFrame(labels)
  return Object.fromEntries(
    Object.entries(labels).map(([frame, content]) => [frame, isRecord(content) ? filterFrame(content) : content]),
  )
}
