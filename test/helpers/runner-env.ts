import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import {
  generateFixture,
  startEmulator,
  type EmulatorHandle,
  type FaultConfig,
  type GenerateFixtureOptions,
} from '../../src/emulator/index.js'
import type { Fixture } from '../../src/emulator/fixture.js'
import type { TaskRecord } from '../../src/emulator/state.js'

/**
 * A real emulator (in memory, on a free loopback port) and the real client signed with a fresh key:
 * what every runner end-to-end test starts from. No mocks: requests go over HTTP, signatures are
 * verified, and the emulator's state is the ground truth the tests assert on.
 */
export interface RunnerEnv {
  emulator: EmulatorHandle
  client: EncordClient
  fixture: Fixture
  projectHash: string
  /** Stage uuid by title. */
  stageUuid(title: string): string
  /** Pathway uuid of an agent stage by name. */
  pathwayUuid(stageTitle: string, name: string): string
  /** Tasks now in the stage (by title). */
  tasksIn(stageTitle: string, projectHash?: string): TaskRecord[]
  /** The task now holding a data unit. */
  taskOfData(dataHash: string): TaskRecord
  /** Proceeds applied per task uuid (a retried, already applied proceed does not count). */
  proceedsByTask(): Record<string, number>
  /** Requests the emulator served, per endpoint (all statuses). */
  requestsByEndpoint(): Record<string, number>
  /** History events of a kind (save, priority, create, proceed...). */
  history(
    kind: string,
    projectHash?: string,
  ): Array<{ kind: string; taskUuid?: string; dataHash?: string; labelHash?: string; detail?: unknown }>
  close(): Promise<void>
}

/** Retry delays short enough for tests (the backoff itself is tested on a fake clock). */
export const FAST_RETRIES = { retryDelayMs: 1, maxRetryDelayMs: 5 } as const

export interface RunnerEnvOptions extends Partial<GenerateFixtureOptions> {
  fixture?: Fixture
  faults?: FaultConfig
  seed?: number
  pageSize?: number
  /** Client retries. @default 3 */
  retries?: number
  /** Keep the emulator's request log (`emulator.requests()`). @default off */
  requestLog?: boolean
}

export async function startRunnerEnv(options: RunnerEnvOptions = {}): Promise<RunnerEnv> {
  const key = generateOpenSshKey('runner test key')
  const fixture =
    options.fixture ??
    generateFixture({
      tasks: options.tasks ?? 10,
      stages: options.stages,
      dataType: options.dataType,
      twin: options.twin,
      labelledFraction: options.labelledFraction ?? 0,
      seed: options.seed ?? 1,
      imageSize: options.imageSize,
    })
  const emulator = await startEmulator({
    fixture,
    inMemory: true,
    allowKeys: [key.publicKeyHex],
    faults: options.faults,
    seed: options.seed ?? 1,
    pageSize: options.pageSize,
    requestLog: options.requestLog,
  })
  const client = new EncordClient({
    key: parsePrivateKey(key.privateKeyText),
    domain: emulator.domain,
    retries: options.retries ?? 3,
    backoffBaseMs: 5,
    maxRetryDelayMs: 200,
  })
  const projectHash = fixture.projects[0].projectHash
  const projectOf = (hash: string) => emulator.state.project(hash)
  const stageByTitle = (title: string, hash = projectHash) => {
    const stage = projectOf(hash).stages.find((s) => s.title === title)
    if (stage === undefined) throw new Error(`no stage ${title}`)
    return stage
  }
  return {
    emulator,
    client,
    fixture,
    projectHash,
    stageUuid: (title) => stageByTitle(title).uuid,
    pathwayUuid: (stageTitle, name) => {
      const pathway = stageByTitle(stageTitle).pathways.find((p) => p.title === name)
      if (pathway === undefined) throw new Error(`no pathway ${name}`)
      return pathway.uuid
    },
    tasksIn: (title, hash = projectHash) => {
      const uuid = stageByTitle(title, hash).uuid
      return [...projectOf(hash).tasks.values()].filter((t) => t.stageUuid === uuid)
    },
    taskOfData: (dataHash) => {
      const task = emulator.state.taskOfData(projectOf(projectHash), dataHash)
      if (task === null) throw new Error(`no task for ${dataHash}`)
      return task
    },
    proceedsByTask: () => emulator.stats().proceeds.byTask,
    requestsByEndpoint: () =>
      Object.fromEntries(
        Object.entries(emulator.stats().requests.byEndpoint).map(([endpoint, byStatus]) => [
          endpoint,
          Object.values(byStatus).reduce((a, b) => a + b, 0),
        ]),
      ),
    history: (kind, hash = projectHash) => projectOf(hash).history.filter((h) => h.kind === kind),
    close: async () => {
      await client.close()
      await emulator.stop()
    },
  }
}

/** One call made through a recording client. */
export interface RecordedCall {
  method: string
  args: unknown[]
}

/**
 * The real client, with every call recorded (method and arguments) on its way through: lets tests
 * check what the runner asked for (e.g. the data hashes of a metadata request) without changing it.
 */
export function recordCalls<T extends object>(client: T): { client: T; calls: RecordedCall[] } {
  const calls: RecordedCall[] = []
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof value !== 'function' || typeof property !== 'string') return value
      return (...args: unknown[]) => {
        calls.push({ method: property, args })
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { client: proxy, calls }
}
