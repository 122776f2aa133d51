/**
 * Hand-written checks for the hottest wire shapes (label row metadata and label rows, hundreds of rows
 * per page; the task listing's pages, a hundred tasks each, on the chain of requests that bounds a
 * run): the same rules as their zod schemas in `models.ts`, without zod's per-key work for loose
 * objects with ~30 keys. A value that passes is used as parsed (fresh JSON, every key kept, as
 * `looseObject` keeps them); one that fails goes through the zod schema, which says what is wrong.
 * `fast-check.test.ts` checks that both agree.
 */
import type { LegacyLabelRow, LegacyLabelRowMetadataRow, V2TaskPage } from './models.js'

type Row = Record<string, unknown>

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const str = (v: unknown) => typeof v === 'string'
const isBoolean = (v: unknown) => typeof v === 'boolean'
const strOrNull = (v: unknown) => v === null || typeof v === 'string'
/** `.nullable().optional()`: absent, null, or the type. */
const opt = (v: unknown, check: (v: unknown) => boolean) => v === undefined || v === null || check(v)

const METADATA_OPTIONAL_STRINGS = [
  'label_hash',
  'created_at',
  'last_edited_at',
  'task_uuid',
  'annotation_task_status',
  'file_type',
  'group_hash',
  'assigned_user_email',
  'last_actioned_by_user_email',
  'backing_item_uuid',
] as const
const METADATA_OPTIONAL_NUMBERS = ['priority', 'duration', 'frames_per_second', 'width', 'height'] as const
const METADATA_OPTIONAL_BOOLEANS = ['is_shadow_data', 'is_valid'] as const

function isMetadataRow(row: unknown): row is LegacyLabelRowMetadataRow {
  if (!isObject(row)) return false
  if (
    !str(row.data_hash) ||
    !str(row.dataset_hash) ||
    !str(row.dataset_title) ||
    !str(row.data_title) ||
    !str(row.data_type) ||
    !strOrNull(row.data_link) ||
    !str(row.label_status) ||
    !isNumber(row.number_of_frames) ||
    !str(row.branch_name) ||
    !isObject(row.spaces)
  )
    return false
  // Indexed loops: a `for…of` left an iterator object per key list per row before it was optimised.
  for (let i = 0; i < METADATA_OPTIONAL_STRINGS.length; i++)
    if (!opt(row[METADATA_OPTIONAL_STRINGS[i]], str)) return false
  for (let i = 0; i < METADATA_OPTIONAL_NUMBERS.length; i++)
    if (!opt(row[METADATA_OPTIONAL_NUMBERS[i]], isNumber)) return false
  for (let i = 0; i < METADATA_OPTIONAL_BOOLEANS.length; i++)
    if (!opt(row[METADATA_OPTIONAL_BOOLEANS[i]], isBoolean)) return false
  const node = row.workflow_graph_node
  if (!opt(node, (n) => isObject(n) && str(n.uuid) && str(n.title))) return false
  if (!opt(row.client_metadata, isObject)) return false
  return opt(row.images_data, (v) => Array.isArray(v) && v.every(isObject))
}

/** `labelrowmetadata` rows (`LegacyLabelRowMetadataResponse`), when every row is well-formed. */
export function isLabelRowMetadataRows(value: unknown): value is LegacyLabelRowMetadataRow[] {
  return Array.isArray(value) && value.every(isMetadataRow)
}

function isLabelRow(row: unknown): row is LegacyLabelRow {
  return (
    isObject(row) &&
    strOrNull(row.label_hash) &&
    str(row.data_hash) &&
    str(row.data_type) &&
    (row.branch_name === undefined || str(row.branch_name)) &&
    (row.data_units === undefined || isObject(row.data_units))
  )
}

/** `labelrow` rows (`LegacyLabelRowsResponse`), when every row is well-formed. */
export function isLabelRows(value: unknown): value is LegacyLabelRow[] {
  return Array.isArray(value) && value.every(isLabelRow)
}

function isTask(task: unknown): boolean {
  return (
    isObject(task) &&
    str(task.uuid) &&
    str(task.createdAt) &&
    str(task.updatedAt) &&
    str(task.dataHash) &&
    str(task.dataTitle) &&
    (task.status === undefined || str(task.status)) &&
    (task.labelBranchName === undefined || str(task.labelBranchName)) &&
    (task.assignee === undefined || strOrNull(task.assignee)) &&
    (task.lastActionedBy === undefined || strOrNull(task.lastActionedBy))
  )
}

/**
 * A page of the task listing (`V2TaskPage`), when it and every task are well-formed. Keys the schema
 * does not name are kept (zod would strip them): the client reads only the ones it names.
 */
export function isTaskPage(value: unknown): value is V2TaskPage {
  return isObject(value) && Array.isArray(value.results) && opt(value.nextPageToken, str) && value.results.every(isTask)
}
