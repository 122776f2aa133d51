import { fail } from '../shared/error-catalogue/index.js'
import { closest } from '../shared/suggest.js'
import {
  FIXTURE_FORMAT,
  type Fixture,
  type FixtureDataUnit,
  type FixtureInput,
  type FixtureStage,
  type FixtureTask,
} from '../emulator/fixture.js'
import { parseFixture } from '../emulator/fixture-load.js'
import { Prng } from '../emulator/prng.js'
import { EmulatorState } from '../emulator/state.js'
import { emptyLabels } from '../emulator/wire.js'
import { LabelRow } from '../labels/label-row.js'
import { lowerSnake, type Shape } from '../labels/ontology.js'

/** A stage of a described workflow. */
export interface TestStageDescription {
  title: string
  /** @default 'agent' */
  type?: 'agent' | 'annotation' | 'review' | 'done'
  /** Agent stages: pathway name → title of the stage it leads to. */
  pathways?: Record<string, string>
}

/** An attribute of an object or a classification: radio and checklist take options. */
export interface TestAttributeDescription {
  name: string
  /** @default 'radio' with options, else 'text' */
  type?: 'radio' | 'checklist' | 'text'
  options?: string[]
}

/** An object of a described ontology: a name alone is a bounding box. */
export interface TestObjectDescription {
  name: string
  /** @default 'bounding_box' */
  shape?: Shape
  attributes?: TestAttributeDescription[]
}

/** A task of a described project (a data unit, its storage item and the task, in one). */
export interface TestTaskDescription {
  /** The data title, e.g. `crossing-01.jpg`. */
  title: string
  /** Title of the stage the task waits in. @default the first agent stage */
  stage?: string
  /** @default 'image' */
  type?: 'image' | 'video'
  /** 0–1. @default none (Encord reports 0.5) */
  priority?: number
  /** The storage item's client metadata. @default {} */
  clientMetadata?: Record<string, unknown>
  /** Labels the task already has, written with the label row API. @example (row) => row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }) */
  labels?: (row: LabelRow) => void
}

/** A project described inline: the workflow, the ontology and the tasks. */
export interface TestProjectDescription {
  /** @default 'Test project' */
  title?: string
  /**
   * The workflow, in order. @default an "Agent 1" stage whose `complete` pathway leads to "Complete"
   * (done) and `needs review` to "Review 1" (review), as `emulator generate` makes it
   */
  stages?: TestStageDescription[]
  /** @default no objects and no classifications */
  ontology?: { objects?: Array<string | TestObjectDescription>; classifications?: TestAttributeDescription[] }
  /** The tasks; a string is the data title of an image task in the first agent stage. */
  tasks: Array<string | TestTaskDescription>
}

const DEFAULT_STAGES: TestStageDescription[] = [
  { title: 'Agent 1', type: 'agent', pathways: { complete: 'Complete', 'needs review': 'Review 1' } },
  { title: 'Review 1', type: 'review' },
  { title: 'Complete', type: 'done' },
]

const STAGE_TYPES = { agent: 'AGENT', annotation: 'ANNOTATION', review: 'REVIEW', done: 'DONE' } as const
const CREATED = '2026-01-05T09:00:00.000Z'
const IMAGE = { width: 640, height: 480 }
const VIDEO = { width: 64, height: 48, fps: 5, frameCount: 10, duration: 2 }

/**
 * The fixture of a described project. Ids are drawn from the title, so the same description makes the
 * same project (same uuids) in every run. Labels are written through the real label row model.
 */
export function describedFixture(description: TestProjectDescription): Fixture {
  const title = description.title ?? 'Test project'
  const rng = new Prng(`test-project:${title}`)
  const ontologyHash = rng.uuid()
  const datasetHash = rng.uuid()
  const folder = rng.uuid()
  const projectHash = rng.uuid()

  const stageDescriptions = description.stages ?? DEFAULT_STAGES
  if (stageDescriptions.length === 0) throw fail('TestProjectInvalid.noStages')
  const stages: FixtureStage[] = []
  const byTitle = new Map<string, FixtureStage>()
  for (const s of stageDescriptions) {
    if (byTitle.has(s.title)) throw fail('TestProjectInvalid.stageListedTwice', { stage: s.title })
    const type = STAGE_TYPES[s.type ?? 'agent']
    if (type === undefined)
      throw fail('TestProjectInvalid.unknownStageType', {
        stage: s.title,
        type: s.type,
        types: Object.keys(STAGE_TYPES),
      })
    const stage: FixtureStage = { uuid: rng.uuid(), title: s.title, stageType: type, pathways: [] }
    stages.push(stage)
    byTitle.set(s.title, stage)
  }
  const stageTitles = [...byTitle.keys()]
  /** The stage `name`; `unknown` is the error when the workflow has no such stage. */
  const stageNamed = (
    name: string,
    unknown: (facts: { near: string | undefined; stages: string[] }) => Error,
  ): FixtureStage => {
    const stage = byTitle.get(name)
    if (stage) return stage
    throw unknown({ near: closest(name, stageTitles) || undefined, stages: stageTitles })
  }
  for (const s of stageDescriptions) {
    const stage = byTitle.get(s.title)!
    for (const [name, destination] of Object.entries(s.pathways ?? {})) {
      if (stage.stageType !== 'AGENT') throw fail('TestProjectInvalid.pathwaysOnNonAgentStage', { stage: s.title })
      stage.pathways.push({
        uuid: rng.uuid(),
        title: name,
        destinationUuid: stageNamed(destination, (f) =>
          fail('TestProjectInvalid.pathwayToUnknownStage', { pathway: name, from: s.title, stage: destination, ...f }),
        ).uuid,
      })
    }
  }
  const firstAgent = stages.find((s) => s.stageType === 'AGENT')

  // The input shape: every field the fixture schema defaults is left to it.
  const storageItems: NonNullable<FixtureInput['storageItems']> = []
  const dataUnits: FixtureDataUnit[] = []
  const tasks: FixtureTask[] = []
  const labelled: Array<{ dataHash: string; write: (row: LabelRow) => void }> = []
  const seenTitles = new Set<string>()
  for (const input of description.tasks) {
    const task = typeof input === 'string' ? { title: input } : input
    if (seenTitles.has(task.title)) throw fail('TestProjectInvalid.taskTitleTwice', { task: task.title })
    seenTitles.add(task.title)
    const stage =
      task.stage === undefined
        ? firstAgent
        : stageNamed(task.stage, (f) =>
            fail('TestProjectInvalid.taskInUnknownStage', { task: task.title, stage: task.stage!, ...f }),
          )
    if (stage === undefined) throw fail('TestProjectInvalid.taskWithoutStage', { task: task.title })
    const video = task.type === 'video'
    const size = video ? VIDEO : IMAGE
    const itemUuid = rng.uuid()
    const dataHash = rng.uuid()
    const mimeType = video ? 'video/mp4' : 'image/png'
    storageItems.push({
      uuid: itemUuid,
      parent: folder,
      itemType: video ? 'video' : 'image',
      name: task.title,
      description: '',
      clientMetadata: task.clientMetadata ?? {},
      mimeType,
      width: size.width,
      height: size.height,
      frameCount: video ? VIDEO.frameCount : null,
      fps: video ? VIDEO.fps : null,
      duration: video ? VIDEO.duration : null,
      createdAt: CREATED,
      lastEditedAt: CREATED,
      media: { generate: video ? 'mp4' : 'png' },
    })
    dataUnits.push({
      dataHash,
      dataTitle: task.title,
      dataType: video ? 'VIDEO' : 'IMAGE',
      datasetHash,
      backingItemUuid: itemUuid,
      width: size.width,
      height: size.height,
      numberOfFrames: video ? VIDEO.frameCount : 1,
      fps: video ? VIDEO.fps : null,
      duration: video ? VIDEO.duration : null,
      fileType: mimeType,
      dataLink: null,
    })
    if (task.priority !== undefined && !(task.priority >= 0 && task.priority <= 1))
      throw fail('TestProjectInvalid.priorityOutOfRange', { task: task.title, priority: task.priority })
    tasks.push({
      uuid: rng.uuid(),
      dataHash,
      stageUuid: stage.uuid,
      status: 'NEW',
      assignee: null,
      lastActionedBy: null,
      labelBranchName: 'main',
      priority: task.priority ?? null,
      createdAt: CREATED,
      updatedAt: CREATED,
    })
    if (task.labels) labelled.push({ dataHash, write: task.labels })
  }

  const fixture: FixtureInput = {
    format: FIXTURE_FORMAT,
    users: [],
    ontologies: [
      {
        ontologyHash,
        title: `${title} ontology`,
        createdAt: CREATED,
        lastEditedAt: CREATED,
        structure: ontologyStructure(description.ontology ?? {}, rng),
      },
    ],
    datasets: [{ datasetHash, title: `${title} dataset` }],
    storageItems,
    projects: [
      {
        projectHash,
        title,
        ontologyHash,
        createdAt: CREATED,
        lastEditedAt: CREATED,
        workflow: { stages },
        dataUnits,
        tasks,
        labelRows: [],
      },
    ],
  }
  const parsed = parseFixture(fixture, `testProject(${JSON.stringify(title)})`)
  if (labelled.length > 0) writeLabels(parsed, labelled, rng)
  return parsed
}

/** The ontology structure Encord stores, from the short description (feature hashes drawn from `rng`). */
function ontologyStructure(
  ontology: NonNullable<TestProjectDescription['ontology']>,
  rng: Prng,
): Record<string, unknown> {
  const attribute = (a: TestAttributeDescription, id: string): Record<string, unknown> => {
    const type = a.type ?? (a.options ? 'radio' : 'text')
    const base: Record<string, unknown> = {
      id,
      name: a.name,
      type,
      featureNodeHash: rng.token(),
      required: false,
      archived: false,
      dynamic: false,
    }
    if (type !== 'text') {
      if (!a.options?.length) throw fail('TestProjectInvalid.attributeWithoutOptions', { type, attribute: a.name })
      base.options = a.options.map((label, i) => ({
        id: `${id}.${i + 1}`,
        label,
        value: lowerSnake(label),
        featureNodeHash: rng.token(),
        archived: false,
      }))
    }
    return base
  }
  const objects = (ontology.objects ?? []).map((o, i) => {
    const object = typeof o === 'string' ? { name: o } : o
    const id = String(i + 1)
    return {
      id,
      name: object.name,
      color: '#D33115',
      shape: object.shape ?? 'bounding_box',
      featureNodeHash: rng.token(),
      required: false,
      archived: false,
      attributes: (object.attributes ?? []).map((a, j) => attribute(a, `${id}.${j + 1}`)),
    }
  })
  const classifications = (ontology.classifications ?? []).map((c, i) => ({
    id: String(i + 1),
    featureNodeHash: rng.token(),
    attributes: [attribute(c, `${i + 1}.1`)],
  }))
  return { objects, classifications }
}

/** Write each task's given labels through a LabelRow on its empty row, and store the result as the task's label row. */
function writeLabels(
  fixture: Fixture,
  labelled: Array<{ dataHash: string; write: (row: LabelRow) => void }>,
  rng: Prng,
): void {
  const state = new EmulatorState(fixture)
  const project = fixture.projects[0]
  const record = state.project(project.projectHash)
  const ontology = fixture.ontologies[0].structure
  for (const { dataHash, write } of labelled) {
    const unit = record.dataUnits.get(dataHash)!
    const labelHash = rng.uuid()
    const empty = emptyLabels(state, unit)
    const row = new LabelRow(
      {
        ...empty,
        label_hash: labelHash,
        data_hash: dataHash,
        data_title: unit.dataTitle,
        data_type: unit.dataType.toLowerCase(),
        branch_name: 'main',
      },
      { ontology, newHash: () => rng.token(), clock: () => new Date(CREATED) },
    )
    write(row)
    const dict = row.toDict() as Record<string, unknown>
    const labels = {
      data_units: dict.data_units,
      object_answers: dict.object_answers,
      classification_answers: dict.classification_answers,
      object_actions: dict.object_actions,
      spaces: dict.spaces ?? {},
    }
    project.labelRows.push({
      labelHash,
      dataHash,
      branchName: 'main',
      labelStatus: 'LABEL_IN_PROGRESS',
      createdAt: CREATED,
      lastEditedAt: CREATED,
      labels,
    })
  }
}
