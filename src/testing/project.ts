import { fail } from '../shared/error-catalogue/index.js'
import { fileURLToPath } from 'node:url'
import type { Fixture, FixtureHistoryEvent, FixtureInput } from '../emulator/fixture.js'
import { loadFixtureFile, parseFixture } from '../emulator/fixture-load.js'
import { generateFixture, type GenerateFixtureOptions } from '../emulator/generate.js'
import { openInProcessEmulator, type InProcessEmulator } from '../emulator/index.js'
import { wireLabelRow } from '../emulator/wire.js'
import { generateOpenSshKey, parsePrivateKey, type SigningKey } from '../encord/auth/keys.js'
import { EncordClient } from '../encord/client.js'
import type { StageType } from '../encord/types.js'
import { LabelRow } from '../labels/label-row.js'
import { describedFixture, type TestProjectDescription } from './describe.js'

/** Where a test project comes from: a fixture (file or object), a generator spec, or an inline description. */
export type TestProjectSource =
  | { fixture: string | URL | Fixture | FixtureInput; projectHash?: string }
  | { generate: GenerateFixtureOptions; projectHash?: string }
  | TestProjectDescription

/** A task of a test project, as it is now: where it is, its priority and its saved labels. */
export interface TestTask {
  uuid: string
  dataHash: string
  dataTitle: string
  /** Title of the stage the task is in. */
  stage: string
  stageUuid: string
  stageType: StageType | 'START' | 'OTHER'
  status: string
  /** 0–1, or null when none was ever set (Encord then reports 0.5). */
  priority: number | null
  /** Name of the pathway that moved the task last, or null when no pathway has moved it. */
  pathway: string | null
  /** The task's label row as saved (main branch), read with the label model; null when it has none. */
  labelRow: LabelRow | null
}

/** The email the test key signs as: the project's history and `lastActionedBy` show it. */
export const TEST_AGENT_EMAIL = 'agent@encord-agents.test'

let testKey: { key: SigningKey; publicKeyHex: string } | undefined
/** One key per process: made once (a millisecond), registered in every test project. */
function processTestKey(): { key: SigningKey; publicKeyHex: string } {
  if (!testKey) {
    const made = generateOpenSshKey('encord-agents/testing')
    testKey = {
      key: parsePrivateKey(made.privateKeyText, 'encord-agents/testing key'),
      publicKeyHex: made.publicKeyHex,
    }
  }
  return testKey
}

/**
 * A project served by the local Encord emulator in this process: no port, no file written. Agents run
 * on it with {@link runAgent}, through the real client and the emulator's real request handlers; its
 * state carries over from one run to the next, as a real project's does.
 */
export class TestProject {
  readonly projectHash: string
  /** The emulator's client for this project (signed with the process's test key). */
  readonly client: EncordClient
  readonly #emulator: InProcessEmulator

  private constructor(emulator: InProcessEmulator, projectHash: string, client: EncordClient) {
    this.#emulator = emulator
    this.projectHash = projectHash
    this.client = client
  }

  /** @internal use {@link testProject} */
  static async open(source: TestProjectSource): Promise<TestProject> {
    const { fixture, baseDir } = fixtureOf(source)
    const { key, publicKeyHex } = processTestKey()
    fixture.users = [...fixture.users, { email: TEST_AGENT_EMAIL, publicKeyHex, projects: '*' }]
    const requested = 'projectHash' in source ? source.projectHash : undefined
    const project =
      requested === undefined ? fixture.projects[0] : fixture.projects.find((p) => p.projectHash === requested)
    if (project === undefined) {
      const projects = fixture.projects.map((p) => `${p.projectHash} (${p.title})`).join(', ') || 'none'
      throw fail('TestProjectInvalid.projectNotInFixture', { projectHash: requested, projects })
    }
    const emulator = await openInProcessEmulator({ fixture, baseDir })
    // No retry waits: an in-process emulator without faults does not fail transiently.
    const client = new EncordClient({ domain: emulator.domain, key, dispatcher: emulator.dispatcher, backoffBaseMs: 0 })
    return new TestProject(emulator, project.projectHash, client)
  }

  /** Titles of the project's agent stages, in workflow order. */
  get agentStages(): string[] {
    return this.#record()
      .stages.filter((s) => s.stageType === 'AGENT')
      .map((s) => s.title)
  }

  /** Every task of the project now, in the fixture's order; with `stage`, only the tasks in that stage (title or UUID). */
  tasks(stage?: string): TestTask[] {
    const record = this.#record()
    const state = this.#emulator.state
    const ontology = state.ontologies.get(record.ontologyHash)!.structure
    const out: TestTask[] = []
    for (const task of record.tasks.values()) {
      const at = record.stageByUuid.get(task.stageUuid)!
      if (stage !== undefined && at.title !== stage && at.uuid !== stage) continue
      const rowRecord = record.labelRowsByData.get(task.dataHash)?.get(task.labelBranchName)
      const pathway =
        task.lastProceed &&
        record.stageByUuid
          .get(task.lastProceed.fromStageUuid)
          ?.pathways.find((p) => p.uuid === task.lastProceed!.pathwayUuid)
      const entry = {
        uuid: task.uuid,
        dataHash: task.dataHash,
        dataTitle: record.dataUnits.get(task.dataHash)?.dataTitle ?? '',
        stage: at.title,
        stageUuid: at.uuid,
        stageType: at.stageType as TestTask['stageType'],
        status: task.status,
        priority: task.priority,
        pathway: pathway ? pathway.title : null,
      } as TestTask
      // Read with the label model on first use: most tests look at a few rows, and reading a row costs time.
      // The row as it is now: a save replaces the record's labels, so this snapshot stays as it was.
      const snapshot = rowRecord ? { ...rowRecord } : undefined
      let row: LabelRow | null | undefined
      Object.defineProperty(entry, 'labelRow', {
        enumerable: true,
        get: () =>
          (row ??= snapshot
            ? new LabelRow(wireLabelRow(state, record, snapshot, { sign: null }) as Record<string, unknown>, {
                ontology,
              })
            : null),
      })
      out.push(entry)
    }
    if (stage !== undefined && out.length === 0 && !record.stages.some((s) => s.title === stage || s.uuid === stage)) {
      throw fail('StageNotFound', { stage, stages: record.stages.map((s) => s.title).join(', ') })
    }
    return out
  }

  /** One task now, by data title (or task UUID, or data hash). Throws when there is none. */
  task(titleOrUuid: string): TestTask {
    const found = this.tasks().find(
      (t) => t.dataTitle === titleOrUuid || t.uuid === titleOrUuid || t.dataHash === titleOrUuid,
    )
    if (!found) throw fail('TaskNotFound', { titleOrUuid })
    return found
  }

  /** What happened to the project so far, oldest first: moves, saves, priorities (see docs/fixture-format.md, "History event"). */
  history(): FixtureHistoryEvent[] {
    return structuredClone(this.#record().history)
  }

  #record() {
    return this.#emulator.state.project(this.projectHash)
  }
}

/**
 * A project for testing agents, served by the local Encord emulator in memory (no port, no file
 * written). From a fixture file or object, a generator spec, or an inline description.
 *
 * @example
 * ```ts
 * const fromFile = await testProject({ fixture: new URL('./fixture.json', import.meta.url) })
 * const generated = await testProject({ generate: { tasks: 50, stages: ['Agent 1'] } })
 * const described = await testProject({
 *   ontology: { objects: ['Car'] },
 *   tasks: ['empty.jpg', { title: 'one-car.jpg', labels: (row) => row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }) }],
 * })
 * ```
 * @see runAgent
 */
export function testProject(source: TestProjectSource): Promise<TestProject> {
  return TestProject.open(source)
}

function fixtureOf(source: TestProjectSource): { fixture: Fixture; baseDir?: string } {
  if ('fixture' in source) {
    const { fixture } = source
    if (typeof fixture === 'string' || fixture instanceof URL) {
      const loaded = loadFixtureFile(fixture instanceof URL ? fileURLToPath(fixture) : fixture)
      return { fixture: loaded.fixture, baseDir: loaded.baseDir }
    }
    // A copy: the caller's object stays as it was, whatever the runs do.
    return { fixture: parseFixture(structuredClone(fixture), 'testProject({ fixture })') }
  }
  if ('generate' in source) return { fixture: generateFixture(source.generate) }
  if ('tasks' in source) return { fixture: describedFixture(source) }
  throw fail('TestProjectInvalid.noSource')
}
