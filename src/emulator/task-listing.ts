import { notFound } from './http-error.js'
import type { StageIndex } from './stage-index.js'
import type { ProjectRecord, TaskFilter, TaskPage, TaskRecord } from './state-records.js'

/** Listing a stage's tasks with the API's filters (split from state.ts; reads the records only). */

/**
 * One page of a stage's tasks in task-uuid order. The page token is the uuid of the last task of the
 * previous page (a keyset cursor), so it stays valid while tasks leave the stage between pages.
 */
export function listStageTasks(
  project: ProjectRecord,
  stageUuid: string,
  filter: TaskFilter,
  pageToken: string | undefined,
  pageSize: number,
): TaskPage {
  const index = project.stageIndexes.get(stageUuid)
  if (!index) throw notFound('Not found', `Stage ${stageUuid} not found`)
  const matches = taskMatcher(project, filter)
  const out: TaskRecord[] = []
  let more = false
  const candidates =
    filter.dataHashes && filter.dataHashes.length > 0
      ? tasksByDataHashes(project, index, filter.dataHashes, pageToken)
      : index.after(pageToken)
  for (const uuid of candidates) {
    const task = project.tasks.get(uuid)!
    if (!matches(task)) continue
    if (out.length === pageSize) {
      more = true
      break
    }
    out.push(task)
  }
  return { tasks: out, nextPageToken: more ? out[out.length - 1].uuid : null }
}

function tasksByDataHashes(
  project: ProjectRecord,
  index: StageIndex,
  dataHashes: string[],
  cursor: string | undefined,
): string[] {
  const uuids = new Set<string>()
  for (const hash of dataHashes) {
    for (const task of project.tasksByData.get(hash) ?? []) {
      if (index.has(task.uuid) && (cursor === undefined || task.uuid > cursor)) uuids.add(task.uuid)
    }
  }
  return [...uuids].sort()
}

function taskMatcher(project: ProjectRecord, filter: TaskFilter): (task: TaskRecord) => boolean {
  const statuses = filter.statuses && filter.statuses.length > 0 ? new Set(filter.statuses) : null
  const emails = filter.userEmails && filter.userEmails.length > 0 ? new Set(filter.userEmails) : null
  const datasets = filter.datasetHashes && filter.datasetHashes.length > 0 ? new Set(filter.datasetHashes) : null
  const title = filter.dataTitleContains ? filter.dataTitleContains.toLowerCase() : null
  if (!statuses && !emails && !datasets && !title) return () => true
  return (task) => {
    if (statuses && !statuses.has(task.status)) return false
    if (emails && (task.assignee === null || !emails.has(task.assignee))) return false
    const unit = project.dataUnits.get(task.dataHash)
    if (datasets && (!unit || !datasets.has(unit.datasetHash))) return false
    if (title && (!unit || !unit.dataTitle.toLowerCase().includes(title))) return false
    return true
  }
}
