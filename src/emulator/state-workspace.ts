/**
 * The workspace calls of the emulator's state: create a project from datasets, an ontology and a workflow
 * template; remove a project. Where Encord's real behaviour is unknown, docs/emulator.md says what is chosen.
 */
import { randomUUID } from 'node:crypto'
import type { FixtureDataUnit, FixtureProject } from './fixture.js'
import { EmulatorHttpError } from './http-error.js'
import type { EmulatorState } from './state.js'
import type { ProjectRecord } from './state-records.js'

/** What `createProject` takes (the SDK's `create_project` arguments). */
export interface CreateProjectSpec {
  title: string
  description: string
  datasetHashes: string[]
  ontologyHash: string
  workflowTemplateHash: string
}

/** The data units of a dataset: its own list plus those of its units that projects use (first seen wins). */
export function datasetDataUnits(state: EmulatorState, datasetHash: string): FixtureDataUnit[] {
  const units = new Map<string, FixtureDataUnit>()
  for (const u of state.datasets.get(datasetHash)?.dataUnits ?? []) units.set(u.dataHash, u)
  for (const p of state.projects.values())
    for (const u of p.dataUnits.values())
      if (u.datasetHash === datasetHash && !units.has(u.dataHash)) units.set(u.dataHash, u)
  return [...units.values()]
}

/**
 * Create a project: the template's stages, every data unit of the datasets, one task per data unit in the
 * first stage, no label rows (they are created on first initialise, as for any uninitialised row).
 */
export function createProject(state: EmulatorState, spec: CreateProjectSpec): ProjectRecord {
  const unknown = (what: string, hash: string) => new EmulatorHttpError(404, `${what} ${hash} not found`)
  if (!state.ontologies.has(spec.ontologyHash)) throw unknown('Ontology', spec.ontologyHash)
  const template = state.workflowTemplates.get(spec.workflowTemplateHash)
  if (!template) throw unknown('Workflow template', spec.workflowTemplateHash)
  for (const hash of spec.datasetHashes) if (!state.datasets.has(hash)) throw unknown('Dataset', hash)
  const at = new Date(state.now()).toISOString()
  const dataUnits = [
    ...new Map(spec.datasetHashes.flatMap((h) => datasetDataUnits(state, h)).map((u) => [u.dataHash, u])).values(),
  ]
  const first = template.stages.find((s) => s.stageType !== 'START')
  if (!first) throw new EmulatorHttpError(400, `Workflow template ${template.templateHash} has no stage for tasks`)
  const project: FixtureProject = {
    projectHash: randomUUID(),
    title: spec.title,
    description: spec.description,
    projectType: 'workflow',
    status: 'inProgress',
    ontologyHash: spec.ontologyHash,
    createdAt: at,
    lastEditedAt: at,
    workflowManagerUuid: randomUUID(),
    workflow: { stages: structuredClone(template.stages) },
    dataUnits,
    tasks: dataUnits.map((u) => ({
      uuid: randomUUID(),
      dataHash: u.dataHash,
      stageUuid: first.uuid,
      status: 'NEW',
      assignee: null,
      lastActionedBy: null,
      labelBranchName: 'main',
      priority: null,
      createdAt: at,
      updatedAt: at,
    })),
    labelRows: [],
    history: [],
  }
  return state.addProject(project)
}

/** Drop a project and its tasks from the state's indexes (the caller signals the change). */
export function unlinkProject(state: EmulatorState, project: ProjectRecord): void {
  state.projects.delete(project.projectHash)
  for (const uuid of project.tasks.keys()) state.tasks.delete(uuid)
  for (const [item, projects] of state.itemProjects) {
    projects.delete(project.projectHash)
    if (projects.size === 0) state.itemProjects.delete(item)
  }
  for (const [item, units] of state.itemDataUnits) {
    const kept = units.filter((u) => u.projectHash !== project.projectHash)
    if (kept.length > 0) state.itemDataUnits.set(item, kept)
    else state.itemDataUnits.delete(item)
  }
}
