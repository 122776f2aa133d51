/** The records the emulator's state holds, and the shapes of its queries. Timestamps are Unix milliseconds. */
import type {
  COMMON_FIELDS,
  FixtureDataUnit,
  FixtureHistoryEvent,
  FixtureIssue,
  FixtureProject,
  FixtureStage,
  FixtureStorageItem,
} from './fixture.js'
import type { StageIndex } from './stage-index.js'

/** A task as the emulator holds it. Timestamps are Unix milliseconds. */
export interface TaskRecord {
  uuid: string
  projectHash: string
  dataHash: string
  stageUuid: string
  status: string
  assignee: string | null
  lastActionedBy: string | null
  labelBranchName: string
  priority: number | null
  createdAt: number
  updatedAt: number
  /** The last pathway move, to recognise a retried identical proceed. */
  lastProceed: { fromStageUuid: string; pathwayUuid: string; toStageUuid: string } | null
}

export interface LabelRowRecord {
  labelHash: string
  projectHash: string
  dataHash: string
  branchName: string
  labelStatus: string
  createdAt: number | null
  lastEditedAt: number | null
  /** The label row dict as last saved (snake_case). */
  labels: Record<string, unknown>
}

export type StorageItemRecord = Omit<FixtureStorageItem, 'createdAt' | 'lastEditedAt'> & {
  createdAt: number | null
  lastEditedAt: number | null
}

/** A project as the emulator holds it: the fields it shares with a fixture (COMMON_FIELDS), then its own. */
export interface ProjectRecord extends Pick<FixtureProject, (typeof COMMON_FIELDS.project)[number]> {
  createdAt: number | null
  lastEditedAt: number | null
  workflowManagerUuid: string | null
  stages: FixtureStage[]
  stageByUuid: Map<string, FixtureStage>
  dataUnits: Map<string, FixtureDataUnit>
  tasks: Map<string, TaskRecord>
  tasksByData: Map<string, TaskRecord[]>
  stageIndexes: Map<string, StageIndex>
  labelRows: Map<string, LabelRowRecord>
  /** data hash → branch name → row */
  labelRowsByData: Map<string, Map<string, LabelRowRecord>>
  history: FixtureHistoryEvent[]
  /** task uuid or data hash → indexes into `history` */
  historyIndex: Map<string, number[]>
  /** Task issues, oldest first (state-issues.ts). */
  issues: FixtureIssue[]
}

/** One action of a `…/actions` bundle. */
export interface TaskAction {
  taskUuid: string
  action: string
  pathwayUuid?: string
  pathwayName?: string
  assignee?: string
}

export interface TaskFilter {
  dataHashes?: string[]
  statuses?: string[]
  userEmails?: string[]
  datasetHashes?: string[]
  dataTitleContains?: string
}

export interface TaskPage {
  tasks: TaskRecord[]
  nextPageToken: string | null
}

export interface MetadataQuery {
  dataHashes?: string[] | null
  labelHashes?: string[] | null
  branchName?: string | null
  includeAllLabelBranches?: boolean
  includeUninitialisedLabels?: boolean
  dataTitleEq?: string | null
  dataTitleLike?: string | null
  workflowGraphNodeTitleEq?: string | null
  workflowGraphNodeTitleLike?: string | null
  labelStatuses?: string[] | null
  editedBefore?: string | null
  editedAfter?: string | null
  shadowDataState?: string | null
}

/** One label row metadata row before it is put on the wire. */
export interface MetadataRow {
  dataUnit: FixtureDataUnit
  branchName: string
  labelRow: LabelRowRecord | null
  task: TaskRecord | null
}

/** A change listener: called after every mutation (the persister schedules a write). */
export type ChangeListener = (kind: FixtureHistoryEvent['kind']) => void
