/**
 * The built binary against an emulator in the test process: the CLI talks to it over HTTP exactly as
 * to Encord (`--domain`, `--ssh-key-file`), while the test reads the emulator's state as the ground
 * truth and can act at exact points of a run (after the N-th request) by hooking the emulator's
 * responses. The emulator keeps its state across runs of the binary, so interrupted or killed runs
 * can be followed by reruns against the same project.
 */
import { type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { generateFixture, startEmulator, type EmulatorHandle, type FaultConfig } from '../../src/emulator/index.js'
import type { Fixture } from '../../src/emulator/fixture.js'
import { runBin, type BinResult, type RunBinOptions } from '../e2e/run-bin.js'
import { projectState, type TaskState } from './project-state.js'

/**
 * A handler for the generated project: appends one Box to the task's label row (whatever it already
 * holds: applied twice, the row would hold two new boxes), sets a priority, and picks its pathway from
 * the data title. Each call is logged to calls.log (one task uuid per line) so tests can count them.
 */
export const APPENDING_AGENT = `import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineAgent, labelRow } from 'encord-agents'

export default defineAgent({
  deps: { row: labelRow() },
  pathways: ['complete', 'needs review'],
  async handler({ task, deps }) {
    appendFileSync(join(import.meta.dirname, 'calls.log'), task.uuid + '\\n')
    const delay = Number(process.env.AGENT_DELAY_MS ?? 0)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    deps.row.addBoundingBox('Box', { x: 0.1, y: 0.2, w: 0.3, h: 0.4 })
    return { pathway: expectedPathway(task.dataTitle), priority: 0.75 }
  },
})

/** The same rule the tests check against. */
function expectedPathway(title: string): string {
  return /[37]\\.(png|mp4)$/.test(title) ? 'needs review' : 'complete'
}
`

/** The pathway APPENDING_AGENT picks for a data title, and the stage it leads to. */
export function expectedPathway(title: string): { pathway: string; stage: string } {
  return /[37]\.(png|mp4)$/.test(title)
    ? { pathway: 'needs review', stage: 'Review 1' }
    : { pathway: 'complete', stage: 'Complete' }
}

export interface BinEnvOptions {
  tasks: number
  seed?: number
  labelledFraction?: number
  faults?: FaultConfig
  /** The config's `run` block (TypeScript object literal text). */
  run?: string
  /** Handler module source. @default APPENDING_AGENT */
  agent?: string
  pageSize?: number
}

export interface BinEnv {
  dir: string
  emulator: EmulatorHandle
  fixture: Fixture
  projectHash: string
  keyFile: string
  /** `node bin/run.js run --domain … --ssh-key-file … ...args` in the project folder. */
  run<T = unknown>(args?: string[], options?: RunBinOptions): Promise<BinResult<T>>
  /**
   * Call `fn` once the emulator has answered `n` more requests (of one endpoint, e.g.
   * `save-label-rows`, when given), counted from this call.
   */
  afterRequests(n: number, fn: () => void, endpoint?: string): void
  /** Requests the emulator answered so far. */
  requests(): number
  /** Per data hash: stage, proceeds, priority, labels, saves. */
  state(): Map<string, TaskState>
  /** Handler calls per task uuid, from calls.log. */
  handlerCalls(): Map<string, number>
  /** Title of each data hash. */
  titles: Map<string, string>
  close(): Promise<void>
}

export async function startBinEnv(options: BinEnvOptions): Promise<BinEnv> {
  const key = generateOpenSshKey('reliability test key')
  const fixture = generateFixture({
    tasks: options.tasks,
    seed: options.seed ?? 1,
    labelledFraction: options.labelledFraction ?? 0.5,
  })
  let answered = 0
  const waiters: Array<{ at: number; fn: () => void; endpoint?: string }> = []
  let handle: EmulatorHandle | undefined
  const answeredBy = (endpoint?: string): number => {
    if (endpoint === undefined) return answered
    const byStatus = handle?.stats().requests.byEndpoint[endpoint] ?? {}
    return Object.values(byStatus).reduce((a, b) => a + b, 0)
  }
  const emulator = (handle = await startEmulator({
    fixture,
    inMemory: true,
    allowKeys: [key.publicKeyHex],
    faults: options.faults,
    seed: options.seed ?? 1,
    pageSize: options.pageSize,
    register: (app) => {
      // Counted when the answer has been sent (or the connection dropped): the request was applied.
      app.addHook('onResponse', async () => {
        answered++
        for (const w of waiters.splice(0)) {
          if (answeredBy(w.endpoint) >= w.at) w.fn()
          else waiters.push(w)
        }
      })
    },
  }))
  const projectHash = fixture.projects[0].projectHash
  const dir = mkdtempSync(join(tmpdir(), 'ea-reliability-'))
  const keyFile = join(dir, 'encord-key')
  writeFileSync(keyFile, key.privateKeyText, { mode: 0o600 })
  writeFileSync(join(dir, 'package.json'), '{ "name": "reliability-project", "private": true }\n')
  writeFileSync(join(dir, 'agent.ts'), options.agent ?? APPENDING_AGENT)
  writeFileSync(
    join(dir, 'encord-agents.config.ts'),
    `import { defineConfig } from 'encord-agents'

export default defineConfig({
  projectHash: '${projectHash}',
  agents: [{ stage: 'Agent 1', handler: './agent.ts' }],
  run: ${options.run ?? '{}'},
})
`,
  )
  const titles = new Map(fixture.projects[0].dataUnits.map((u) => [u.dataHash, u.dataTitle]))
  return {
    dir,
    emulator,
    fixture,
    projectHash,
    keyFile,
    titles,
    run: (args = [], runOptions = {}) =>
      runBin(['run', '--domain', emulator.domain, '--ssh-key-file', keyFile, ...args], {
        cwd: dir,
        timeoutMs: 120_000,
        ...runOptions,
      }),
    afterRequests: (n, fn, endpoint) => {
      waiters.push({ at: answeredBy(endpoint) + n, fn, endpoint })
    },
    requests: () => answered,
    state: () => projectState(emulator.state, projectHash, emulator.stats().proceeds.byTask),
    handlerCalls: () => {
      const calls = new Map<string, number>()
      let text: string
      try {
        text = readFileSync(join(dir, 'calls.log'), 'utf8')
      } catch {
        return calls
      }
      for (const uuid of text.split('\n').filter(Boolean)) calls.set(uuid, (calls.get(uuid) ?? 0) + 1)
      return calls
    },
    close: async () => {
      await emulator.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Send `signal` to a child we spawned (by its pid), once. */
export function signalChild(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, signal)
}

/** Seeded PRNG (mulberry32) for reproducible kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
