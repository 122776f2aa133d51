import { pick } from '../shared/records.js'
import { COMMON_FIELDS } from './fixture.js'
import type { FixtureHistoryEvent, FixtureLabelRow, FixtureProject, FixtureTask } from './fixture.js'
import { StageIndex } from './stage-index.js'
import type { LabelRowRecord, ProjectRecord, TaskRecord } from './state-records.js'
import { parseTimestamp } from './time.js'

/**
 * Fixture records turned into the emulator's state records (timestamps as Unix ms, indexes empty:
 * `EmulatorState` fills them as it inserts). Split from state.ts.
 */

/** A fixture timestamp as Unix milliseconds (null stays null). */
export function ms(text: string | null | undefined): number | null {
  return text === null || text === undefined ? null : parseTimestamp(text)
}

/** A project with its workflow and data units; its tasks, label rows and history are added after. */
export function projectRecordOf(p: FixtureProject): ProjectRecord {
  const created = ms(p.createdAt)
  return {
    ...pick(p, COMMON_FIELDS.project),
    createdAt: created,
    lastEditedAt: ms(p.lastEditedAt),
    workflowManagerUuid: p.workflowManagerUuid,
    stages: p.workflow.stages,
    stageByUuid: new Map(p.workflow.stages.map((s) => [s.uuid, s])),
    dataUnits: new Map(p.dataUnits.map((d) => [d.dataHash, d])),
    tasks: new Map(),
    tasksByData: new Map(),
    stageIndexes: new Map(p.workflow.stages.map((s) => [s.uuid, new StageIndex()])),
    labelRows: new Map(),
    labelRowsByData: new Map(),
    history: [],
    historyIndex: new Map(),
    issues: [...(p.issues ?? [])],
  }
}

/** A task; `fallbackCreatedAt` (the project's creation, or the load time) when the fixture has none. */
export function taskRecordOf(t: FixtureTask, projectHash: string, fallbackCreatedAt: number): TaskRecord {
  return {
    ...pick(t, COMMON_FIELDS.task),
    projectHash,
    priority: t.priority,
    createdAt: ms(t.createdAt) ?? fallbackCreatedAt,
    updatedAt: ms(t.updatedAt) ?? ms(t.createdAt) ?? fallbackCreatedAt,
    lastProceed: null,
  }
}

export function labelRowRecordOf(r: FixtureLabelRow, projectHash: string): LabelRowRecord {
  return {
    ...pick(r, COMMON_FIELDS.labelRow),
    projectHash,
    createdAt: ms(r.createdAt),
    lastEditedAt: ms(r.lastEditedAt),
    labels: r.labels,
  }
}

/** The pathway move a history event records (to recognise a retried identical proceed), or null. */
export function lastProceedOf(event: FixtureHistoryEvent): TaskRecord['lastProceed'] {
  if (event.kind !== 'proceed' || !event.taskUuid || !event.fromStageUuid || !event.pathwayUuid || !event.toStageUuid)
    return null
  return { fromStageUuid: event.fromStageUuid, pathwayUuid: event.pathwayUuid, toStageUuid: event.toStageUuid }
}

/** Add a label row to a project's indexes (by label hash; by data hash and branch). */
export function insertLabelRow(project: ProjectRecord, row: LabelRowRecord): void {
  project.labelRows.set(row.labelHash, row)
  let byBranch = project.labelRowsByData.get(row.dataHash)
  if (!byBranch) project.labelRowsByData.set(row.dataHash, (byBranch = new Map()))
  byBranch.set(row.branchName, row)
}

/** Index the history event at `index` by its task and its data unit. */
export function indexEvent(project: ProjectRecord, event: FixtureHistoryEvent, index: number): void {
  for (const key of [event.taskUuid, event.dataHash]) {
    if (key === undefined) continue
    const list = project.historyIndex.get(key)
    if (list) list.push(index)
    else project.historyIndex.set(key, [index])
  }
}
