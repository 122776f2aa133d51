import { describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import {
  MemoryEffectJournal,
  type EffectJournal,
  type JournalDecision,
  type JournalEntry,
} from '../../src/core/journal.js'
import { NonRetryableError } from '../../src/core/runner/errors.js'
import { QueueRunner } from '../../src/queue/queue-runner.js'
import { closeAfterEach } from '../helpers/close-after.js'
import { FAST_RETRIES, startRunnerEnv } from '../helpers/runner-env.js'

const open = closeAfterEach()

/** A journal that "crashes" (throws) once at a chosen step, after the effect it guards was applied. */
class CrashingJournal implements EffectJournal {
  readonly inner = new MemoryEffectJournal()
  constructor(private crashAt: 'markSaved' | 'markProceeded' | undefined) {}
  get(taskUuid: string): Promise<JournalEntry | undefined> {
    return this.inner.get(taskUuid)
  }
  recordDecision(taskUuid: string, decision: JournalDecision): Promise<JournalEntry> {
    return this.inner.recordDecision(taskUuid, decision)
  }
  async markSaved(taskUuid: string): Promise<void> {
    if (this.crashAt === 'markSaved') {
      this.crashAt = undefined
      throw new Error('worker died after saving')
    }
    await this.inner.markSaved(taskUuid)
  }
  async markProceeded(taskUuid: string): Promise<void> {
    if (this.crashAt === 'markProceeded') {
      this.crashAt = undefined
      throw new Error('worker died after proceeding')
    }
    await this.inner.markProceeded(taskUuid)
  }
  forget(taskUuid: string): Promise<void> {
    return this.inner.forget(taskUuid)
  }
}

describe('QueueRunner (queue-agnostic)', () => {
  it('requires a project hash', () => {
    expect(() => new QueueRunner({} as never)).toThrow(/needs the project hash/)
  })

  it('lists agent stages with task specs and round-trips them through the wrapped handler as JSON', async () => {
    const e = open(await startRunnerEnv({ tasks: 5 }))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    runner.stage(
      'Agent 1',
      defineAgent({ handler: ({ task }) => (task.dataTitle.endsWith('3.png') ? 'needs review' : 'complete') }),
    )

    const stages = []
    const specs: string[] = []
    for await (const stage of runner.agentStages()) {
      stages.push({ uuid: stage.uuid, title: stage.title })
      for await (const spec of stage.tasks()) specs.push(spec)
    }
    expect(stages).toEqual([{ uuid: e.stageUuid('Agent 1'), title: 'Agent 1' }])
    expect(specs).toHaveLength(5)
    const first = JSON.parse(specs[0])
    expect(Object.keys(first)).toEqual(['uuid', 'data_hash', 'data_title', 'label_branch_name'])
    const fixtureTask = e.fixture.projects[0].tasks.find((t) => t.uuid === first.uuid)!
    expect(first).toEqual({
      uuid: fixtureTask.uuid,
      data_hash: fixtureTask.dataHash,
      data_title: expect.any(String),
      label_branch_name: 'main',
    })

    const handle = runner.handler('Agent 1')
    const results = []
    for (const spec of specs) results.push(JSON.parse(await handle(spec)))
    for (const [i, result] of results.entries()) {
      const spec = JSON.parse(specs[i])
      const expected = spec.data_title.endsWith('3.png') ? 'needs review' : 'complete'
      expect(result).toEqual({
        task_uuid: spec.uuid,
        stage_uuid: e.stageUuid('Agent 1'),
        success: true,
        pathway: e.pathwayUuid('Agent 1', expected),
        error: null,
      })
      expect(Object.keys(result)).toEqual(['task_uuid', 'stage_uuid', 'success', 'pathway', 'error'])
    }
    expect(e.tasksIn('Agent 1')).toHaveLength(0)
    expect(Object.values(e.proceedsByTask())).toEqual(Array(5).fill(1))

    // Delivered again: the task is gone from the stage, nothing is moved twice.
    const again = JSON.parse(await handle(specs[0]))
    expect(again).toMatchObject({ task_uuid: first.uuid, success: false, pathway: null })
    expect(again.error).toMatch(/^TaskNotInStage: /)
    expect(Object.values(e.proceedsByTask())).toEqual(Array(5).fill(1))
  })

  it('takes a list of specs (Python-style older "task_uuid" key too) and decides them together', async () => {
    const e = open(await startRunnerEnv({ tasks: 4 }))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    runner.stage('Agent 1', {}, () => 'complete')
    const tasks = e.fixture.projects[0].tasks
    const specs = tasks.map((t) =>
      JSON.stringify({
        task_uuid: t.uuid,
        data_hash: t.dataHash,
        data_title: 'x',
        label_branch_name: 'main',
        status: 'NEW',
      }),
    )
    const results = JSON.parse(await runner.handler(e.stageUuid('Agent 1'))(specs))
    expect(results.map((r: { success: boolean }) => r.success)).toEqual([true, true, true, true])
    expect(e.requestsByEndpoint()['proceed']).toBe(1)
    await expect(runner.handler('Agent 1')('{"data_hash": 1}')).rejects.toThrow(/task spec is invalid/)
    await expect(runner.handler('Agent 1')('not json')).rejects.toThrow(/not valid JSON/)
    await expect(runner.handler('Nope')(specs[0])).rejects.toThrow(/No agent is bound to stage "Nope"/)
  })

  it('reports handler failures as results; NonRetryableError and the last attempt take onFailure', async () => {
    const e = open(await startRunnerEnv({ tasks: 3 }))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    const [t0, t1] = e.fixture.projects[0].tasks
    runner.stage(
      'Agent 1',
      defineAgent({
        onFailure: 'needs review',
        handler: ({ task }) => {
          if (task.uuid === t0.uuid) throw new NonRetryableError('corrupt image', { code: 'CorruptImage' })
          throw new Error('model timed out')
        },
      }),
    )
    const spec = (t: typeof t0) =>
      JSON.stringify({
        uuid: t.uuid,
        data_hash: t.dataHash,
        data_title: e.fixture.projects[0].dataUnits.find((d) => d.dataHash === t.dataHash)!.dataTitle,
        label_branch_name: 'main',
      })
    const handle = runner.handler('Agent 1')
    // A transient error on a non-final attempt: nothing applied, the task stays for the redelivery.
    const transient = JSON.parse(await handle(spec(t1), { finalAttempt: false }))
    expect(transient).toMatchObject({ success: false, pathway: null, error: 'HandlerFailed: model timed out' })
    expect(e.proceedsByTask()[t1.uuid]).toBeUndefined()
    // The last attempt: the task takes onFailure and the result still says it failed.
    const final = JSON.parse(await handle(spec(t1)))
    expect(final).toMatchObject({
      success: false,
      pathway: e.pathwayUuid('Agent 1', 'needs review'),
      error: 'HandlerFailed: model timed out',
    })
    // NonRetryableError fails at once, even when more attempts would follow.
    const corrupt = JSON.parse(await handle(spec(t0), { finalAttempt: false }))
    expect(corrupt).toMatchObject({
      success: false,
      pathway: e.pathwayUuid('Agent 1', 'needs review'),
      error: 'CorruptImage: corrupt image',
    })
    expect(e.proceedsByTask()).toEqual({ [t0.uuid]: 1, [t1.uuid]: 1 })
  })

  it("a returned label row whose only change is its priority: the priority is set, the labels are not saved (the runner's rule)", async () => {
    const e = open(await startRunnerEnv({ tasks: 2, labelledFraction: 1 }))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    runner.stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          deps.row.setPriority(0.5)
          return { pathway: 'complete', labelRow: deps.row }
        },
      }),
    )
    const [task] = e.fixture.projects[0].tasks
    const spec = JSON.stringify({
      uuid: task.uuid,
      data_hash: task.dataHash,
      data_title: 't',
      label_branch_name: 'main',
    })
    const result = JSON.parse(await runner.handler('Agent 1')(spec))
    expect(result).toMatchObject({ success: true, pathway: e.pathwayUuid('Agent 1', 'complete') })
    expect(e.emulator.state.project(e.projectHash).tasks.get(task.uuid)?.priority).toBe(0.5)
    expect(e.history('save')).toHaveLength(0)
    expect(e.proceedsByTask()[task.uuid]).toBe(1)
  })

  it('a delivery that died after the move is finished from the journal: no second handler call, no second move or save', async () => {
    const e = open(await startRunnerEnv({ tasks: 2, labelledFraction: 1 }))
    const journal = new CrashingJournal('markProceeded')
    const runner = open(
      new QueueRunner({ projectHash: e.projectHash, client: e.client, journal: journal, ...FAST_RETRIES }),
    )
    let calls = 0
    runner.stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          calls++
          deps.row.addClassification('Weather', { answer: 'Sunny', force: true })
          return { pathway: 'complete', priority: 0.25 }
        },
      }),
    )
    const [task] = e.fixture.projects[0].tasks
    const spec = JSON.stringify({
      uuid: task.uuid,
      data_hash: task.dataHash,
      data_title: 't',
      label_branch_name: 'main',
    })
    const handle = runner.handler('Agent 1')
    await expect(handle(spec)).rejects.toThrow(/died after proceeding/)
    expect(e.proceedsByTask()[task.uuid]).toBe(1)
    const result = JSON.parse(await handle(spec))
    expect(result).toMatchObject({ success: true, pathway: e.pathwayUuid('Agent 1', 'complete') })
    expect(calls).toBe(1)
    expect(e.proceedsByTask()[task.uuid]).toBe(1)
    expect(e.history('save').filter((h) => h.dataHash === task.dataHash)).toHaveLength(1)
    expect(journal.inner.size).toBe(0)
  })

  it('a delivery that died after saving (before marking it) moves the task without saving its labels again', async () => {
    const e = open(await startRunnerEnv({ tasks: 2, labelledFraction: 1 }))
    const journal = new CrashingJournal('markSaved')
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, journal, ...FAST_RETRIES }))
    let calls = 0
    runner.stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          calls++
          deps.row.addClassification('Weather', { answer: 'Cloudy', force: true })
          return 'complete'
        },
      }),
    )
    const [task] = e.fixture.projects[0].tasks
    const spec = JSON.stringify({
      uuid: task.uuid,
      data_hash: task.dataHash,
      data_title: 't',
      label_branch_name: 'main',
    })
    const handle = runner.handler('Agent 1')
    await expect(handle(spec)).rejects.toThrow(/died after saving/)
    expect(e.history('save').filter((h) => h.dataHash === task.dataHash)).toHaveLength(1)
    expect(e.proceedsByTask()[task.uuid]).toBeUndefined()
    const result = JSON.parse(await handle(spec))
    expect(result).toMatchObject({ success: true, pathway: e.pathwayUuid('Agent 1', 'complete') })
    expect(calls).toBe(1)
    expect(e.history('save').filter((h) => h.dataHash === task.dataHash)).toHaveLength(1)
    expect(e.proceedsByTask()[task.uuid]).toBe(1)
  })
})
