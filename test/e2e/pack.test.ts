import { execFileSync, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { assertBuilt, ROOT, runNode } from './run-bin.js'

let tmp: string
beforeAll(() => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-pack-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function npm(args: string[], cwd: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_loglevel: 'error' }
  delete env.NODE_ENV
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env })
}

describe('the packed package, installed elsewhere', () => {
  it(
    'npm pack → npm install the tarball in a fresh folder → encord-agents init DIR → run --json; package.json, files and types',
    { timeout: 180_000 },
    async () => {
      // dist/ is already built (npm test builds first); --ignore-scripts keeps prepack from rebuilding it under other tests.
      const packDir = join(tmp, 'pack')
      mkdirSync(packDir)
      npm(['pack', '--ignore-scripts', '--pack-destination', packDir], ROOT)
      const [tarball] = readdirSync(packDir).filter((f) => f.endsWith('.tgz'))
      expect(tarball).toMatch(/^encord-agents-.*\.tgz$/)

      const install = join(tmp, 'install')
      mkdirSync(install)
      writeFileSync(join(install, 'package.json'), '{ "name": "consumer", "private": true }\n')
      // From the npm cache the repository's own install filled where it can (package metadata may not be
      // cached on a fresh machine: then the registry answers).
      npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(packDir, tarball)], install)
      const bin = realpathSync(join(install, 'node_modules', '.bin', 'encord-agents'))

      // The project lives outside the install folder: its `import ... from 'encord-agents'` must resolve
      // to the running CLI's own package.
      const project = join(tmp, 'elsewhere', 'my-agent')
      const init = await runNode([bin, 'init', project, '--template', 'multi-stage', '--no-install'], { cwd: tmp })
      expect(init.code, init.stderr).toBe(0)
      const run = await runNode<RunResult>([bin, 'run', '--json'], { cwd: project })
      expect(run.code, run.stderr).toBe(0)
      expect(run.json!.stages.map((s) => [s.title, s.processed])).toEqual([
        ['Triage', 6],
        ['Finish', 5],
      ])
      const help = await runNode([bin, '--help'], { cwd: project })
      expect(help.stdout).toContain('list-stages')

      // The package's own files: templates ship, sources and tests do not; exports has types.
      const pkgDir = join(install, 'node_modules', 'encord-agents')
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
        type: string
        engines: { node: string }
        bin: Record<string, string>
        exports: Record<string, { types: string; import: string }>
      }
      expect(pkg).toMatchObject({
        type: 'module',
        engines: { node: '>=20.19' },
        bin: { 'encord-agents': 'bin/run.js' },
        exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      })
      for (const template of ['minimal', 'label-writer', 'multi-stage', 'vision'])
        expect(existsSync(join(pkgDir, 'templates', template, 'fixture.json'))).toBe(true)
      expect(existsSync(join(pkgDir, 'src'))).toBe(false)
      expect(existsSync(join(pkgDir, 'test'))).toBe(false)

      // `import { defineConfig, defineAgent, Runner } from 'encord-agents'` is typed for a TypeScript user
      // of the installed package (NodeNext, strict): handler arguments typed from deps, wrong uses rejected.
      writeFileSync(
        join(install, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules', '@types')],
          },
          files: ['consumer.ts'],
        }),
      )
      writeFileSync(join(install, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n')
      writeFileSync(
        join(install, 'consumer.ts'),
        `import { defineConfig, defineAgent, defineDependency, labelRow, storageItem, Runner, type RunResult } from 'encord-agents'
import { QueueRunner, RedisEffectJournal, parseTaskSpec, type QueueTaskStatus, type TaskCompletionResult, type WrappedHandler } from 'encord-agents'

export const config = defineConfig({ projectHash: 'p', agents: [{ stage: 'Agent 1', handler: './agent.ts' }], run: { taskBatchSize: 10, dryRun: true } })
const threshold = (value: number) => defineDependency({ resolve: () => value })
export const agent = defineAgent({
  deps: { row: labelRow(), item: storageItem(), min: threshold(0.5) },
  handler({ task, project, deps }) {
    const count: number = deps.row.objects().length
    const name: string = deps.item.name
    const min: number = deps.min
    // @ts-expect-error: not declared in deps
    deps.nothing
    return count > min ? { pathway: 'complete', priority: 0 } : name === task.dataTitle && project.title ? 'needs review' : undefined
  },
})
// @ts-expect-error: a handler returns a pathway, an object or nothing
defineAgent({ handler: () => 42 })
// @ts-expect-error: unknown config option
defineConfig({ agents: [], retries: 3 })
const runner = new Runner({ projectHash: 'p' }).stage('Agent 1', agent).stage('Agent 2', { deps: { row: labelRow() } }, ({ deps }) => (deps.row.objects().length ? 'done' : undefined))
export const result: Promise<RunResult> = runner.run({ concurrency: 2 })
// docs/scaling-out.md: the queue-agnostic runner, with a shared Redis journal per stage.
declare const redis: ConstructorParameters<typeof RedisEffectJournal>[0]
const queue = new QueueRunner({ projectHash: 'p', journal: (stage) => new RedisEffectJournal(redis, \`p:\${stage.uuid}\`) }).stage('Agent 1', agent)
export const handle: WrappedHandler = queue.handler('Agent 1')
export const spec: string = parseTaskSpec('{}').data_title
export const status: QueueTaskStatus = 'moved'
export const done: TaskCompletionResult['success'] = true
// @ts-expect-error: not a status of a queued task
export const wrong: QueueTaskStatus = 'done'
`,
      )
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', install], {
        encoding: 'utf8',
      })
      expect(tsc.stdout + tsc.stderr, 'tsc on the consumer').toBe('')
      expect(tsc.status).toBe(0)
    },
  )
})
