import { z } from 'zod'

/**
 * Encord's wire shapes, as zod schemas. Both our HTTP client (`client.ts`) and the local emulator
 * (`src/emulator`) parse with these, so the two sides read one schema. See the wire spec,
 * `test/fixtures/encord-api/README.md`, for where each shape comes from.
 *
 * Policy, mirroring the Python SDK (pydantic, `extra="ignore"`):
 * - unknown keys are ignored (zod's default `z.object` strips them), except where a shape is passed on
 *   untouched (label row dicts, ontology structures, raw rows), which keep every key;
 * - a key the SDK requires is required here, even when its value may be `null` (pydantic v2 requires an
 *   `Optional[...]` field without a default to be present);
 * - enums the SDK treats as open (project status, task status, stage types we do not know) are strings,
 *   so a new value on the server never breaks loading.
 *
 * v2 (REST) shapes are camelCase and prefixed `V2`; legacy RPC shapes are snake_case and prefixed `Legacy`.
 */

// ------------------------------------------------------------------------------------------------
// Common pieces

/** A datetime as the server sends it. The SDK parses many formats; we keep the text. */
export const WireDateTime = z.string()
/** A JSON object whose content we pass on untouched. */
export const JsonObject = z.record(z.string(), z.unknown())

/**
 * Stage types Encord sends in `workflow.stages` and our client models as a `StageType`: no START (never
 * sent) and no routers (the SDK cannot parse them there).
 */
export const WORKFLOW_STAGE_TYPES = [
  'ANNOTATION',
  'REVIEW',
  'AGENT',
  'DONE',
  'CONSENSUS_ANNOTATION',
  'CONSENSUS_REVIEW',
] as const

/** Stage types the SDK knows. Others (e.g. a future router kind) are kept as strings. */
export const KNOWN_STAGE_TYPES = [...WORKFLOW_STAGE_TYPES, 'PERCENTAGE_ROUTER', 'USER_ROUTER'] as const

/** Task statuses of agent and annotation stages (open: unknown values are kept). */
export const TASK_STATUSES = ['NEW', 'ASSIGNED', 'RELEASED', 'SKIPPED', 'REOPENED', 'COMPLETED'] as const

// ------------------------------------------------------------------------------------------------
// REST v2: project, workflow, ontology

/** An agent stage's pathway; `title` is what handlers return as the pathway name. */
export const V2Pathway = z.object({
  uuid: z.string(),
  title: z.string(),
  destinationUuid: z.string(),
})
export type V2Pathway = z.infer<typeof V2Pathway>

/**
 * One workflow stage. The SDK accepts `stageType` or `stage_type`; we normalise to `stageType`.
 * Any stage type is accepted (unknown ones map to our `OTHER`); AGENT stages must carry `pathways`,
 * as the SDK requires.
 */
export const V2Stage = z.preprocess(
  (input) => {
    if (input !== null && typeof input === 'object' && !('stageType' in input) && 'stage_type' in input) {
      const { stage_type, ...rest } = input as Record<string, unknown>
      return { ...rest, stageType: stage_type }
    }
    return input
  },
  z
    .object({
      stageType: z.string(),
      uuid: z.string(),
      title: z.string(),
      pathways: z.array(V2Pathway).optional(),
    })
    .superRefine((stage, ctx) => {
      if (stage.stageType === 'AGENT' && stage.pathways === undefined) {
        ctx.addIssue({ code: 'custom', path: ['pathways'], message: 'an AGENT stage must list its pathways' })
      }
    }),
)
export type V2Stage = z.infer<typeof V2Stage>

export const V2Workflow = z.object({ stages: z.array(V2Stage) })
export type V2Workflow = z.infer<typeof V2Workflow>

/** `GET /v2/public/projects/{P}` (spec §6.1). */
export const V2Project = z.object({
  projectHash: z.string(),
  projectType: z.string(),
  status: z.string(),
  title: z.string(),
  description: z.string(),
  createdAt: WireDateTime,
  lastEditedAt: WireDateTime,
  ontologyHash: z.string(),
  editorOntology: JsonObject,
  userRole: z.number().nullable().optional(),
  sourceProjects: z.array(z.string()).nullable().optional(),
  workflowManagerUuid: z.string().nullable().optional(),
  workflow: V2Workflow.nullable().optional(),
})
export type V2Project = z.infer<typeof V2Project>

/** `GET /v2/public/ontologies/{O}` (spec §6.2). `editor` is the ontology structure, kept untouched. */
export const V2Ontology = z.object({
  ontologyUuid: z.string(),
  title: z.string(),
  description: z.string(),
  editor: JsonObject,
  createdAt: WireDateTime,
  lastEditedAt: WireDateTime,
  userRole: z.number().nullable(),
})
export type V2Ontology = z.infer<typeof V2Ontology>

// ------------------------------------------------------------------------------------------------
// REST v2: tasks

const TaskBase = {
  uuid: z.string(),
  createdAt: WireDateTime,
  updatedAt: WireDateTime,
  dataHash: z.string(),
  dataTitle: z.string(),
}

/** A task of an AGENT stage (spec §6.4). */
export const V2AgentTask = z.object({
  ...TaskBase,
  status: z.string(),
  labelBranchName: z.string(),
  assignee: z.string().nullable(),
  lastActionedBy: z.string().nullable(),
})
export type V2AgentTask = z.infer<typeof V2AgentTask>

/** A task of an ANNOTATION stage. */
export const V2AnnotationTask = z.object({
  ...TaskBase,
  status: z.string(),
  labelBranchName: z.string(),
  assignee: z.string().nullable(),
})
export type V2AnnotationTask = z.infer<typeof V2AnnotationTask>

/** A task of a REVIEW stage. */
export const V2ReviewTask = z.object({
  ...TaskBase,
  status: z.string(),
  assignee: z.string().nullable(),
})
export type V2ReviewTask = z.infer<typeof V2ReviewTask>

/** A task of a DONE stage. */
export const V2FinalTask = z.object({ ...TaskBase })
export type V2FinalTask = z.infer<typeof V2FinalTask>

/** A task of a CONSENSUS_ANNOTATION stage. */
export const V2ConsensusAnnotationTask = z.object({
  ...TaskBase,
  subtasks: z.array(V2AnnotationTask),
})
export type V2ConsensusAnnotationTask = z.infer<typeof V2ConsensusAnnotationTask>

/** A task of a CONSENSUS_REVIEW stage. */
export const V2ConsensusReviewTask = z.object({
  ...TaskBase,
  status: z.string(),
  assignee: z.string().nullable(),
  options: z.array(z.object({ annotator: z.string(), labelBranchName: z.string(), labelHash: z.string().nullable() })),
})
export type V2ConsensusReviewTask = z.infer<typeof V2ConsensusReviewTask>

/**
 * A task of any stage type, as the client reads it: the keys every stage type has are required, the
 * per-type keys optional. Use the per-type schemas above to check a specific stage's output exactly.
 */
export const V2Task = z.object({
  ...TaskBase,
  status: z.string().optional(),
  labelBranchName: z.string().optional(),
  assignee: z.string().nullable().optional(),
  lastActionedBy: z.string().nullable().optional(),
})
export type V2Task = z.infer<typeof V2Task>

/** The task schema for a stage type (unknown types: the common `V2Task`). */
export function taskSchemaFor(stageType: string): z.ZodType {
  switch (stageType) {
    case 'AGENT':
      return V2AgentTask
    case 'ANNOTATION':
      return V2AnnotationTask
    case 'REVIEW':
      return V2ReviewTask
    case 'DONE':
      return V2FinalTask
    case 'CONSENSUS_ANNOTATION':
      return V2ConsensusAnnotationTask
    case 'CONSENSUS_REVIEW':
      return V2ConsensusReviewTask
    default:
      return V2Task
  }
}

/** A page of a v2 listing: `{results, nextPageToken}`; a missing or null token ends the listing. */
export function v2Page<T extends z.ZodType>(item: T) {
  return z.object({ results: z.array(item), nextPageToken: z.string().nullable().optional() })
}
export const V2TaskPage = v2Page(V2Task)
export type V2TaskPage = z.infer<typeof V2TaskPage>

/**
 * Query parameters of `GET …/workflow/stages/{S}/tasks`, in the order the SDK sends them (base DTO
 * first: `pageToken`). Lists are repeated keys.
 */
export const LIST_TASKS_QUERY_KEYS = [
  'pageToken',
  'userEmails',
  'dataHashes',
  'datasetHashes',
  'dataTitleContains',
  'statuses',
] as const

/** The parsed query of a task listing (what a server reads; lists already collected). */
export const V2ListTasksQuery = z.object({
  pageToken: z.string().optional(),
  userEmails: z.array(z.string()).optional(),
  dataHashes: z.array(z.string()).optional(),
  datasetHashes: z.array(z.string()).optional(),
  dataTitleContains: z.string().optional(),
  statuses: z.array(z.string()).optional(),
})
export type V2ListTasksQuery = z.infer<typeof V2ListTasksQuery>

// ------------------------------------------------------------------------------------------------
// REST v2: actions (proceed) and priorities

/**
 * One action of `POST …/stages/{S}/actions` (spec §6.5). Key order on the wire: `taskUuid`, `action`,
 * then the pathway key. For `PATHWAY_ACTION` exactly one of `pathwayUuid` / `pathwayName` is required.
 */
export const V2WorkflowAction = z
  .object({
    taskUuid: z.string(),
    action: z.string(),
    pathwayUuid: z.string().optional(),
    pathwayName: z.string().optional(),
    assignee: z.string().nullable().optional(),
    retainAssignee: z.boolean().optional(),
  })
  .superRefine((a, ctx) => {
    if (a.action === 'PATHWAY_ACTION' && (a.pathwayUuid === undefined) === (a.pathwayName === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a PATHWAY_ACTION needs exactly one of pathwayUuid or pathwayName' })
    }
  })
export type V2WorkflowAction = z.infer<typeof V2WorkflowAction>

/** The body of `POST …/actions`: a JSON array. */
export const V2WorkflowActionsBody = z.array(V2WorkflowAction)
export type V2WorkflowActionsBody = z.infer<typeof V2WorkflowActionsBody>

/** `POST /v2/public/projects/{P}/priorities`: pairs of data hash and priority 0..1 (0 is valid). */
export const V2PrioritiesBody = z.object({
  priorities: z.array(z.tuple([z.string(), z.number().min(0).max(1)])),
})
export type V2PrioritiesBody = z.infer<typeof V2PrioritiesBody>

// ------------------------------------------------------------------------------------------------
// REST v2: storage

/**
 * A storage item (spec §6.11). Every key is present on the wire (nullable ones may be null);
 * `clientMetadata` is a JSON-encoded **string** here. Unknown keys are kept (the client hands the
 * item to users as `raw`).
 */
export const V2StorageItem = z.looseObject({
  uuid: z.string(),
  parent: z.string(),
  itemType: z.string(),
  name: z.string(),
  description: z.string().default(''),
  clientMetadata: z.string(),
  owner: z.string(),
  createdAt: WireDateTime,
  lastEditedAt: WireDateTime,
  isTombstone: z.boolean().default(false),
  isPlaceholder: z.boolean().default(false),
  backedDataUnitsCount: z.number(),
  storageLocation: z.string(),
  integrationHash: z.string().nullable(),
  url: z.string().nullable(),
  signedUrl: z.string().nullable(),
  fileSize: z.number().nullable(),
  mimeType: z.string().nullable(),
  duration: z.number().nullable(),
  fps: z.number().nullable(),
  height: z.number().nullable(),
  width: z.number().nullable(),
  dicomInstanceUid: z.string().nullable(),
  dicomStudyUid: z.string().nullable(),
  dicomSeriesUid: z.string().nullable(),
  frameCount: z.number().nullable(),
  audioSampleRate: z.number().nullable(),
  audioBitDepth: z.number().nullable(),
  audioCodec: z.string().nullable(),
  audioNumChannels: z.number().nullable(),
})
export type V2StorageItem = z.infer<typeof V2StorageItem>

/**
 * The fields a storage item holds alike, same name and meaning, on the wire (V2StorageItem), in the
 * client's StorageItem, in the emulator's state and in a fixture. Conversions copy them with `pick`, in
 * this order (the order each of those shapes keeps), and write the rest themselves.
 */
export const STORAGE_ITEM_FIELDS = {
  /** What the item is: every shape starts with these. */
  identity: ['uuid', 'parent', 'itemType', 'name', 'description'],
  /** The media's size and length, as the client's StorageItem and a fixture order them. */
  media: ['width', 'height', 'frameCount', 'fps', 'duration', 'fileSize'],
} as const satisfies Record<string, readonly (keyof V2StorageItem)[]>

/** `POST /v2/public/storage/items/get-bulk` body (key order: `itemUuids`, `signUrls`). */
export const V2GetBulkBody = z.object({ itemUuids: z.array(z.string()), signUrls: z.boolean() })
export type V2GetBulkBody = z.infer<typeof V2GetBulkBody>

/** `get-bulk` response; the order should match the request (the client matches by uuid anyway). */
export const V2GetBulkResponse = z.object({ results: z.array(V2StorageItem) })
export type V2GetBulkResponse = z.infer<typeof V2GetBulkResponse>

/** `…/child-items?signUrls=True` response. */
export const V2ChildItemsResponse = z.object({ results: z.array(V2StorageItem) })

/**
 * `PATCH /v2/public/storage/folders/{F}/items/{I}` body. Here `clientMetadata` is a JSON **object**
 * (the whole new metadata), unlike the string in responses.
 */
export const V2StoragePatchBody = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  clientMetadata: JsonObject.optional(),
})
export type V2StoragePatchBody = z.infer<typeof V2StoragePatchBody>

// ------------------------------------------------------------------------------------------------
// REST v2: errors

/** A v2 error body: the SDK reads `message`, else `detail`. Either may be absent. */
export const V2ErrorBody = z.object({
  message: z.string().optional(),
  detail: z.unknown().optional(),
})
export type V2ErrorBody = z.infer<typeof V2ErrorBody>

// ------------------------------------------------------------------------------------------------
// Legacy RPC: request and envelope

export const LEGACY_QUERY_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const

/**
 * The body of `POST {domain}/public` (spec §3.1). Key order on the wire: `query_type`, `query_method`,
 * `values` with `uid` then `payload`.
 */
export const LegacyRequestBody = z.object({
  query_type: z.string(),
  query_method: z.enum(LEGACY_QUERY_METHODS),
  values: z.object({
    uid: z.union([z.null(), z.string(), z.array(z.string()), JsonObject]),
    payload: z.union([z.null(), JsonObject, z.array(z.unknown())]),
  }),
})
export type LegacyRequestBody = z.infer<typeof LegacyRequestBody>

/** Every legacy response: `{status, response, payload?}`; `status` ≠ 200 means an error. */
export const LegacyEnvelope = z.object({
  status: z.number(),
  response: z.unknown(),
  payload: z.unknown().optional(),
})
export type LegacyEnvelope = z.infer<typeof LegacyEnvelope>

/** An error envelope: `response` is a one-element list holding the error code (spec §3.2). */
export const LegacyErrorEnvelope = z.object({
  status: z.number().refine((s) => s !== 200, 'an error envelope has a status other than 200'),
  response: z.array(z.string()).min(1),
  payload: z.unknown().optional(),
})
export type LegacyErrorEnvelope = z.infer<typeof LegacyErrorEnvelope>

/** Error codes the SDK maps to specific exceptions (others become a generic server error). */
export const LEGACY_ERROR_CODES = [
  'AUTHENTICATION_ERROR',
  'AUTHORISATION_ERROR',
  'RESOURCE_NOT_FOUND_ERROR',
  'METHOD_NOT_ALLOWED_ERROR',
  'UNKNOWN_ERROR',
  'OPERATION_NOT_ALLOWED',
  'ANSWER_DICTIONARY_ERROR',
  'CORRUPTED_LABEL_ERROR',
  'RESOURCE_EXISTS_ERROR',
  'DUPLICATE_SSH_KEY_ERROR',
  'SSH_KEY_NOT_FOUND_ERROR',
  'INVALID_ARGUMENTS_ERROR',
  'MULTI_LABEL_LIMIT_ERROR',
  'WRONG_PROJECT_TYPE_ERROR',
] as const
export type LegacyErrorCode = (typeof LEGACY_ERROR_CODES)[number] | (string & {})

// ------------------------------------------------------------------------------------------------
// Legacy RPC: labelrowmetadata

/**
 * Payload keys of `labelrowmetadata` GET, in the exact order the SDK sends them (every key always
 * present). Bodies are signed byte-for-byte, so order matters for vector reproduction.
 */
export const LABEL_ROW_METADATA_PAYLOAD_KEYS = [
  'edited_before',
  'edited_after',
  'label_statuses',
  'shadow_data_state',
  'include_uninitialised_labels',
  'data_hashes',
  'label_hashes',
  'data_title_eq',
  'data_title_like',
  'workflow_graph_node_title_eq',
  'workflow_graph_node_title_like',
  'include_client_metadata',
  'include_images_data',
  'include_children',
  'include_workflow_graph_node',
  'include_all_label_branches',
  'branch_name',
] as const

const nullableStrings = z.array(z.string()).nullable()

/** `labelrowmetadata` GET payload (spec §6.6). */
export const LegacyLabelRowMetadataPayload = z.object({
  edited_before: z.string().nullable(),
  edited_after: z.string().nullable(),
  label_statuses: nullableStrings,
  shadow_data_state: z.string().nullable(),
  include_uninitialised_labels: z.boolean(),
  data_hashes: nullableStrings,
  label_hashes: nullableStrings,
  data_title_eq: z.string().nullable(),
  data_title_like: z.string().nullable(),
  workflow_graph_node_title_eq: z.string().nullable(),
  workflow_graph_node_title_like: z.string().nullable(),
  include_client_metadata: z.boolean(),
  include_images_data: z.boolean(),
  include_children: z.boolean(),
  include_workflow_graph_node: z.boolean(),
  include_all_label_branches: z.boolean(),
  branch_name: z.string().nullable(),
})
export type LegacyLabelRowMetadataPayload = z.infer<typeof LegacyLabelRowMetadataPayload>

/**
 * One `labelrowmetadata` row (spec §6.6). Required keys as the SDK requires them; all other keys are
 * optional and every key (known or not) is kept, so `raw` can be handed to users.
 */
export const LegacyLabelRowMetadataRow = z.looseObject({
  data_hash: z.string(),
  dataset_hash: z.string(),
  dataset_title: z.string(),
  data_title: z.string(),
  /** UPPER case here: IMAGE, VIDEO, IMG_GROUP, ... */
  data_type: z.string(),
  data_link: z.string().nullable(),
  label_status: z.string(),
  number_of_frames: z.number(),
  branch_name: z.string(),
  spaces: JsonObject,
  label_hash: z.string().nullable().optional(),
  created_at: z.string().nullable().optional(),
  last_edited_at: z.string().nullable().optional(),
  workflow_graph_node: z.object({ uuid: z.string(), title: z.string() }).nullable().optional(),
  task_uuid: z.string().nullable().optional(),
  priority: z.number().nullable().optional(),
  annotation_task_status: z.string().nullable().optional(),
  is_shadow_data: z.boolean().nullable().optional(),
  duration: z.number().nullable().optional(),
  frames_per_second: z.number().nullable().optional(),
  width: z.number().nullable().optional(),
  height: z.number().nullable().optional(),
  file_type: z.string().nullable().optional(),
  is_valid: z.boolean().nullable().optional(),
  group_hash: z.string().nullable().optional(),
  assigned_user_email: z.string().nullable().optional(),
  last_actioned_by_user_email: z.string().nullable().optional(),
  backing_item_uuid: z.string().nullable().optional(),
  /** A JSON object here (not a string as in storage items), only with `include_client_metadata`. */
  client_metadata: JsonObject.nullable().optional(),
  images_data: z.array(JsonObject).nullable().optional(),
})
export type LegacyLabelRowMetadataRow = z.infer<typeof LegacyLabelRowMetadataRow>

/** `labelrowmetadata` GET result: a list (possibly empty); `null` means not found. */
export const LegacyLabelRowMetadataResponse = z.array(LegacyLabelRowMetadataRow)

// ------------------------------------------------------------------------------------------------
// Legacy RPC: labelrow

/**
 * A label row dict (spec §6.8; the save format). Only the identifying keys are checked; the rest
 * (data_units, object_answers, ...) is kept untouched for `src/labels`.
 */
export const LegacyLabelRow = z.looseObject({
  label_hash: z.string().nullable(),
  data_hash: z.string(),
  data_type: z.string(),
  branch_name: z.string().optional(),
  data_units: JsonObject.optional(),
})
export type LegacyLabelRow = z.infer<typeof LegacyLabelRow>

/** Top-level label row keys the SDK keeps when it parses a row (others are silently dropped). */
export const LABEL_ROW_KEYS = [
  'label_hash',
  'branch_name',
  'created_at',
  'last_edited_at',
  'dataset_hash',
  'dataset_title',
  'data_title',
  'data_hash',
  'data_type',
  'data_units',
  'object_answers',
  'classification_answers',
  'object_actions',
  'label_status',
  'annotation_task_status',
  'is_valid',
  'spaces',
] as const

/** `labelrow` GET payload (spec §6.8); `uid` = label hashes. Key order as sent. */
export const LegacyLabelRowGetPayload = z.object({
  get_signed_url: z.boolean(),
  multi_request: z.boolean(),
  include_object_feature_hashes: nullableStrings,
  include_classification_feature_hashes: nullableStrings,
  include_reviews: z.boolean(),
  include_export_history: z.boolean(),
  include_archived: z.boolean(),
})
export type LegacyLabelRowGetPayload = z.infer<typeof LegacyLabelRowGetPayload>

/**
 * `labelrow` PUT (create) payload (spec §6.7); `uid` = data hashes. The SDK's `create_label_rows` sends
 * `branch_name: null` when no branch is named (the main branch).
 */
export const LegacyLabelRowCreatePayload = z.object({
  multi_request: z.boolean(),
  get_signed_url: z.boolean(),
  branch_name: z.string().nullable(),
})
export type LegacyLabelRowCreatePayload = z.infer<typeof LegacyLabelRowCreatePayload>

/** `labelrow` POST (save) payload (spec §6.9); `uid` = label hashes, `labels[i]` belongs to `uid[i]`. */
export const LegacyLabelRowSavePayload = z.object({
  multi_request: z.boolean(),
  labels: z.array(z.looseObject({ label_hash: z.string().nullable().optional() })),
  validate_before_saving: z.boolean().optional(),
})
export type LegacyLabelRowSavePayload = z.infer<typeof LegacyLabelRowSavePayload>

/** `labelrow` GET / PUT result: a list of label row dicts. */
export const LegacyLabelRowsResponse = z.array(LegacyLabelRow)

/** `labelworkflowgraphnode` POST payload (not used by the runner). */
export const LegacyWorkflowGraphNodePayload = z.object({ action: z.enum(['complete', 'reopen']) })
