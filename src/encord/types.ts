/**
 * The Encord domain as our client returns it: camelCase, parsed, with the raw wire object kept where
 * users may need fields we do not model. Wire shapes (snake_case legacy, camelCase v2) live in
 * `models.ts`; these are what the rest of the code uses.
 */
import type { WORKFLOW_STAGE_TYPES } from './models.js'

/** Stage types the workflow graph can hold. Unknown types (routers, future kinds) become `OTHER`. */
export type StageType = (typeof WORKFLOW_STAGE_TYPES)[number] | 'OTHER'

export interface Pathway {
  uuid: string
  /** The pathway's title in Encord; handlers return this name or the uuid. */
  name: string
  destinationUuid: string
}

export interface Stage {
  uuid: string
  title: string
  type: StageType
  /** The stage type exactly as the server sent it (e.g. `PERCENTAGE_ROUTER` for an `OTHER`). */
  rawType: string
  /** Agent stages only; empty for the others. */
  pathways: Pathway[]
}

export interface Workflow {
  stages: Stage[]
}

export interface ProjectOntology {
  ontologyHash: string
  title: string
  description: string
  /** The ontology structure (`editor`): objects, classifications, skeleton templates. */
  structure: Record<string, unknown>
  createdAt: string | null
  lastEditedAt: string | null
}

export interface Project {
  projectHash: string
  title: string
  description: string
  projectType: string
  status: string
  ontologyHash: string
  ontology: ProjectOntology
  workflow: Workflow
  userRole: number | null
  createdAt: string | null
  lastEditedAt: string | null
}

export type TaskStatus = 'NEW' | 'ASSIGNED' | 'RELEASED' | 'SKIPPED' | 'REOPENED' | 'COMPLETED' | (string & {})

/** A task waiting in a workflow stage. */
export interface AgentTask {
  uuid: string
  /** The stage the task was listed from. */
  stageUuid: string
  status: TaskStatus
  dataHash: string
  dataTitle: string
  labelBranchName: string
  assignee: string | null
  lastActionedBy: string | null
  createdAt: string | null
  updatedAt: string | null
}

/** Filters of the task listing; each maps to a query parameter of the API. */
export interface TaskFilters {
  dataHashes?: string[]
  datasetHashes?: string[]
  dataTitleContains?: string
  statuses?: TaskStatus[]
  /** Assignee emails. */
  userEmails?: string[]
}

export interface ProceedAction {
  taskUuid: string
  /** Exactly one of pathwayUuid / pathwayName. */
  pathwayUuid?: string
  pathwayName?: string
  /** The task's data hash, used to check which tasks really moved after an ambiguous failure. */
  dataHash?: string
}

export interface ProceedResult {
  /** Tasks moved by this call (including ones whose move was applied before a dropped connection). */
  proceeded: string[]
  /** Tasks that were no longer in the stage (moved elsewhere, deleted) and so were not moved by us. */
  stale: Array<{ taskUuid: string; reason: string }>
}

export interface LabelRowMetadataOptions {
  dataHashes?: string[]
  labelHashes?: string[]
  branchName?: string | null
  includeClientMetadata?: boolean
  includeImagesData?: boolean
  includeChildren?: boolean
  /** @default true */
  includeWorkflowGraphNode?: boolean
  includeAllLabelBranches?: boolean
  dataTitleEq?: string
  dataTitleLike?: string
  workflowGraphNodeTitleEq?: string
  workflowGraphNodeTitleLike?: string
  labelStatuses?: string[]
  editedBefore?: string
  editedAfter?: string
}

/** One row of `labelrowmetadata`: what is known about a data unit's labels before they are loaded. */
export interface LabelRowMetadata {
  labelHash: string | null
  dataHash: string
  dataTitle: string
  /** UPPER case, e.g. `IMAGE`, `VIDEO`, `IMG_GROUP`. */
  dataType: string
  datasetHash: string
  datasetTitle: string
  dataLink: string | null
  branchName: string
  labelStatus: string
  workflowGraphNode: { uuid: string; title: string } | null
  taskUuid: string | null
  priority: number | null
  backingItemUuid: string | null
  clientMetadata: Record<string, unknown> | null
  width: number | null
  height: number | null
  numberOfFrames: number
  fps: number | null
  duration: number | null
  fileType: string | null
  createdAt: string | null
  lastEditedAt: string | null
  /** The row exactly as the server sent it (snake_case). */
  raw: Record<string, unknown>
}

/** A label row's full JSON (snake_case, the save format). Parsed into a model by `src/labels`. */
export type LabelRowDict = Record<string, unknown>

export interface StorageItem {
  uuid: string
  parent: string
  itemType: string
  name: string
  description: string
  /** Parsed from the JSON string the API sends. */
  clientMetadata: Record<string, unknown>
  mimeType: string | null
  url: string | null
  signedUrl: string | null
  width: number | null
  height: number | null
  frameCount: number | null
  fps: number | null
  duration: number | null
  fileSize: number | null
  createdAt: string | null
  lastEditedAt: string | null
  /** The item exactly as the server sent it (camelCase). */
  raw: Record<string, unknown>
}

/** How `listTasks` reads its pages. */
export interface ListTasksOptions {
  /**
   * Request the next page as soon as the current page's cursor is read from its reply (in the reply's
   * own callback, before the page is checked and whether or not the consumer has got to it), as long as
   * at most one page that arrived waits unread: a consumer that reads the whole listing waits one round
   * trip per page and nothing more, and at most two pages are held ahead of the one being handed out.
   * A consumer that stops early leaves up to two pages unread.
   * @default false (the next page is requested when the iterator needs it)
   */
  pageAhead?: boolean
}

/** Options of {@link EncordApi.getProject}. */
export interface GetProjectOptions {
  /**
   * Called once with the project's workflow as soon as the project's own record is in, before its
   * ontology is fetched (a second round trip): a caller can start on a stage's tasks meanwhile. Not
   * called when the project cannot be fetched. What it throws rejects `getProject`.
   */
  onWorkflow?: (workflow: Workflow) => void
}

/**
 * Everything the runner needs from Encord. `EncordClient` implements it over HTTP; nothing else does
 * (tests run the real client against the local emulator).
 */
export interface EncordApi {
  /** The account's projects, datasets, ontologies and workflow templates; create and delete projects. */
  readonly workspace: EncordWorkspace
  /** Task issues: the comment threads on a data unit, a frame or a point of a frame. */
  readonly issues: EncordIssues
  /** The project with its workflow and ontology (see {@link GetProjectOptions} to act on the workflow sooner). */
  getProject(projectHash: string, options?: GetProjectOptions): Promise<Project>
  /**
   * Open connections ahead of the requests that will need them (up to `connections` in all, bounded by
   * the client's pool), without sending any request: their handshakes overlap the first requests.
   */
  preconnect?(connections: number): void
  /**
   * All tasks of a stage, page by page; the next page is fetched only when the iterator needs it, or,
   * with `pageAhead`, as soon as the current page's cursor is read.
   */
  listTasks(
    projectHash: string,
    stageUuid: string,
    filters?: TaskFilters,
    options?: ListTasksOptions,
  ): AsyncIterable<AgentTask>
  /** The same listing as `listTasks`, one page of tasks (a non-empty array) at a time. */
  listTaskPages(
    projectHash: string,
    stageUuid: string,
    filters?: TaskFilters,
    options?: ListTasksOptions,
  ): AsyncIterable<AgentTask[]>
  /** Proceed tasks of one stage; bundles to the API's limit; reports stale tasks instead of failing. */
  proceedTasks(projectHash: string, stageUuid: string, actions: ProceedAction[]): Promise<ProceedResult>
  listLabelRowMetadata(projectHash: string, options?: LabelRowMetadataOptions): Promise<LabelRowMetadata[]>
  /** Create label rows for data units that have none yet (legacy `labelrow` PUT), bundled. */
  createLabelRows(
    projectHash: string,
    dataHashes: string[],
    options?: { branchName?: string; includeSignedUrl?: boolean },
  ): Promise<LabelRowDict[]>
  /** Fetch label rows by label hash (legacy `labelrow` GET), bundled. */
  getLabelRows(
    projectHash: string,
    labelHashes: string[],
    options?: {
      includeSignedUrl?: boolean
      includeObjectFeatureHashes?: string[]
      includeClassificationFeatureHashes?: string[]
      includeReviews?: boolean
    },
  ): Promise<LabelRowDict[]>
  /** Save (overwrite) label rows, bundled. */
  saveLabelRows(projectHash: string, rows: Array<{ labelHash: string; labelRow: LabelRowDict }>): Promise<void>
  /** Set priorities by data hash, bundled. 0 is a valid priority and is sent. */
  setPriorities(projectHash: string, priorities: Array<{ dataHash: string; priority: number }>): Promise<void>
  /** Storage items in bulk, in the order asked. */
  getStorageItems(itemUuids: string[], options?: { signUrls?: boolean }): Promise<StorageItem[]>
  getStorageItem(itemUuid: string, options?: { signUrl?: boolean }): Promise<StorageItem>
  updateStorageItem(
    item: { uuid: string; parent: string },
    patch: { name?: string; description?: string; clientMetadata?: Record<string, unknown> },
  ): Promise<StorageItem>
  /** Stream a (signed) media URL to a file. */
  downloadToFile(
    url: string,
    path: string,
    options?: { signal?: AbortSignal },
  ): Promise<{ bytes: number; contentType: string | null }>
}
import type { EncordIssues } from './issues.js'
import type { EncordWorkspace } from './workspace.js'
