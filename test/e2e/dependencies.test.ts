/**
 * Issue 6, "Dependency injection": through the built binary, against the emulator (in-process with
 * `local`, or the built `emulator start` when the test counts the requests it served).
 */
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { agentProject, cleanUp, config, generatedFixture, reports, startBinEmulator, type BinEmulator } from './kit.js'
import { assertBuilt, runBin } from './run-bin.js'
import { toolAvailable } from '../helpers/system-tools.js'

const hasFfmpeg = toolAvailable('ffmpeg', 'videoFrames() decoding')

beforeAll(() => assertBuilt())
const emulators: BinEmulator[] = []
afterAll(async () => {
  for (const e of emulators) await e.stop()
  cleanUp()
})

type GenFixture = {
  projects: Array<{ projectHash: string; workflow: { stages: Array<{ uuid: string; title: string }> } }>
}
const projectsOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as GenFixture).projects

const head = `import { existsSync } from 'node:fs'
import { asset, defineAgent, defineDependency, labelRow, storageItem, twinLabelRow, videoFrames } from 'encord-agents'
const report = (value: unknown) => process.stderr.write('@@' + JSON.stringify(value) + '\\n')
`

describe('dependencies (built binary)', () => {
  it('task and project always; data only when declared, loaded per batch: one metadata request, label rows in bundles, storage items in bulk', async () => {
    const fixture = await generatedFixture(['--tasks', '10', '--stages', 'Agent 1,Agent 2'])
    const [project] = projectsOf(fixture)
    const emulator = await startBinEmulator(fixture, ['--allow-any-key', '--in-memory'])
    emulators.push(emulator)
    const key = generateOpenSshKey('e2e deps')
    const env = { ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: emulator.domain }
    const cfg = (stage: string) =>
      config([`{ stage: '${stage}', handler: './${stage === 'Agent 1' ? 'plain' : 'data'}.ts' }`], {
        local: '',
        projectHash: `'${project.projectHash}'`,
      })

    // No deps: the handler still gets the task and the project, and nothing else is fetched.
    const plain = agentProject({
      'encord-agents.config.ts': cfg('Agent 1'),
      'plain.ts': `${head}export default defineAgent({ handler: ({ task, project, stage }) => { report({ task: task.uuid, project: project.title, stage: stage.title, ontology: project.ontology.title }); return 'complete' } })\n`,
    })
    const first = await runBin<RunResult>(['run', '--json', '--task-batch-size', '5'], { cwd: plain, env })
    expect(first.code, first.stderr).toBe(0)
    expect(first.json!.stages[0]).toMatchObject({ processed: 10, moved: { complete: 10 } })
    const seen = reports<{ task: string; project: string; stage: string; ontology: string }>(first.stderr)
    expect(seen).toHaveLength(10)
    expect(new Set(seen.map((s) => s.project))).toEqual(new Set(['Generated project']))
    expect(seen.every((s) => s.stage === 'Agent 1' && typeof s.task === 'string' && s.ontology.length > 0)).toBe(true)
    const before = await emulator.requests()
    for (const endpoint of [
      'label-row-metadata',
      'get-label-rows',
      'create-label-rows',
      'get-storage-items',
      'get-storage-item',
      'media',
    ])
      expect(before[endpoint] ?? 0, endpoint).toBe(0)
    // Two batches of 5: one proceed each, or one for both when held together at the stage's tail (issue 21).
    expect(before['proceed']).toBeGreaterThanOrEqual(1)
    expect(before['proceed']).toBeLessThanOrEqual(2)

    // Label row and storage item declared: loaded for the batch, not per task.
    const data = agentProject({
      'encord-agents.config.ts': cfg('Agent 2'),
      'data.ts': `${head}export default defineAgent({
  deps: { row: labelRow(), item: storageItem() },
  handler: ({ task, deps }) => {
    report({ row: deps.row.dataHash === task.dataHash, item: deps.item.name === task.dataTitle })
    return 'complete'
  },
})
`,
    })
    const second = await runBin<RunResult>(['run', '--json', '--task-batch-size', '5'], { cwd: data, env })
    expect(second.code, second.stderr).toBe(0)
    expect(second.json!.stages[0]).toMatchObject({ processed: 10, moved: { complete: 10 } })
    expect(reports(second.stderr)).toEqual(Array(10).fill({ row: true, item: true }))
    const after = await emulator.requests()
    const delta = (endpoint: string) => (after[endpoint] ?? 0) - (before[endpoint] ?? 0)
    // Ten tasks, two batches: one metadata request (shared by both deps), label rows fetched and
    // created in one bundle each, storage items in one bulk request; never one request per task.
    expect(delta('label-row-metadata')).toBe(1)
    expect(delta('get-label-rows')).toBe(1)
    expect(delta('create-label-rows')).toBe(1)
    expect(delta('get-storage-items')).toBe(1)
    expect(delta('get-storage-item')).toBe(0)
    expect(delta('save-label-rows')).toBe(0) // nothing changed, nothing saved
    expect(await emulator.stageCounts(project.projectHash)).toMatchObject({ 'Agent 1': 0, 'Agent 2': 0, Complete: 10 })
  })

  it.skipIf(!hasFfmpeg)(
    'every built-in dependency: label row, storage item, twin project label row, video frames (async iterator), asset (removed after the task)',
    async () => {
      const fixture = await generatedFixture(['--tasks', '2', '--twin', '--data-type', 'video'])
      const [project, twin] = projectsOf(fixture)
      const dir = agentProject(
        {
          'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
            projectHash: `'${project.projectHash}'`,
          }),
          'agent.ts': `${head}export default defineAgent({
  deps: {
    row: labelRow(),
    item: storageItem(),
    twin: twinLabelRow({ twinProjectHash: '${twin.projectHash}' }),
    frames: videoFrames({ maxFrames: 3 }),
    file: asset(),
  },
  async handler({ task, project, deps }) {
    let frames = 0
    let size = ''
    for await (const frame of deps.frames) {
      frames++
      size = frame.width + 'x' + frame.height
    }
    report({
      project: project.projectHash,
      row: deps.row.dataHash === task.dataHash,
      item: deps.item.uuid.length > 0 && deps.item.mimeType,
      twinProject: deps.twin?.project.title,
      twinRow: deps.twin?.labelRow.dataHash === task.dataHash,
      frames,
      size,
      asset: deps.file.path,
      assetThere: existsSync(deps.file.path),
    })
    return 'complete'
  },
})
`,
        },
        { file: fixture },
      )
      const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
      expect(run.code, run.stderr).toBe(0)
      expect(run.json!.stages[0]).toMatchObject({ processed: 2, moved: { complete: 2 }, failed: 0 })
      const seen = reports<{
        project: string
        row: boolean
        item: string
        twinProject: string
        twinRow: boolean
        frames: number
        size: string
        asset: string
        assetThere: boolean
      }>(run.stderr)
      expect(seen).toHaveLength(2)
      for (const s of seen) {
        expect(s).toMatchObject({
          project: project.projectHash,
          row: true,
          item: 'video/mp4',
          twinProject: 'Generated project (twin)',
          twinRow: true,
          frames: 3,
          size: '64x48',
          assetThere: true,
        })
        // The local copy of the media is removed after the task.
        expect(existsSync(s.asset)).toBe(false)
      }
    },
  )

  it('factories take arguments; custom dependencies depend on others to any depth, each resolved once per task', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': `${head}const resolved = new Map<string, number>()
const base = defineDependency({
  name: 'base',
  resolve: ({ task }) => {
    resolved.set(task.uuid, (resolved.get(task.uuid) ?? 0) + 1)
    return task.dataTitle.length
  },
})
// A factory: "a dependency with parameters" is a call (Python wraps a function to pass arguments).
const atLeast = (min: number) => defineDependency({ name: 'atLeast', resolve: () => min })
const middle = defineDependency({ name: 'middle', deps: { base }, resolve: ({ deps }) => deps.base * 2 })
const top = defineDependency({ name: 'top', deps: { middle, base, min: atLeast(34) }, resolve: ({ deps }) => deps.middle + deps.base >= deps.min })
export default defineAgent({
  deps: { top, base, middle },
  handler({ task, deps }) {
    report({ title: task.dataTitle, top: deps.top, base: deps.base, middle: deps.middle, resolved: resolved.get(task.uuid) })
    return deps.top ? 'needs review' : 'complete'
  },
})
`,
    })
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    const seen = reports<{ title: string; top: boolean; base: number; middle: number; resolved: number }>(run.stderr)
    expect(seen).toHaveLength(6)
    for (const s of seen)
      expect(s).toEqual({
        title: s.title,
        top: s.title.length * 3 >= 34,
        base: s.title.length,
        middle: s.title.length * 2,
        resolved: 1,
      })
    // 'parking-lot.png' and 'crossing.png' (3 × length ≥ 34) go to review.
    expect(run.json!.stages[0].moved).toEqual({ complete: 4, 'needs review': 2 })
  })

  it('a dependency cycle is reported at load time: exit 2 before any request (the same config without the cycle goes on to the project)', async () => {
    const key = generateOpenSshKey('e2e cycle')
    const files = (cycle: boolean) => ({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        local: '',
        projectHash: `'0b000000-0000-4000-8000-000000000001'`,
      }),
      'agent.ts': `${head}import type { Dependency } from 'encord-agents'
const later: Record<string, Dependency<number>> = {}
const a: Dependency<number> = defineDependency({ name: 'a', deps: () => (${cycle} ? { c: later.c } : {}), resolve: () => 1 })
const b = defineDependency({ name: 'b', deps: { a }, resolve: ({ deps }) => deps.a + 1 })
later.c = defineDependency({ name: 'c', deps: { b }, resolve: ({ deps }) => deps.b + 1 })
export default defineAgent({ deps: { c: later.c }, handler: () => 'complete' })
`,
    })
    // An emulator that knows no key: any request made is counted, and answered 401 (exit 3).
    const strict = await startBinEmulator(
      await generatedFixture(['--tasks', '1', '--project-hash', '0b000000-0000-4000-8000-000000000001']),
      ['--in-memory'],
    )
    emulators.push(strict)
    const env = { ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: strict.domain }
    const cyclic = await runBin<{ error: { code: string; message: string; exitCode: number } }>(
      ['validate', '--json'],
      { cwd: agentProject(files(true)), env },
    )
    expect(cyclic.code, cyclic.stderr).toBe(2)
    expect(cyclic.json!.error.code).toBe('DependencyCycle')
    expect(cyclic.json!.error.message).toMatch(/Dependency cycle: (c → b → a → c|b → a → c → b|a → c → b → a)\./)
    expect(cyclic.json!.error.message).toMatch(/^ {2}a \(agent\.ts:6:\d+\)$/m)
    const human = await runBin(['run'], { cwd: agentProject(files(true)), env })
    expect(human.code).toBe(2)
    expect(human.stderr).toContain('Dependency cycle')
    expect(Object.values(await strict.requests()).reduce((a, b) => a + b, 0)).toBe(0)

    // Without the cycle the same config goes on to talk to the project (and is refused).
    const fine = await runBin<{ error: { code: string; exitCode: number } }>(['validate', '--json'], {
      cwd: agentProject(files(false)),
      env,
    })
    expect(fine.code, fine.stderr).toBe(3)
    expect((await strict.requests())['get-project']).toBeGreaterThan(0)
  })

  it("per stage, labelRowMetadata options go to the label row listing (includeClientMetadata: the storage item's metadata in the row)", async () => {
    const fixture = await generatedFixture(['--tasks', '2', '--stages', 'Agent 1,Agent 2'])
    const [project] = projectsOf(fixture)
    const dir = agentProject(
      {
        'encord-agents.config.ts': config(
          [`{ stage: 'Agent 1', handler: './with.ts' }`, `{ stage: 'Agent 2', handler: './without.ts' }`],
          { projectHash: `'${project.projectHash}'` },
        ),
        'with.ts': `${head}export default defineAgent({
  labelRowMetadata: { includeClientMetadata: true },
  deps: { row: labelRow() },
  handler: ({ deps }) => { report({ stage: 1, metadata: deps.row.clientMetadata }); return 'complete' },
})
`,
        'without.ts': `${head}export default defineAgent({
  deps: { row: labelRow() },
  handler: ({ deps }) => { report({ stage: 2, metadata: deps.row.clientMetadata }); return 'complete' },
})
`,
      },
      { file: fixture },
    )
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    const seen = reports<{ stage: number; metadata: Record<string, unknown> | null }>(run.stderr)
    expect(seen.filter((s) => s.stage === 1).map((s) => s.metadata)).toEqual([
      expect.objectContaining({ camera: expect.any(String) }),
      expect.objectContaining({ camera: expect.any(String) }),
    ])
    expect(seen.filter((s) => s.stage === 2).map((s) => s.metadata)).toEqual([null, null])
  })
})
