/**
 * What the end-to-end tests of issues 3 and 6 share: throwaway agent projects over the templates'
 * fixtures or a generated one, the built `emulator start` as a separate process (so a test can read
 * what the emulator served: requests per endpoint, live task counts), and fixture readers. Everything
 * goes through the built binary; nothing here imports the code under test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { BIN, ROOT, runBin } from './run-bin.js'
import { recordOutput } from '../helpers/output-scan.js'

const dirs: string[] = []

/** Remove every directory made by `agentProject` (call from afterAll). */
export function cleanUp(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
}

/**
 * A throwaway agent project: a package.json (stops the config search), a fixture (a template's, or
 * one made by `emulator generate`), and the given files. Returns its directory.
 */
export function agentProject(
  files: Record<string, string>,
  fixture: 'minimal' | 'label-writer' | 'multi-stage' | { file: string } = 'minimal',
): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-e2e-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'package.json'), '{ "name": "agents-under-test", "private": true }\n')
  copyFileSync(
    typeof fixture === 'string' ? join(ROOT, 'templates', fixture, 'fixture.json') : fixture.file,
    join(dir, 'fixture.json'),
  )
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
  return dir
}

/** A fixture made by the built `emulator generate` (kept in a temp dir until cleanUp). */
export async function generatedFixture(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ea-e2e-gen-'))
  dirs.push(dir)
  const file = join(dir, 'fixture.json')
  const r = await runBin(['emulator', 'generate', '--out', file, ...args])
  if (r.code !== 0) throw new Error(`emulator generate failed: ${r.stderr}`)
  return file
}

/** `encord-agents.config.ts` text. `agents` are the entries' source; `extra` more top-level fields. */
export function config(agents: string[], extra: Record<string, string> = {}): string {
  const fields = Object.entries({ local: `'./fixture.json'`, ...extra })
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `  ${k}: ${v},`)
  return `import { defineConfig } from 'encord-agents'

export default defineConfig({
${fields.join('\n')}
  agents: [
${agents.map((a) => `    ${a},`).join('\n')}
  ],
})
`
}

type FixtureJson = {
  users: Array<{ publicKeyHex: string }>
  storageItems: Array<{ uuid: string; name: string; clientMetadata?: Record<string, unknown> }>
  projects: Array<{
    projectHash: string
    title: string
    workflow: { stages: Array<{ uuid: string; title: string; pathways?: Array<{ uuid: string; title: string }> }> }
    dataUnits: Array<{ dataHash: string; dataTitle: string }>
    tasks: Array<{
      uuid: string
      dataHash: string
      stageUuid: string
      status: string
      assignee: string | null
      priority: number | null
    }>
    labelRows: Array<{ labelHash: string; dataHash: string; labels: Record<string, unknown> }>
    history: Array<{ kind: string; taskUuid?: string; dataHash?: string; labelHash?: string }>
  }>
}

/** The fixture file of a project directory, as the emulator wrote it back. */
export function readFixture(dir: string, name = 'fixture.json'): FixtureJson {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as FixtureJson
}

export function writeFixture(dir: string, fixture: FixtureJson, name = 'fixture.json'): void {
  writeFileSync(join(dir, name), JSON.stringify(fixture, null, 2))
}

/** Tasks per stage title of the first project (or `projectHash`). */
export function tasksPerStage(fixture: FixtureJson, projectHash?: string): Record<string, number> {
  const project =
    projectHash === undefined ? fixture.projects[0] : fixture.projects.find((p) => p.projectHash === projectHash)!
  const out: Record<string, number> = {}
  for (const s of project.workflow.stages) out[s.title] = project.tasks.filter((t) => t.stageUuid === s.uuid).length
  return out
}

/** Data title of each task uuid of the first project. */
export function titlesByTask(fixture: FixtureJson): Map<string, string> {
  const project = fixture.projects[0]
  const titles = new Map(project.dataUnits.map((d) => [d.dataHash, d.dataTitle]))
  return new Map(project.tasks.map((t) => [t.uuid, titles.get(t.dataHash) ?? '']))
}

/** Lines a handler wrote to stderr with `process.stderr.write('@@' + JSON.stringify(x) + '\n')`. */
export function reports<T = Record<string, unknown>>(stderr: string): T[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('@@'))
    .map((l) => JSON.parse(l.slice(2)) as T)
}

/** A running `encord-agents emulator start` child (loopback, free port). */
export interface BinEmulator {
  domain: string
  child: ChildProcess
  /** Requests served per endpoint (all statuses added up). */
  requests(): Promise<Record<string, number>>
  /** Live task counts per stage title of a project. */
  stageCounts(projectHash: string): Promise<Record<string, number>>
  /** SIGTERM (the emulator writes its state back unless in memory) and wait for the exit. */
  stop(): Promise<void>
}

/**
 * Start the built `emulator start FIXTURE --port 0 --json` and wait for its start line. Clients talk
 * to it as to Encord (`--domain` / ENCORD_DOMAIN): the non-local path of `run`.
 */
export function startBinEmulator(fixture: string, flags: string[] = []): Promise<BinEmulator> {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ENCORD_') || k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'NODE_ENV' || k === 'DEBUG')
      continue
    env[k] = v
  }
  Object.assign(env, { NO_COLOR: '1', CI: '1' })
  const child = spawn(process.execPath, [BIN, 'emulator', 'start', fixture, '--port', '0', '--json', ...flags], {
    cwd: dirname(fixture),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`emulator start did not start in time: ${err}`))
    }, 30_000)
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    // For the suite-wide key-material scan (test/helpers/output-scan.ts).
    child.once('close', () => recordOutput(`emulator start ${fixture} ${flags.join(' ')}`, out, err))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`emulator start exited ${code}: ${err}`))
    })
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const line = out.split('\n')[0]
      if (!out.includes('\n')) return
      clearTimeout(timer)
      const { domain } = JSON.parse(line) as { domain: string }
      const get = async <T>(path: string): Promise<T> => (await (await fetch(`${domain}${path}`)).json()) as T
      resolve({
        domain,
        child,
        requests: async () => {
          const stats = await get<{ requests: { byEndpoint: Record<string, Record<string, number>> } }>(
            '/_emulator/stats',
          )
          return Object.fromEntries(
            Object.entries(stats.requests.byEndpoint).map(([e, byStatus]) => [
              e,
              Object.values(byStatus).reduce((a, b) => a + b, 0),
            ]),
          )
        },
        stageCounts: async (projectHash) => {
          const detail = await get<{ workflow: { stages: Array<{ title: string; taskCount: number }> } }>(
            `/_emulator/api/projects/${projectHash}`,
          )
          return Object.fromEntries(detail.workflow.stages.map((s) => [s.title, s.taskCount]))
        },
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM')
          await exited
        },
      })
    })
  })
}
