/**
 * Issue 6, "Where the Python Runner fails its users, and we must not": through the built binary
 * against the local emulator, with the emulator's written-back state (tasks, label rows, history) as
 * the ground truth. (The title + UUID duplicate is in stages-handlers.test.ts, priority 0 there too.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import {
  agentProject,
  cleanUp,
  config,
  generatedFixture,
  readFixture,
  reports,
  tasksPerStage,
  titlesByTask,
} from './kit.js'
import { assertBuilt, runBin } from './run-bin.js'

beforeAll(() => assertBuilt())
afterAll(() => cleanUp())

const head = `import { defineAgent, defineDependency, labelRow } from 'encord-agents'
const report = (value: unknown) => process.stderr.write('@@' + JSON.stringify(value) + '\\n')
`
type Row = {
  labelHash: string
  dataHash: string
  labels: { data_units: Record<string, { labels: { objects: Array<{ name: string }> } }> }
}
const objectsOf = (row: Row) => row.labels.data_units[row.dataHash].labels.objects.map((o) => o.name)

describe('where the Python Runner fails its users (built binary)', () => {
  it('one failing task (an exception, an unknown pathway, a dependency that throws) loses none of the moves and saves of its batch', async () => {
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([`{ stage: 'Pre-label', handler: './agent.ts' }`], {
          run: `{ numRetries: 0 }`,
        }),
        'agent.ts': `${head}const detector = defineDependency({
  name: 'detector',
  resolve: ({ task }) => {
    if (task.dataTitle === 'garage.png') throw new Error('GPU out of memory')
    return 0.9
  },
})
export default defineAgent({
  deps: { row: labelRow(), detector },
  handler({ task, deps }) {
    deps.row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, { confidence: deps.detector })
    if (task.dataTitle === 'street.png') throw new Error('model exploded')
    if (task.dataTitle === 'bridge.png') return { pathway: 'aprove', labelRow: deps.row }
    return { pathway: 'to review', labelRow: deps.row }
  },
})
`,
      },
      'label-writer',
    )
    // All six tasks in one batch (the default taskBatchSize is 300).
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(1)
    const stage = r.json!.stages[0]
    expect(stage).toMatchObject({ processed: 6, moved: { 'to review': 3 }, failed: 3 })
    expect(stage.errors.map((e) => [e.dataTitle, e.code]).sort()).toEqual([
      ['bridge.png', 'UnknownPathway'],
      ['garage.png', 'DependencyFailed'],
      ['street.png', 'HandlerFailed'],
    ])
    const fixture = readFixture(dir)
    const project = fixture.projects[0]
    expect(tasksPerStage(fixture)).toEqual({ 'Pre-label': 3, Review: 3, Complete: 0 })
    // The three decided tasks had their labels saved; the failed ones saved nothing.
    const titleOf = new Map(project.dataUnits.map((d) => [d.dataHash, d.dataTitle]))
    const saved = project.history
      .filter((h) => h.kind === 'save')
      .map((h) =>
        titleOf.get(h.dataHash ?? (project.labelRows as Row[]).find((l) => l.labelHash === h.labelHash)!.dataHash),
      )
    expect(saved.sort()).toEqual(['crossing.png', 'highway.png', 'parking-lot.png'])
  })

  it('dependency errors are retried like handler errors and do not stop the run', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        run: `{ numRetries: 1, concurrency: 6 }`,
      }),
      'agent.ts': `${head}const tries = new Map<string, number>()
const model = defineDependency({
  name: 'model',
  resolve: ({ task }) => {
    const n = (tries.get(task.uuid) ?? 0) + 1
    tries.set(task.uuid, n)
    report({ title: task.dataTitle, resolve: n })
    if (n === 1) throw new Error('model server warming up')
    return 'ready'
  },
})
export default defineAgent({ deps: { model }, handler: ({ deps }) => (deps.model === 'ready' ? 'complete' : undefined) })
`,
    })
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json!.stages[0]).toMatchObject({ processed: 6, moved: { complete: 6 }, failed: 0 })
    const seen = reports<{ title: string; resolve: number }>(r.stderr)
    expect(seen.filter((s) => s.resolve === 1)).toHaveLength(6)
    expect(seen.filter((s) => s.resolve === 2)).toHaveLength(6)
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Agent 1': 0, Review: 0, Complete: 6 })
  })

  it('a retried task saves its label row once (no duplicate labels); a task that exhausts its retries is reported and the exit code is 1', async () => {
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([`{ stage: 'Pre-label', handler: './agent.ts' }`], {
          run: `{ numRetries: 1, concurrency: 6 }`,
        }),
        'agent.ts': `${head}export default defineAgent({
  deps: { row: labelRow() },
  handler({ task, deps, attempt }) {
    deps.row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
    if (attempt === 0) throw new Error('flaky model')
    if (task.dataTitle === 'street.png') throw new Error('always fails')
    return { pathway: 'to review', labelRow: deps.row }
  },
})
`,
      },
      'label-writer',
    )
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(1)
    expect(r.json!.ok).toBe(false)
    expect(r.json!.stages[0]).toMatchObject({ processed: 6, moved: { 'to review': 5 }, failed: 1 })
    expect(r.json!.stages[0].errors).toEqual([
      expect.objectContaining({ dataTitle: 'street.png', code: 'HandlerFailed', message: 'always fails' }),
    ])
    const project = readFixture(dir).projects[0]
    const saves = project.history.filter((h) => h.kind === 'save')
    expect(saves).toHaveLength(5)
    expect(new Set(saves.map((h) => h.labelHash)).size).toBe(5)
    // Each saved row holds the one box of the successful attempt, not one per attempt.
    const savedRows = (project.labelRows as Row[]).filter((row) => saves.some((h) => h.labelHash === row.labelHash))
    expect(savedRows.map(objectsOf)).toEqual(Array(5).fill(['Car']))
    const human = await runBin(['run'], { cwd: dir })
    expect(human.code).toBe(1)
    expect(human.stdout).toContain('Failed tasks (1):')
    expect(human.stdout).toContain('street.png')
  })

  it('maxTasksPerStage is exact (no overshoot by a batch); priority 0 is sent', async () => {
    const fixture = await generatedFixture(['--tasks', '10'])
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
          projectHash: '',
          run: `{ taskBatchSize: 4 }`,
        }),
        'agent.ts': `${head}export default defineAgent({ handler: () => ({ pathway: 'complete', priority: 0 }) })\n`,
      },
      { file: fixture },
    )
    const r = await runBin<RunResult>(['run', '--json', '--max-tasks-per-stage', '6'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json!.stages[0].processed).toBe(6)
    const state = readFixture(dir)
    expect(tasksPerStage(state)).toMatchObject({ 'Agent 1': 4, Complete: 6 })
    const moved = state.projects[0].tasks.filter(
      (t) => t.stageUuid !== state.projects[0].workflow.stages.find((s) => s.title === 'Agent 1')!.uuid,
    )
    expect(moved.map((t) => t.priority)).toEqual(Array(6).fill(0))
    expect(titlesByTask(state).size).toBe(10)
  })

  it('zero or negative batch sizes, retries, limits and concurrency are rejected (exit 2), never a run that silently does nothing', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': `${head}export default defineAgent({ handler: () => 'complete' })\n`,
    })
    const flagCases = [
      ['--task-batch-size', '0'],
      ['--task-batch-size', '-5'],
      ['--num-retries', '-1'],
      ['--max-tasks-per-stage', '0'],
      ['--concurrency', '0'],
    ]
    const configCases = [
      '{ taskBatchSize: 0 }',
      '{ numRetries: -1 }',
      '{ maxTasksPerStage: 0 }',
      '{ concurrency: 0 }',
      '{ taskBatchSize: 2.5 }',
    ]
    const configDirs = configCases.map((run) =>
      agentProject({
        'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], { run }),
        'agent.ts': `${head}export default defineAgent({ handler: () => 'complete' })\n`,
      }),
    )
    type ErrorJson = { error: { code: string; message: string } }
    const [byFlag, byConfig] = await Promise.all([
      Promise.all(flagCases.map((args) => runBin<ErrorJson>(['run', '--json', ...args], { cwd: dir }))),
      Promise.all(configDirs.map((cwd) => runBin<ErrorJson>(['run', '--json'], { cwd }))),
    ])
    byFlag.forEach((r, i) => {
      expect(r.code, flagCases[i].join(' ')).toBe(2)
      expect(r.json!.error.code).toBe('UsageError')
      expect(r.json!.error.message).toMatch(/Expected an integer greater than or equal to [01]/)
    })
    byConfig.forEach((r, i) => {
      expect(r.code, configCases[i]).toBe(2)
      expect(r.json!.error.code).toBe('ConfigInvalid')
      expect(tasksPerStage(readFixture(configDirs[i]))['Agent 1']).toBe(6)
    })
    expect(tasksPerStage(readFixture(dir))['Agent 1']).toBe(6)
  })
})
