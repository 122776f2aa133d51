import { createHash, randomUUID } from 'node:crypto'
import type {
  Fixture,
  FixtureDataUnit,
  FixtureHistoryEvent,
  FixtureOntology,
  FixtureProject,
  FixtureDataset,
  FixtureWorkflowTemplate,
  FixtureStage,
  FixtureUser,
} from './fixture.js'
import { badRequest, EmulatorHttpError, notFound } from './http-error.js'
import { queryLabelRowMetadata, stateToFixture } from './state-queries.js'
import { listStageTasks } from './task-listing.js'
import { indexEvent, insertLabelRow, labelRowRecordOf, ms, projectRecordOf, taskRecordOf } from './state-load.js'
import { unlinkProject } from './state-workspace.js'
import { WireCache } from './wire-cache.js'
import type {
  ChangeListener,
  LabelRowRecord,
  MetadataQuery,
  MetadataRow,
  ProjectRecord,
  StorageItemRecord,
  TaskAction,
  TaskFilter,
  TaskPage,
  TaskRecord,
} from './state-records.js'

export type * from './state-records.js'

const MAX_ROUTING_HOPS = 32

/**
 * The emulator's in-memory model, loaded from a fixture: projects with their workflow, tasks, label
 * rows and history, plus ontologies, storage items and users. Every mutation is synchronous, so
 * concurrent requests (one event loop) can never interleave inside one and lose an update; each
 * mutation bumps `revision` and notifies the listeners.
 */
export class EmulatorState {
  readonly users = new Map<string, FixtureUser>()
  readonly ontologies = new Map<string, FixtureOntology>()
  readonly datasets = new Map<string, FixtureDataset>()
  readonly workflowTemplates = new Map<string, FixtureWorkflowTemplate>()
  readonly storageItems = new Map<string, StorageItemRecord>()
  readonly projects = new Map<string, ProjectRecord>()
  /** task uuid → task, across projects */
  readonly tasks = new Map<string, TaskRecord>()
  /** storage item uuid → projects whose data units use it (directly or as a child) */
  readonly itemProjects = new Map<string, Set<string>>()
  /** storage item uuid → the data units it backs (directly), across projects */
  readonly itemDataUnits = new Map<string, Array<{ projectHash: string; dataHash: string }>>()
  /** Number of mutations so far. */
  revision = 0
  /** Label rows and metadata rows as JSON text (wire-cache.ts: what clears it, and why it is bounded). */
  readonly wireCache = new WireCache()
  readonly #listeners = new Set<ChangeListener>()
  readonly #now: () => number

  /** @param now clock in Unix milliseconds (injectable for tests) */
  constructor(fixture: Fixture, now: () => number = Date.now) {
    this.#now = now
    const loadedAt = now()
    for (const u of fixture.users) this.users.set(u.publicKeyHex, u)
    for (const o of fixture.ontologies) this.ontologies.set(o.ontologyHash, o)
    for (const d of fixture.datasets) this.datasets.set(d.datasetHash, d)
    for (const t of fixture.workflowTemplates) this.workflowTemplates.set(t.templateHash, t)
    for (const item of fixture.storageItems) {
      this.storageItems.set(item.uuid, { ...item, createdAt: ms(item.createdAt), lastEditedAt: ms(item.lastEditedAt) })
    }
    for (const p of fixture.projects) this.#loadProject(p, loadedAt)
  }

  /** Current time in Unix milliseconds (the injected clock). */
  now(): number {
    return this.#now()
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  // ---------------------------------------------------------------------------------------------
  // lookups

  project(projectHash: string): ProjectRecord {
    const project = this.projects.get(projectHash)
    if (!project) throw notFound('Not found', `Project ${projectHash} not found`)
    return project
  }

  stage(project: ProjectRecord, stageUuid: string): FixtureStage {
    const stage = project.stageByUuid.get(stageUuid)
    if (!stage) throw notFound('Not found', `Stage ${stageUuid} not found`)
    return stage
  }

  /** The stage a task is in, and how many tasks each stage holds. */
  stageCounts(project: ProjectRecord): Map<string, number> {
    return new Map([...project.stageIndexes].map(([uuid, index]) => [uuid, index.size]))
  }

  dataUnit(project: ProjectRecord, dataHash: string): FixtureDataUnit | undefined {
    return project.dataUnits.get(dataHash)
  }

  /** The task of a data unit that is in a workflow stage now (the last one created wins). */
  taskOfData(project: ProjectRecord, dataHash: string): TaskRecord | null {
    const tasks = project.tasksByData.get(dataHash)
    return tasks && tasks.length > 0 ? tasks[tasks.length - 1] : null
  }

  datasetTitle(datasetHash: string): string {
    return this.datasets.get(datasetHash)?.title ?? `Dataset ${datasetHash.slice(0, 8)}`
  }

  /** Events about one task or data unit, oldest first. */
  historyOf(project: ProjectRecord, key: string): FixtureHistoryEvent[] {
    return (project.historyIndex.get(key) ?? []).map((i) => project.history[i])
  }

  // ---------------------------------------------------------------------------------------------
  // tasks

  /**
   * One page of a stage's tasks in task-uuid order, with a keyset cursor (see `listStageTasks`).
   */
  listTasks(
    projectHash: string,
    stageUuid: string,
    filter: TaskFilter,
    pageToken: string | undefined,
    pageSize: number,
  ): TaskPage {
    return listStageTasks(this.project(projectHash), stageUuid, filter, pageToken, pageSize)
  }

  /**
   * Apply a bundle of task actions on one stage, atomically: every action is checked against the
   * state before any is applied, and one bad action (a task not in the stage, an unknown pathway)
   * rejects the whole bundle with a 400 naming the task. A repeated identical proceed of a task that
   * already moved from this stage along the same pathway is accepted and not applied again (the SDK
   * retries POSTs whose response was lost).
   *
   * @returns the uuids of the tasks moved now
   */
  applyActions(
    projectHash: string,
    stageUuid: string,
    actions: TaskAction[],
    by: string | null,
  ): { moved: string[]; repeated: string[] } {
    const project = this.project(projectHash)
    const stage = this.stage(project, stageUuid)
    type Planned =
      | { task: TaskRecord; kind: 'proceed'; pathway: { uuid: string; title: string; destinationUuid: string } }
      | { task: TaskRecord; kind: 'assign' | 'release'; assignee: string | null }
    const planned: Planned[] = []
    const seen = new Map<string, string>()
    const repeated: string[] = []
    const stale: string[] = []
    const staleWhere: string[] = []
    for (const [i, action] of actions.entries()) {
      const task = project.tasks.get(action.taskUuid)
      if (!task)
        throw badRequest(`Task ${action.taskUuid} (actions[${i}]) does not exist in project ${projectHash}`, {
          taskUuids: [action.taskUuid],
        })
      if (action.action === 'PATHWAY_ACTION') {
        if (stage.stageType !== 'AGENT')
          throw badRequest(`Stage '${stage.title}' is not an agent stage; PATHWAY_ACTION needs one`)
        const hasUuid = action.pathwayUuid !== undefined && action.pathwayUuid !== null
        const hasName = action.pathwayName !== undefined && action.pathwayName !== null
        if (hasUuid === hasName)
          throw badRequest(`actions[${i}] (task ${task.uuid}) must have exactly one of pathwayUuid or pathwayName`)
        const pathway = hasUuid
          ? stage.pathways.find((p) => p.uuid === action.pathwayUuid)
          : stage.pathways.find((p) => p.title === action.pathwayName)
        if (!pathway) {
          const got = hasUuid ? action.pathwayUuid : action.pathwayName
          throw badRequest(`Pathway '${got}' does not exist on stage '${stage.title}' (task ${task.uuid})`, {
            taskUuids: [task.uuid],
          })
        }
        const previous = seen.get(task.uuid)
        if (previous !== undefined) {
          if (previous !== pathway.uuid)
            throw badRequest(`Task ${task.uuid} appears twice in the bundle with different pathways`, {
              taskUuids: [task.uuid],
            })
          continue
        }
        seen.set(task.uuid, pathway.uuid)
        if (task.stageUuid !== stageUuid) {
          const last = task.lastProceed
          if (last && last.fromStageUuid === stageUuid && last.pathwayUuid === pathway.uuid) {
            repeated.push(task.uuid)
            continue
          }
          stale.push(task.uuid)
          staleWhere.push(project.stageByUuid.get(task.stageUuid)?.title ?? task.stageUuid)
          continue
        }
        planned.push({ task, kind: 'proceed', pathway })
      } else if (action.action === 'ASSIGN' || action.action === 'RELEASE') {
        if (task.stageUuid !== stageUuid) {
          stale.push(task.uuid)
          staleWhere.push(project.stageByUuid.get(task.stageUuid)?.title ?? task.stageUuid)
          continue
        }
        if (action.action === 'ASSIGN' && typeof action.assignee !== 'string')
          throw badRequest(`actions[${i}] (task ${task.uuid}): ASSIGN needs an assignee`)
        planned.push({
          task,
          kind: action.action === 'ASSIGN' ? 'assign' : 'release',
          assignee: action.action === 'ASSIGN' ? (action.assignee ?? null) : null,
        })
      } else {
        throw badRequest(
          `actions[${i}]: action '${action.action}' is not supported by the emulator (PATHWAY_ACTION, ASSIGN, RELEASE are)`,
        )
      }
    }
    if (stale.length > 0) {
      const list = stale.map((t, i) => `${t} (now in '${staleWhere[i]}')`).join(', ')
      throw badRequest(`Task${stale.length > 1 ? 's' : ''} not in stage '${stage.title}': ${list}`, {
        taskUuids: stale,
      })
    }
    const at = this.now()
    const moved: string[] = []
    for (const p of planned) {
      if (p.kind === 'proceed') {
        const to = this.#route(project, p.pathway.destinationUuid, p.task.uuid)
        this.#moveTask(project, p.task, to, at)
        p.task.lastActionedBy = by
        p.task.lastProceed = { fromStageUuid: stageUuid, pathwayUuid: p.pathway.uuid, toStageUuid: to }
        this.#event(project, {
          at: iso(at),
          kind: 'proceed',
          taskUuid: p.task.uuid,
          dataHash: p.task.dataHash,
          fromStageUuid: stageUuid,
          toStageUuid: to,
          pathwayUuid: p.pathway.uuid,
          ...(by ? { by } : {}),
        })
        moved.push(p.task.uuid)
      } else {
        p.task.assignee = p.assignee
        p.task.status = p.kind === 'assign' ? 'ASSIGNED' : 'RELEASED'
        p.task.updatedAt = at
        this.#event(project, {
          at: iso(at),
          kind: p.kind,
          taskUuid: p.task.uuid,
          dataHash: p.task.dataHash,
          ...(by ? { by } : {}),
          detail: { assignee: p.assignee },
        })
      }
    }
    if (planned.length > 0) this.#changed(planned.some((p) => p.kind === 'proceed') ? 'proceed' : 'assign')
    return { moved, repeated }
  }

  /** `move-tasks`: move tasks of a stage to any stage, atomically. */
  moveTasks(
    projectHash: string,
    stageUuid: string,
    taskUuids: string[],
    destinationStageUuid: string,
    by: string | null,
  ): string[] {
    const project = this.project(projectHash)
    const stage = this.stage(project, stageUuid)
    if (!project.stageByUuid.has(destinationStageUuid))
      throw badRequest(`Destination stage ${destinationStageUuid} does not exist`)
    const tasks = taskUuids.map((uuid) => {
      const task = project.tasks.get(uuid)
      if (!task) throw badRequest(`Task ${uuid} does not exist in project ${projectHash}`, { taskUuids: [uuid] })
      if (task.stageUuid !== stageUuid)
        throw badRequest(`Task ${uuid} is not in stage '${stage.title}'`, { taskUuids: [uuid] })
      return task
    })
    const at = this.now()
    for (const task of tasks) {
      const to = this.#route(project, destinationStageUuid, task.uuid)
      this.#moveTask(project, task, to, at)
      task.lastActionedBy = by
      this.#event(project, {
        at: iso(at),
        kind: 'move',
        taskUuid: task.uuid,
        dataHash: task.dataHash,
        fromStageUuid: stageUuid,
        toStageUuid: to,
        ...(by ? { by } : {}),
      })
    }
    if (tasks.length > 0) this.#changed('move')
    return tasks.map((t) => t.uuid)
  }

  /** Follow START and router stages to the stage a task comes to rest in. */
  #route(project: ProjectRecord, stageUuid: string, taskUuid: string): string {
    let current = stageUuid
    for (let hop = 0; hop < MAX_ROUTING_HOPS; hop++) {
      const stage = project.stageByUuid.get(current)
      if (!stage) throw new EmulatorHttpError(500, `Workflow leads to unknown stage ${current}`)
      if (stage.stageType !== 'START' && !stage.stageType.endsWith('_ROUTER')) return current
      // Routers send a task along one pathway; pick one deterministically per task.
      const pick =
        stage.stageType === 'PERCENTAGE_ROUTER'
          ? createHash('sha1').update(taskUuid).digest().readUInt32BE(0) % stage.pathways.length
          : 0
      current = stage.pathways[pick].destinationUuid
    }
    throw new EmulatorHttpError(500, `Workflow routing loops at stage ${current}`)
  }

  #moveTask(project: ProjectRecord, task: TaskRecord, to: string, at: number): void {
    project.stageIndexes.get(task.stageUuid)?.remove(task.uuid)
    task.stageUuid = to
    project.stageIndexes.get(to)!.add(task.uuid)
    const type = project.stageByUuid.get(to)!.stageType
    task.status = type === 'DONE' ? 'COMPLETED' : 'NEW'
    task.assignee = null
    task.updatedAt = at
  }

  // ---------------------------------------------------------------------------------------------
  // priorities

  /** Set priorities by data hash, atomically (an unknown data hash or a value outside 0..1 rejects all). */
  setPriorities(projectHash: string, priorities: Array<[string, number]>, by: string | null): void {
    const project = this.project(projectHash)
    for (const [i, pair] of priorities.entries()) {
      const [dataHash, value] = pair
      if (!project.dataUnits.has(dataHash))
        throw badRequest(`priorities[${i}]: data unit ${dataHash} is not in project ${projectHash}`)
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
        throw badRequest(`priorities[${i}]: priority must be a number between 0 and 1, got ${JSON.stringify(value)}`)
    }
    const at = this.now()
    for (const [dataHash, value] of priorities) {
      const tasks = project.tasksByData.get(dataHash) ?? []
      const before = tasks.length > 0 ? tasks[tasks.length - 1].priority : null
      for (const task of tasks) task.priority = value
      this.#event(project, {
        at: iso(at),
        kind: 'priority',
        dataHash,
        ...(tasks.length > 0 ? { taskUuid: tasks[tasks.length - 1].uuid } : {}),
        ...(by ? { by } : {}),
        detail: { from: before, to: value },
      })
    }
    if (priorities.length > 0) this.#changed('priority')
  }

  // ---------------------------------------------------------------------------------------------
  // label rows

  /** Label row metadata rows (one per data unit and branch), filtered as `labelrowmetadata` GET does. */
  labelRowMetadata(projectHash: string, q: MetadataQuery): MetadataRow[] {
    return queryLabelRowMetadata(this, this.project(projectHash), q)
  }

  labelRow(project: ProjectRecord, labelHash: string): LabelRowRecord {
    const row = project.labelRows.get(labelHash)
    if (!row)
      throw new EmulatorHttpError(404, `Label row ${labelHash} not found`, {
        payload: `Label row ${labelHash} not found`,
      })
    return row
  }

  /**
   * Create label rows (legacy `labelrow` PUT) for data units that have none on `branchName`, atomically.
   * An existing row gets `RESOURCE_EXISTS_ERROR`, an unknown data hash `RESOURCE_NOT_FOUND_ERROR`.
   */
  createLabelRows(
    projectHash: string,
    dataHashes: string[],
    branchName: string,
    emptyLabels: (unit: FixtureDataUnit) => Record<string, unknown>,
    by: string | null,
  ): LabelRowRecord[] {
    const project = this.project(projectHash)
    const seen = new Set<string>()
    for (const hash of dataHashes) {
      if (!project.dataUnits.has(hash))
        throw new EmulatorHttpError(404, `Data unit ${hash} not found in project ${projectHash}`)
      if (project.labelRowsByData.get(hash)?.has(branchName)) {
        throw new EmulatorHttpError(400, `A label row already exists for data unit ${hash} on branch '${branchName}'`, {
          code: 'RESOURCE_EXISTS_ERROR',
        })
      }
      if (seen.has(hash)) throw new EmulatorHttpError(400, `Data unit ${hash} is listed twice`)
      seen.add(hash)
    }
    const at = this.now()
    const rows = dataHashes.map((hash) => {
      const unit = project.dataUnits.get(hash)!
      const row: LabelRowRecord = {
        labelHash: randomUUID(),
        projectHash,
        dataHash: hash,
        branchName,
        labelStatus: 'LABEL_IN_PROGRESS',
        createdAt: at,
        lastEditedAt: at,
        labels: emptyLabels(unit),
      }
      insertLabelRow(project, row)
      const task = this.taskOfData(project, hash)
      this.#event(project, {
        at: iso(at),
        kind: 'create',
        dataHash: hash,
        labelHash: row.labelHash,
        ...(task ? { taskUuid: task.uuid } : {}),
        ...(by ? { by } : {}),
        detail: { branchName },
      })
      return row
    })
    if (rows.length > 0) this.#changed('create')
    return rows
  }

  /** Save (overwrite) label rows, atomically; each event keeps the row as it was before. */
  saveLabelRows(
    projectHash: string,
    saves: Array<{ labelHash: string; labels: Record<string, unknown> }>,
    by: string | null,
  ): void {
    const project = this.project(projectHash)
    const rows = saves.map((s) => this.labelRow(project, s.labelHash))
    const at = this.now()
    saves.forEach((s, i) => {
      const row = rows[i]
      const before = row.labels
      row.labels = s.labels
      row.lastEditedAt = at
      const task = this.taskOfData(project, row.dataHash)
      this.#event(project, {
        at: iso(at),
        kind: 'save',
        dataHash: row.dataHash,
        labelHash: row.labelHash,
        ...(task ? { taskUuid: task.uuid } : {}),
        ...(by ? { by } : {}),
        before,
      })
    })
    if (saves.length > 0) this.#changed('save')
  }

  // ---------------------------------------------------------------------------------------------
  // storage

  storageItem(uuid: string): StorageItemRecord {
    const item = this.storageItems.get(uuid)
    if (!item) throw notFound('Not found')
    return item
  }

  /** Update a storage item's name / description / client metadata (the whole new object). */
  updateStorageItem(
    uuid: string,
    patch: { name?: string; description?: string; clientMetadata?: Record<string, unknown> },
    by: string | null,
  ): StorageItemRecord {
    const item = this.storageItem(uuid)
    const before = { name: item.name, description: item.description, clientMetadata: item.clientMetadata }
    if (patch.name !== undefined) item.name = patch.name
    if (patch.description !== undefined) item.description = patch.description
    if (patch.clientMetadata !== undefined) item.clientMetadata = patch.clientMetadata
    const at = this.now()
    item.lastEditedAt = at
    this.wireCache.clear()
    for (const { projectHash, dataHash } of this.itemDataUnits.get(uuid) ?? []) {
      const project = this.projects.get(projectHash)!
      const task = this.taskOfData(project, dataHash)
      this.#event(project, {
        at: iso(at),
        kind: 'metadata',
        dataHash,
        ...(task ? { taskUuid: task.uuid } : {}),
        ...(by ? { by } : {}),
        detail: { itemUuid: uuid, before, after: patch },
      })
    }
    this.#changed('metadata')
    return item
  }

  // ---------------------------------------------------------------------------------------------
  // persistence

  /** The whole state in fixture format (what is written back to the file). */
  toFixture(): Fixture {
    return stateToFixture(this)
  }

  /** Record a change made by a helper module (e.g. state-issues.ts) in the history, and persist it. */
  recordChange(project: ProjectRecord, event: FixtureHistoryEvent): void {
    this.#event(project, event)
    this.wireCache.clear()
    this.#changed(event.kind)
  }

  /** Add a project given in the fixture format (a created project); persisted like every change. */
  addProject(p: FixtureProject): ProjectRecord {
    const project = this.#loadProject(p, this.now())
    this.wireCache.clear()
    this.#changed('create')
    return project
  }

  /** Remove a project with its tasks, label rows and storage links; persisted like every change. */
  removeProject(projectHash: string): void {
    unlinkProject(this, this.project(projectHash))
    this.wireCache.clear()
    this.#changed('create')
  }

  #loadProject(p: FixtureProject, loadedAt: number): ProjectRecord {
    const created = ms(p.createdAt)
    const project = projectRecordOf(p)
    this.projects.set(p.projectHash, project)
    for (const t of p.tasks) {
      const task = taskRecordOf(t, p.projectHash, created ?? loadedAt)
      this.#insertTask(project, task)
    }
    for (const r of p.labelRows) {
      insertLabelRow(project, labelRowRecordOf(r, p.projectHash))
    }
    for (const event of p.history) {
      indexEvent(project, event, project.history.push(event) - 1)
      if (event.kind === 'proceed' && event.taskUuid && event.fromStageUuid && event.pathwayUuid && event.toStageUuid) {
        const task = project.tasks.get(event.taskUuid)
        if (task)
          task.lastProceed = {
            fromStageUuid: event.fromStageUuid,
            pathwayUuid: event.pathwayUuid,
            toStageUuid: event.toStageUuid,
          }
      }
    }
    for (const d of p.dataUnits) {
      if (d.backingItemUuid === null) continue
      this.#linkItem(d.backingItemUuid, p.projectHash)
      const backed = this.itemDataUnits.get(d.backingItemUuid)
      if (backed) backed.push({ projectHash: p.projectHash, dataHash: d.dataHash })
      else this.itemDataUnits.set(d.backingItemUuid, [{ projectHash: p.projectHash, dataHash: d.dataHash }])
      for (const child of this.storageItems.get(d.backingItemUuid)?.children ?? []) this.#linkItem(child, p.projectHash)
    }
    return project
  }

  // ---------------------------------------------------------------------------------------------
  // internals

  #insertTask(project: ProjectRecord, task: TaskRecord): void {
    project.tasks.set(task.uuid, task)
    this.tasks.set(task.uuid, task)
    const list = project.tasksByData.get(task.dataHash)
    if (list) list.push(task)
    else project.tasksByData.set(task.dataHash, [task])
    project.stageIndexes.get(task.stageUuid)!.add(task.uuid)
  }

  #linkItem(itemUuid: string, projectHash: string): void {
    let set = this.itemProjects.get(itemUuid)
    if (!set) this.itemProjects.set(itemUuid, (set = new Set()))
    set.add(projectHash)
  }

  #event(project: ProjectRecord, event: FixtureHistoryEvent): void {
    indexEvent(project, event, project.history.push(event) - 1)
  }

  #changed(kind: FixtureHistoryEvent['kind']): void {
    this.revision++
    for (const listener of this.#listeners) listener(kind)
  }
}

const iso = (at: number): string => new Date(at).toISOString()
