/**
 * Issue 17, item 3: `encord-agents/testing`. Projects from a fixture file, a generator spec and an
 * inline description; runAgent through the Runner, the real client and the in-process emulator; the
 * state after the run; nothing listens and nothing is written.
 */
import { readFileSync, statSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { storageItem } from '../../src/core/deps/builtins/storage-item.js'
import { UserError } from '../../src/shared/errors.js'
import { runAgent, testProject, TEST_AGENT_EMAIL } from '../../src/testing/index.js'

const MINIMAL_FIXTURE = new URL('../../templates/minimal/fixture.json', import.meta.url)

/** Socket and server handles of this process (an in-process emulator must add none). */
const sockets = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP') || r.startsWith('Pipe')).length

describe('encord-agents/testing', () => {
  it('a fixture file: runAgent moves the tasks, and the file is neither written nor any port opened', async () => {
    const before = statSync(MINIMAL_FIXTURE).mtimeMs
    const text = readFileSync(MINIMAL_FIXTURE, 'utf8')
    const handles = sockets()
    const project = await testProject({ fixture: MINIMAL_FIXTURE })
    const agent = defineAgent({
      pathways: ['complete', 'needs review'],
      handler: ({ task }) => (task.dataTitle.includes('crossing') ? 'needs review' : 'complete'),
    })
    const run = await runAgent(agent, { project })
    expect(run).toMatchObject({ ok: true, dryRun: false, interrupted: false })
    expect(run.stages).toHaveLength(1)
    const crossing = run.tasks.filter((t) => t.dataTitle.includes('crossing'))
    expect(crossing.length).toBeGreaterThan(0)
    for (const t of run.tasks) {
      const wanted = t.dataTitle.includes('crossing') ? 'needs review' : 'complete'
      expect(t.pathway, t.dataTitle).toBe(wanted)
      expect(t.stageType).not.toBe('AGENT')
    }
    expect(run.stages[0].moved).toEqual({
      complete: run.tasks.length - crossing.length,
      'needs review': crossing.length,
    })
    expect(sockets()).toBe(handles)
    expect(statSync(MINIMAL_FIXTURE).mtimeMs).toBe(before)
    expect(readFileSync(MINIMAL_FIXTURE, 'utf8')).toBe(text)

    // The state carries over: a second run finds nothing left to do.
    const again = await runAgent(agent, { project })
    expect(again.stages[0].processed).toBe(0)
  })

  it('a generator spec of 50 tasks: label rows saved, priorities set, read back through the label model', async () => {
    const project = await testProject({ generate: { tasks: 50, labelledFraction: 0 } })
    const agent = defineAgent({
      deps: { row: labelRow(), item: storageItem() },
      handler: ({ deps }) => {
        deps.row.addClassification('Weather', { answer: 'Sunny' })
        return { pathway: 'complete', labelRow: deps.row, priority: deps.item.name.endsWith('1.png') ? 0.9 : 0.1 }
      },
    })
    const run = await runAgent(agent, { project, concurrency: 4, taskBatchSize: 20 })
    expect(run.ok).toBe(true)
    expect(run.stages[0]).toMatchObject({ processed: 50, failed: 0, moved: { complete: 50 } })
    expect(run.tasks.every((t) => t.stage === 'Complete' && t.pathway === 'complete')).toBe(true)
    const first = project.task('image-000001.png')
    expect(first.priority).toBe(0.9)
    expect(project.task('image-000002.png').priority).toBe(0.1)
    expect(first.labelRow?.classifications().map((c) => [c.title, c.getAnswer()])).toEqual([
      ['Weather', expect.objectContaining({ title: 'Sunny' })],
    ])
  })

  it('an inline description: workflow, ontology, tasks with labels; a record of agents runs stage after stage', async () => {
    const project = await testProject({
      title: 'Cars',
      ontology: { objects: ['Car'], classifications: [{ name: 'Weather', options: ['Sunny', 'Rainy'] }] },
      stages: [
        { title: 'Triage', pathways: { auto: 'Finish', manual: 'Review' } },
        { title: 'Finish', pathways: { done: 'Done' } },
        { title: 'Review', type: 'review' },
        { title: 'Done', type: 'done' },
      ],
      tasks: [
        'empty.jpg',
        { title: 'one-car.jpg', labels: (row) => void row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }) },
        { title: 'parked.jpg', stage: 'Finish', priority: 0.2 },
      ],
    })
    expect(project.agentStages).toEqual(['Triage', 'Finish'])
    expect(project.task('one-car.jpg').labelRow?.objects()).toHaveLength(1)
    expect(project.task('empty.jpg').labelRow).toBeNull()

    const triage = defineAgent({
      deps: { row: labelRow() },
      handler: ({ deps }) => (deps.row.objects().length > 0 ? 'auto' : 'manual'),
    })
    const finish = defineAgent({
      deps: { row: labelRow() },
      handler: ({ deps }) => {
        deps.row.addClassification('Weather', { answer: 'Rainy' })
        return { pathway: 'done', labelRow: deps.row, priority: 1 }
      },
    })
    const run = await runAgent({ Triage: triage, Finish: finish }, { project })
    expect(run.stages.map((s) => [s.title, s.processed])).toEqual([
      ['Triage', 2],
      ['Finish', 2],
    ])
    expect(run.tasks.map((t) => [t.dataTitle, t.stage, t.pathway, t.priority])).toEqual([
      ['empty.jpg', 'Review', 'manual', null],
      ['one-car.jpg', 'Done', 'done', 1],
      ['parked.jpg', 'Done', 'done', 1],
    ])
    const row = project.task('one-car.jpg').labelRow!
    expect(row.objects().map((o) => o.title)).toEqual(['Car'])
    expect(row.classifications().map((c) => c.title)).toEqual(['Weather'])

    // Same description, same ids (tests can pin them).
    const again = await testProject({ title: 'Cars', tasks: ['empty.jpg'] })
    expect(again.projectHash).toBe(project.projectHash)
  })

  it('a dry run decides and moves nothing; failures are reported, retried without waiting', async () => {
    const project = await testProject({ tasks: ['a.jpg', 'b.jpg'] })
    const dry = await runAgent(defineAgent({ handler: () => 'complete' }), { project, dryRun: true })
    expect(dry).toMatchObject({ ok: true, dryRun: true })
    expect(dry.tasks.map((t) => t.stage)).toEqual(['Agent 1', 'Agent 1'])

    let attempts = 0
    const started = performance.now()
    const failing = await runAgent(
      defineAgent({
        handler: ({ task }) => {
          attempts++
          if (task.dataTitle === 'b.jpg') throw new Error('model server down')
          return 'complete'
        },
      }),
      { project },
    )
    expect(performance.now() - started).toBeLessThan(5000)
    expect(attempts).toBe(1 + 4) // b.jpg: the first attempt and 3 retries
    expect(failing.ok).toBe(false)
    expect(failing.stages[0].errors.map((e) => [e.dataTitle, e.message])).toEqual([
      ['b.jpg', expect.stringContaining('model server down')],
    ])
    expect(project.task('b.jpg').stage).toBe('Agent 1')
    expect(project.task('a.jpg').stage).toBe('Complete')
  })

  it('the emulator records the moves as made by the test key user', async () => {
    const project = await testProject({ tasks: ['a.jpg'] })
    await runAgent(defineAgent({ handler: () => 'complete' }), { project })
    expect(project.history()).toEqual([
      expect.objectContaining({ kind: 'proceed', by: TEST_AGENT_EMAIL, taskUuid: project.task('a.jpg').uuid }),
    ])
  })

  it('clear errors: several agent stages without `stage`, an unknown stage in a description, a missing task', async () => {
    const project = await testProject({
      stages: [
        { title: 'A', pathways: { x: 'B' } },
        { title: 'B', pathways: { y: 'A' } },
      ],
      tasks: ['t.jpg'],
    })
    await expect(runAgent(defineAgent({ handler: () => 'x' }), { project })).rejects.toThrow(/2 agent stages \(A, B\)/)
    await expect(
      testProject({
        stages: [
          { title: 'Agent 1', pathways: { done: 'Complet' } },
          { title: 'Complete', type: 'done' },
        ],
        tasks: [],
      }),
    ).rejects.toThrow(UserError)
    await expect(
      testProject({
        stages: [
          { title: 'Agent 1', pathways: { done: 'Complet' } },
          { title: 'Complete', type: 'done' },
        ],
        tasks: [],
      }),
    ).rejects.toMatchObject({ hint: 'Did you mean "Complete"?' })
    expect(() => project.task('nope.jpg')).toThrow(/no task "nope.jpg"/)
    // An unknown pathway fails the task, as in a real run.
    const run = await runAgent(defineAgent({ handler: () => 'nowhere' }), { project, stage: 'A' })
    expect(run.stages[0].errors[0].message).toMatch(/nowhere/)
  })
})
