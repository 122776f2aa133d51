/**
 * Read-only views of the emulator's state that the API needs whole: the label row metadata listing
 * (with its filters) and the state written back as a fixture.
 */
import type { FixtureDataUnit, Fixture } from './fixture.js'
import { pick } from '../shared/records.js'
import { COMMON_FIELDS, FIXTURE_FORMAT } from './fixture.js'
import { likeMatcher } from './like.js'
import type { EmulatorState } from './state.js'
import type { MetadataQuery, MetadataRow, ProjectRecord } from './state-records.js'
import { formatIso, parseTimestamp } from './time.js'

/** Label row metadata rows (one per data unit and branch), filtered as `labelrowmetadata` GET does. */
export function queryLabelRowMetadata(state: EmulatorState, project: ProjectRecord, q: MetadataQuery): MetadataRow[] {
  const units: FixtureDataUnit[] = []
  if (q.dataHashes) {
    const seen = new Set<string>()
    for (const hash of q.dataHashes) {
      const unit = project.dataUnits.get(hash)
      if (unit && !seen.has(hash)) {
        seen.add(hash)
        units.push(unit)
      }
    }
  } else units.push(...project.dataUnits.values())

  const rows: MetadataRow[] = []
  const branch = q.branchName ?? 'main'
  for (const unit of units) {
    const task = state.taskOfData(project, unit.dataHash)
    const byBranch = project.labelRowsByData.get(unit.dataHash)
    if (q.includeAllLabelBranches) {
      const existing = byBranch ? [...byBranch.values()] : []
      for (const row of existing) rows.push({ dataUnit: unit, branchName: row.branchName, labelRow: row, task })
      if (!byBranch?.has('main')) rows.push({ dataUnit: unit, branchName: 'main', labelRow: null, task })
    } else {
      rows.push({ dataUnit: unit, branchName: branch, labelRow: byBranch?.get(branch) ?? null, task })
    }
  }
  const labelHashes = q.labelHashes ? new Set(q.labelHashes) : null
  // Not a regular expression: `%` as `.*` backtracks exponentially (see like.ts).
  const titleLike = q.dataTitleLike ? likeMatcher(q.dataTitleLike) : null
  const nodeLike = q.workflowGraphNodeTitleLike ? likeMatcher(q.workflowGraphNodeTitleLike) : null
  const before = q.editedBefore ? parseTimestamp(q.editedBefore) : null
  const after = q.editedAfter ? parseTimestamp(q.editedAfter) : null
  const statuses = q.labelStatuses ? new Set(q.labelStatuses) : null
  return rows.filter((row) => {
    if (q.includeUninitialisedLabels === false && row.labelRow === null) return false
    if (labelHashes && (row.labelRow === null || !labelHashes.has(row.labelRow.labelHash))) return false
    if (q.dataTitleEq && row.dataUnit.dataTitle !== q.dataTitleEq) return false
    if (titleLike && !titleLike(row.dataUnit.dataTitle)) return false
    const nodeTitle = row.task ? (project.stageByUuid.get(row.task.stageUuid)?.title ?? null) : null
    if (q.workflowGraphNodeTitleEq && nodeTitle !== q.workflowGraphNodeTitleEq) return false
    if (nodeLike && (nodeTitle === null || !nodeLike(nodeTitle))) return false
    const edited = row.labelRow?.lastEditedAt ?? null
    if (before !== null && (edited === null || edited >= before)) return false
    if (after !== null && (edited === null || edited <= after)) return false
    // Annotation task statuses are not modelled: rows carry `annotation_task_status: null`.
    if (statuses) return false
    if (q.shadowDataState === 'SHADOW_DATA') return false
    return true
  })
}

/** The whole state in fixture format (what is written back to the file). */
export function stateToFixture(state: EmulatorState): Fixture {
  return {
    format: FIXTURE_FORMAT,
    users: [...state.users.values()],
    ontologies: [...state.ontologies.values()],
    datasets: [...state.datasets.values()],
    workflowTemplates: [...state.workflowTemplates.values()],
    storageItems: [...state.storageItems.values()].map((item) => ({
      ...item,
      createdAt: formatIso(item.createdAt),
      lastEditedAt: formatIso(item.lastEditedAt),
    })),
    projects: [...state.projects.values()].map((p) => ({
      ...pick(p, COMMON_FIELDS.project),
      createdAt: formatIso(p.createdAt),
      lastEditedAt: formatIso(p.lastEditedAt),
      workflowManagerUuid: p.workflowManagerUuid,
      workflow: { stages: p.stages },
      dataUnits: [...p.dataUnits.values()],
      tasks: [...p.tasks.values()].map((t) => ({
        ...pick(t, COMMON_FIELDS.task),
        priority: t.priority,
        createdAt: formatIso(t.createdAt),
        updatedAt: formatIso(t.updatedAt),
      })),
      labelRows: [...p.labelRows.values()].map((r) => ({
        ...pick(r, COMMON_FIELDS.labelRow),
        createdAt: formatIso(r.createdAt),
        lastEditedAt: formatIso(r.lastEditedAt),
        labels: r.labels,
      })),
      history: p.history.slice(),
      ...(p.issues.length > 0 ? { issues: p.issues.slice() } : {}),
    })),
  }
}
