/** Encord's wire records (models.ts) turned into the client's own types (types.ts). */
import { EncordProtocolError, type EncordCall } from './errors.js'
import { pick } from '../shared/records.js'
import {
  STORAGE_ITEM_FIELDS,
  WORKFLOW_STAGE_TYPES,
  type LegacyLabelRowMetadataRow,
  type V2Stage,
  type V2StorageItem,
  type V2Task,
} from './models.js'
import type { AgentTask, LabelRowMetadata, Stage, StageType, StorageItem } from './types.js'

/** The types a `Stage` names; any other (routers, future kinds) is `OTHER`. */
const MODELLED_STAGE_TYPES: ReadonlySet<string> = new Set(WORKFLOW_STAGE_TYPES)

export function toStage(stage: V2Stage): Stage {
  const type: StageType = MODELLED_STAGE_TYPES.has(stage.stageType) ? (stage.stageType as StageType) : 'OTHER'
  return {
    uuid: stage.uuid,
    title: stage.title,
    type,
    rawType: stage.stageType,
    pathways: (stage.pathways ?? []).map((p) => ({ uuid: p.uuid, name: p.title, destinationUuid: p.destinationUuid })),
  }
}

export function toTask(task: V2Task, stageUuid: string): AgentTask {
  return {
    uuid: task.uuid,
    stageUuid,
    status: task.status ?? 'NEW',
    dataHash: task.dataHash,
    dataTitle: task.dataTitle,
    labelBranchName: task.labelBranchName ?? 'main',
    assignee: task.assignee ?? null,
    lastActionedBy: task.lastActionedBy ?? null,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
  }
}

export function toLabelRowMetadata(row: LegacyLabelRowMetadataRow): LabelRowMetadata {
  return {
    labelHash: row.label_hash ?? null,
    dataHash: row.data_hash,
    dataTitle: row.data_title,
    dataType: row.data_type,
    datasetHash: row.dataset_hash,
    datasetTitle: row.dataset_title,
    dataLink: row.data_link,
    branchName: row.branch_name,
    labelStatus: row.label_status,
    workflowGraphNode: row.workflow_graph_node ?? null,
    taskUuid: row.task_uuid ?? null,
    priority: row.priority ?? null,
    backingItemUuid: row.backing_item_uuid ?? null,
    clientMetadata: row.client_metadata ?? null,
    width: row.width ?? null,
    height: row.height ?? null,
    numberOfFrames: row.number_of_frames,
    fps: row.frames_per_second ?? null,
    duration: row.duration ?? null,
    fileType: row.file_type ?? null,
    createdAt: row.created_at ?? null,
    lastEditedAt: row.last_edited_at ?? null,
    raw: row,
  }
}

export function toStorageItem(item: V2StorageItem, call: EncordCall): StorageItem {
  let clientMetadata: Record<string, unknown> = {}
  const text = item.clientMetadata.trim()
  if (text !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new EncordProtocolError('clientMetadata', { itemUuid: item.uuid }, { call })
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      clientMetadata = parsed as Record<string, unknown>
  }
  return {
    ...pick(item, STORAGE_ITEM_FIELDS.identity),
    clientMetadata,
    mimeType: item.mimeType,
    url: item.url,
    signedUrl: item.signedUrl,
    ...pick(item, STORAGE_ITEM_FIELDS.media),
    createdAt: item.createdAt,
    lastEditedAt: item.lastEditedAt,
    raw: item,
  }
}
