import { fail } from '../shared/error-catalogue/index.js'
import type { FastifyInstance } from 'fastify'
import { KeyRegistry } from './auth.js'
import { FaultInjector, type FaultConfig } from './faults.js'
import type { Fixture, FixtureInput } from './fixture.js'
import { loadFixture } from './fixture-load.js'
import { MediaStore } from './media.js'
import { removeStaleTempFiles } from './fixture-write.js'
import { StateWriter } from './persist.js'
import { InProcessDispatcher } from './in-process.js'
import { buildServer } from './server.js'
import { EmulatorState } from './state.js'
import { StatsRecorder, type EmulatorStats, type RequestLogEntry } from './stats.js'

export { generateFixture, type GenerateFixtureOptions } from './generate.js'
export {
  ENCORD_AGENTS_SUITE_WORKSPACE,
  generateWorkspace,
  workspaceIds,
  type GenerateWorkspaceOptions,
  type WorkspaceIds,
} from './workspace-generate.js'
export { FIXTURE_FORMAT, Fixture, type FixtureInput } from './fixture.js'
export { loadFixture, loadFixtureFile, parseFixture } from './fixture-load.js'
export type { EmulatorStats, RequestLogEntry } from './stats.js'
export type { FaultConfig, FaultRule } from './faults.js'
export { ENDPOINTS } from './server.js'
export { InProcessDispatcher } from './in-process.js'
export { EmulatorState } from './state.js'

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** A fixture file path (state is written back to it unless `inMemory`), or a fixture object (always in memory). */
  fixture: string | Fixture | FixtureInput
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number
  /** Interface to bind. Anything but loopback exposes unauthenticated media and state endpoints. @default "127.0.0.1" */
  host?: string
  /** Shorthand for `faults.latencyMs`: added to every Encord request. */
  latencyMs?: number
  /** Seeded fault injection: latency, jitter, per-connection latency, 5xx, 429, resets, slow answers. */
  faults?: FaultConfig
  /** Seed of the fault PRNGs. @default 0 */
  seed?: string | number
  /** Accept any correctly signed request, for every project, whatever the key. @default false */
  allowAnyKey?: boolean
  /** Never write the state back to the fixture file. @default false */
  inMemory?: boolean
  /** Public key hexes (64 lowercase hex) allowed for this run on every project, on top of the fixture's users. */
  allowKeys?: string[]
  /** Keep the last N requests (true = 1000) for `GET /_emulator/requests`. Signature headers are never logged. @default false */
  requestLog?: boolean | number
  /** The clock in Unix milliseconds (signature windows, timestamps, signed URL expiry). @default Date.now */
  clock?: () => number
  /** Tasks per page of a task listing (Encord's own page size is not documented). @default 100 */
  pageSize?: number
  /** Label rows per legacy request before `MULTI_LABEL_LIMIT_ERROR`. @default 1000 */
  maxLabelRowsPerRequest?: number
  /**
   * Also send the START node and router stages (USER_ROUTER, PERCENTAGE_ROUTER) in the project's
   * `workflow.stages`. Encord sends neither (Encord's Python SDK cannot build a workflow with them); this
   * is for testing that a client keeps loading a project whose workflow has stage types it does not
   * know. Their tasks cannot be listed (404), as on Encord. @default false
   */
  exposeAllStages?: boolean
  /** Largest request body in bytes. @default 256 MiB */
  bodyLimit?: number
  /** Debounce of state writes to the fixture file, ms. @default 100 */
  writeDebounceMs?: number
  /** Add routes before the server listens (the dashboard serves `GET /`). */
  register?: (app: FastifyInstance) => void | Promise<void>
  /** Called with warnings (e.g. a failed state write). */
  onWarning?: (message: string) => void
}

/** A running emulator. */
export interface EmulatorHandle {
  /** `http://127.0.0.1:PORT`: export it as `ENCORD_DOMAIN`. */
  domain: string
  port: number
  host: string
  /** The fixture file the state is written to, or null when in memory. */
  fixtureFile: string | null
  /** The live model (read it in tests; mutate only through HTTP). */
  state: EmulatorState
  /** The Fastify instance (for `inject` in tests). */
  app: FastifyInstance
  stats(): EmulatorStats
  /** The request log, oldest first (empty unless `requestLog`). */
  requests(): RequestLogEntry[]
  /** Allow one more public key for this run. */
  allowKey(publicKeyHex: string): void
  /** Write pending state now. */
  flush(): Promise<void>
  /** Close the server (dropping open connections) and write the state. Idempotent. */
  stop(): Promise<void>
}

/** Everything an emulator is made of, before it listens (shared by the server and the in-process one). */
async function prepareEmulator(options: EmulatorOptions, baseDir?: string) {
  const loaded = loadFixture(options.fixture, baseDir)
  const clock = options.clock ?? Date.now
  const state = new EmulatorState(loaded.fixture, clock)
  for (const key of options.allowKeys ?? []) {
    if (!/^[0-9a-f]{64}$/i.test(key)) throw fail('EmulatorBadKey', { key })
  }
  const keys = new KeyRegistry(state.users.values(), { allowKeys: options.allowKeys, allowAnyKey: options.allowAnyKey })
  const faultConfig: FaultConfig = {
    ...options.faults,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  }
  let faults: FaultInjector
  try {
    faults = new FaultInjector(faultConfig, options.seed ?? 0)
  } catch (error) {
    throw fail('EmulatorBadFaults', { message: (error as Error).message }, { cause: error })
  }
  const logSize = options.requestLog === true ? 1000 : typeof options.requestLog === 'number' ? options.requestLog : 0
  const stats = new StatsRecorder(logSize)
  const media = new MediaStore(loaded.baseDir, clock)
  const warn = options.onWarning ?? (() => {})

  const writer =
    options.inMemory || loaded.file === null
      ? null
      : new StateWriter(state, loaded.file, {
          debounceMs: options.writeDebounceMs,
          onError: (e) => warn(`Could not write the emulator state to ${loaded.file}: ${e.message}`),
        })
  const unsubscribe = writer ? state.onChange(() => writer.schedule()) : () => {}
  // Temporary files of writes cut short by a kill (SIGKILL, OOM) of an earlier emulator on this fixture.
  if (writer && loaded.file !== null) await removeStaleTempFiles(loaded.file)

  const app = buildServer({
    state,
    keys,
    faults,
    stats,
    media,
    pageSize: options.pageSize ?? 100,
    maxLabelRowsPerRequest: options.maxLabelRowsPerRequest ?? 1000,
    bodyLimit: options.bodyLimit ?? 256 * 1024 * 1024,
    exposeAllStages: options.exposeAllStages ?? false,
  })
  if (options.register) await options.register(app)
  return { loaded, state, keys, stats, writer, unsubscribe, app }
}

/** Options of {@link openInProcessEmulator}: an emulator in memory, never listening, never writing a file. */
export interface InProcessEmulatorOptions extends Omit<
  EmulatorOptions,
  'port' | 'host' | 'inMemory' | 'writeDebounceMs' | 'register' | 'onWarning'
> {
  /** Where relative `media.path` entries of a fixture object are found. @default process.cwd() */
  baseDir?: string
}

/** An emulator answering in this process through {@link InProcessDispatcher}. */
export interface InProcessEmulator {
  /** The origin to give the client (no server listens there; it names the emulator in signed URLs). */
  domain: string
  /** Give it to the client as its `dispatcher`. */
  dispatcher: InProcessDispatcher
  /** The live model (read it in tests; mutate only through requests). */
  state: EmulatorState
  stats(): EmulatorStats
  allowKey(publicKeyHex: string): void
}

/** The origin of every in-process emulator (`.invalid` is reserved: nothing can ever resolve it). */
export const IN_PROCESS_DOMAIN = 'http://emulator.encord-agents.invalid'

/**
 * The local Encord emulator in memory, with no port and no file: requests reach its handlers through
 * a dispatcher (see in-process.ts), so signatures, routing and answers are the server's own.
 *
 * @example
 * const emulator = await openInProcessEmulator({ fixture, allowKeys: [key.publicKeyHex] })
 * const client = new EncordClient({ domain: emulator.domain, key, dispatcher: emulator.dispatcher })
 */
export async function openInProcessEmulator(options: InProcessEmulatorOptions): Promise<InProcessEmulator> {
  const { state, keys, stats, app } = await prepareEmulator({ ...options, inMemory: true }, options.baseDir)
  await app.ready()
  return {
    domain: IN_PROCESS_DOMAIN,
    dispatcher: new InProcessDispatcher(app),
    state,
    stats: () => stats.snapshot(),
    allowKey: (hex) => keys.allow(hex),
  }
}

/**
 * Start the local Encord emulator: Encord's REST v2 and legacy RPC APIs over a fixture, with request
 * signatures verified, state written back atomically, stats, and seeded fault injection.
 *
 * @example
 * const emulator = await startEmulator({ fixture: 'fixture.json', allowKeys: [key.publicKeyHex] })
 * process.env.ENCORD_DOMAIN = emulator.domain
 * // ... run agents ...
 * await emulator.stop()
 */
export async function startEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const { state, keys, stats, writer, unsubscribe, app, loaded } = await prepareEmulator(options)

  const host = options.host ?? '127.0.0.1'
  try {
    await app.listen({ port: options.port ?? 0, host })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw fail('EmulatorPortInUse', { port: options.port, host }, { cause: error })
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw fail('EmulatorBadHost', { host, code }, { cause: error })
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0)
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host

  let stopping: Promise<void> | null = null
  return {
    domain: `http://${shownHost}:${port}`,
    port,
    host,
    fixtureFile: writer ? loaded.file : null,
    state,
    app,
    stats: () => stats.snapshot(),
    requests: () => stats.requests(),
    allowKey: (hex) => keys.allow(hex),
    flush: async () => {
      await writer?.flush()
    },
    stop: () => {
      stopping ??= (async () => {
        await app.close()
        unsubscribe()
        await writer?.flush()
      })()
      return stopping
    },
  }
}
