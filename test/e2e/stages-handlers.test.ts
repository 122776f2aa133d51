/**
 * Issue 6, "Stages and handlers" (and the duplicate-stage bullet of "Where the Python Runner fails"):
 * through the built binary against the local emulator. Each test names the bullet it proves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { readFileSync } from 'node:fs'
import { agentProject, cleanUp, config, generatedFixture, readFixture, tasksPerStage, titlesByTask } from './kit.js'
import { assertBuilt, runBin } from './run-bin.js'

beforeAll(() => assertBuilt())
afterAll(() => cleanUp())

const AGENT_1 = '05a00000-0000-4000-8000-000000000001'
const NEEDS_REVIEW = '0aa00000-0000-4000-8000-000000000002'

const agent = (body: string) => `import { defineAgent, defineDependency, labelRow } from 'encord-agents'\n${body}\n`
const always = (pathway: string) => agent(`export default defineAgent({ handler: () => ${JSON.stringify(pathway)} })`)

type ErrorJson = {
  error: {
    code: string
    message: string
    exitCode: number
    data?: { issues?: Array<{ code: string; message: string; location?: string }> }
  }
}

describe('stages (built binary, local emulator)', () => {
  it('an agent binds to a stage by title or by UUID; agents run stage after stage in the order declared', async () => {
    const fixture = await generatedFixture(['--tasks', '4', '--stages', 'Agent 1,Agent 2'])
    const gen = JSON.parse(readFileSync(fixture, 'utf8')) as {
      projects: Array<{ projectHash: string; workflow: { stages: Array<{ uuid: string; title: string }> } }>
    }
    const hash = gen.projects[0].projectHash
    const agent2 = gen.projects[0].workflow.stages.find((s) => s.title === 'Agent 2')!.uuid
    // Workflow order, Agent 2 by UUID: Agent 1 hands its tasks on and Agent 2 finishes them in the same run.
    const dir = agentProject(
      {
        'encord-agents.config.ts': config(
          [`{ stage: 'Agent 1', handler: './one.ts' }`, `{ stage: '${agent2}', handler: './two.ts' }`],
          { projectHash: `'${hash}'` },
        ),
        'one.ts': always('complete'),
        'two.ts': always('complete'),
      },
      { file: fixture },
    )
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(
      run.json!.stages.map((s) => [s.uuid === agent2 ? 'by uuid' : 'by title', s.title, s.processed, s.moved]),
    ).toEqual([
      ['by title', 'Agent 1', 4, { complete: 4 }],
      ['by uuid', 'Agent 2', 4, { complete: 4 }],
    ])
    expect(tasksPerStage(readFixture(dir), hash)).toMatchObject({ 'Agent 1': 0, 'Agent 2': 0, Complete: 4 })

    // Declared against the workflow: Agent 2 runs first (nothing there yet), then Agent 1 fills it.
    const reversed = agentProject(
      {
        'encord-agents.config.ts': config(
          [`{ stage: '${agent2}', handler: './two.ts' }`, `{ stage: 'Agent 1', handler: './one.ts' }`],
          { projectHash: `'${hash}'` },
        ),
        'one.ts': always('complete'),
        'two.ts': always('complete'),
      },
      { file: fixture },
    )
    const second = await runBin<RunResult>(['run', '--json'], { cwd: reversed })
    expect(second.code, second.stderr).toBe(0)
    expect(second.json!.stages.map((s) => [s.title, s.processed])).toEqual([
      ['Agent 2', 0],
      ['Agent 1', 4],
    ])
    expect(tasksPerStage(readFixture(reversed), hash)).toMatchObject({ 'Agent 1': 0, 'Agent 2': 4, Complete: 0 })
  })

  it('a stage declared twice is an error naming both places; overwrite: true replaces the handler and keeps the first position', async () => {
    const files = (overwrite: string) => ({
      'encord-agents.config.ts': config([
        `{ stage: 'Triage', handler: './first.ts' }`,
        `{ stage: 'Finish', handler: './finish.ts' }`,
        `{ stage: 'Triage', handler: './second.ts'${overwrite} }`,
      ]),
      'first.ts': always('auto'),
      'second.ts': always('manual'),
      'finish.ts': always('done'),
    })
    const dup = agentProject(files(''), 'multi-stage')
    const r = await runBin<ErrorJson>(['validate', '--json'], { cwd: dup })
    expect(r.code).toBe(2)
    expect(r.json!.error.code).toBe('DuplicateStage')
    // Both config entries, by line: the first (line 6) and the third (line 8).
    expect(r.json!.error.message).toMatch(
      /Stage "Triage" has two agents: one declared at encord-agents\.config\.ts:6:\d+ and one at encord-agents\.config\.ts:8:\d+/,
    )
    const human = await runBin(['run'], { cwd: dup })
    expect(human.code).toBe(2)
    expect(human.stderr).toContain('overwrite: true')
    expect(tasksPerStage(readFixture(dup))).toMatchObject({ Triage: 6 })

    const over = agentProject(files(', overwrite: true'), 'multi-stage')
    const run = await runBin<RunResult>(['run', '--json'], { cwd: over })
    expect(run.code, run.stderr).toBe(0)
    // The replacement ran (manual), in Triage's first position, before Finish.
    expect(run.json!.stages.map((s) => [s.title, s.moved])).toEqual([
      ['Triage', { manual: 6 }],
      ['Finish', {}],
    ])
    expect(tasksPerStage(readFixture(over))).toMatchObject({ Triage: 0, Finish: 0, Review: 6 })
  })

  it('the same stage named once by title and once by UUID is a duplicate too: exit 2, nothing runs (the Python Runner runs both)', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([
        `{ stage: 'Agent 1', handler: './a.ts' }`,
        `{ stage: '${AGENT_1}', handler: './b.ts' }`,
      ]),
      'a.ts': always('complete'),
      'b.ts': always('needs review'),
    })
    const r = await runBin<ErrorJson>(['run', '--json'], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.json!.error.code).toBe('ValidationFailed')
    const issue = r.json!.error.data!.issues!.find((i) => i.code === 'DuplicateStage')!
    expect(issue.message).toMatch(
      /Stage "Agent 1" has two agents: "Agent 1" \(encord-agents\.config\.ts:6:\d+\) and "05a00000-[^"]+" \(encord-agents\.config\.ts:7:\d+\)/,
    )
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Agent 1': 6, Review: 0, Complete: 0 })
  })
})

describe('handler results (built binary, local emulator)', () => {
  it('a pathway name, a pathway UUID, or nothing: nothing leaves the task, and the next run picks it up again', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': agent(`export default defineAgent({
  handler({ task }) {
    if (task.dataTitle === 'street.png') return '${NEEDS_REVIEW}'
    if (task.dataTitle === 'bridge.png') return process.env.SECOND_RUN ? 'complete' : undefined
    if (task.dataTitle === 'garage.png') return null
    return 'complete'
  },
})`),
    })
    const first = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(first.code, first.stderr).toBe(0)
    expect(first.json!.stages[0]).toMatchObject({
      processed: 6,
      moved: { complete: 3, 'needs review': 1 },
      stayed: 2,
      failed: 0,
    })
    const fixture = readFixture(dir)
    const titles = titlesByTask(fixture)
    const where = (title: string) =>
      fixture.projects[0].workflow.stages.find(
        (s) => s.uuid === fixture.projects[0].tasks.find((t) => titles.get(t.uuid) === title)!.stageUuid,
      )!.title
    expect([where('street.png'), where('bridge.png'), where('garage.png'), where('highway.png')]).toEqual([
      'Review',
      'Agent 1',
      'Agent 1',
      'Complete',
    ])

    const second = await runBin<RunResult>(['run', '--json'], { cwd: dir, env: { SECOND_RUN: '1' } })
    expect(second.json!.stages[0]).toMatchObject({ processed: 2, moved: { complete: 1 }, stayed: 1 })
  })

  it('{ pathway?, labelRow?, priority? }: the label row is saved, the priority set (0 included), with or without a move', async () => {
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([`{ stage: 'Pre-label', handler: './agent.ts' }`]),
        'agent.ts': agent(`export default defineAgent({
  deps: { row: labelRow() },
  handler({ task, deps }) {
    deps.row.addBoundingBox('Car', { x: 0.1, y: 0.2, w: 0.3, h: 0.4 })
    if (task.dataTitle === 'street.png') return { pathway: 'to review', labelRow: deps.row, priority: 0 }
    if (task.dataTitle === 'bridge.png') return { priority: 0.75 }
    if (task.dataTitle === 'garage.png') return { labelRow: deps.row }
    return { pathway: 'to review' }
  },
})`),
      },
      'label-writer',
    )
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages[0]).toMatchObject({ processed: 6, moved: { 'to review': 4 }, stayed: 2, failed: 0 })
    const fixture = readFixture(dir)
    const project = fixture.projects[0]
    const titles = titlesByTask(fixture)
    const task = (title: string) => project.tasks.find((t) => titles.get(t.uuid) === title)!
    expect(task('street.png').priority).toBe(0)
    expect(task('bridge.png').priority).toBe(0.75)
    expect(task('highway.png').priority ?? null).toBeNull()
    expect([task('bridge.png'), task('garage.png')].map((t) => t.stageUuid)).toEqual([AGENT_1, AGENT_1])
    // Every changed label row is saved once (returned or not), with the one box.
    const saves = project.history.filter((h) => h.kind === 'save')
    expect(saves).toHaveLength(6)
    for (const row of project.labelRows) {
      const objects = (row.labels as { data_units: Record<string, { labels: { objects: Array<{ name: string }> } }> })
        .data_units[row.dataHash].labels.objects
      expect(objects.map((o) => o.name)).toEqual(['Car'])
    }
  })

  it('an unknown pathway fails that task only, with the stage pathways listed; the run goes on (exit 1)', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': agent(
        `export default defineAgent({ handler: ({ task }) => (task.dataTitle === 'bridge.png' ? 'aprove' : 'complete') })`,
      ),
    })
    const r = await runBin<RunResult>(['run', '--json', '--num-retries', '0'], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.json!.stages[0]).toMatchObject({ processed: 6, moved: { complete: 5 }, failed: 1 })
    const error = r.json!.stages[0].errors[0]
    expect(error).toMatchObject({ dataTitle: 'bridge.png', code: 'UnknownPathway' })
    expect(error.message).toContain('Unknown pathway "aprove" for stage "Agent 1".')
    expect(error.message).toContain('"complete"')
    expect(error.message).toContain('"needs review"')
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Agent 1': 1, Review: 0, Complete: 5 })
    const human = await runBin(['run', '--num-retries', '0'], { cwd: dir })
    expect(human.code).toBe(1)
    expect(human.stdout).toContain('UnknownPathway')
  })
})
