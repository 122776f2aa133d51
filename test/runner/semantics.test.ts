import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { defineDependency } from '../../src/core/deps/dependency.js'
import { storageItem } from '../../src/core/deps/builtins/storage-item.js'
import { UserError } from '../../src/shared/errors.js'
import { NonRetryableError } from '../../src/core/runner/errors.js'
import type { RunEvent } from '../../src/core/runner/events.js'
import { Runner } from '../../src/core/runner/runner.js'
import { FAST_RETRIES, startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

async function start(options: Parameters<typeof startRunnerEnv>[0] = {}): Promise<RunnerEnv> {
  env = await startRunnerEnv(options)
  return env
}

function runnerFor(e: RunnerEnv, options: ConstructorParameters<typeof Runner>[0] = {}): Runner {
  return new Runner({ projectHash: e.projectHash, client: e.client, ...options })
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise
  } catch (error) {
    return error as UserError
  }
  throw new Error('expected a rejection')
}

describe('stages', () => {
  it('run in declaration order', async () => {
    const e = await start({ tasks: 4, stages: ['Agent 1', 'Agent 2'] })
    const inOrder = runnerFor(e)
      .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      .stage('Agent 2', defineAgent({ handler: () => 'complete' }))
    const events: RunEvent[] = []
    const result = await inOrder.run({ onEvent: (ev) => events.push(ev) })
    expect(result.stages.map((s) => [s.title, s.processed])).toEqual([
      ['Agent 1', 4],
      ['Agent 2', 4],
    ])
    expect(
      events.filter((ev) => ev.type === 'stageStarted').map((ev) => (ev as { stage: { title: string } }).stage.title),
    ).toEqual(['Agent 1', 'Agent 2'])
    expect(e.tasksIn('Complete')).toHaveLength(4)
  })

  it('run in declaration order even when that is against the workflow', async () => {
    const e = await start({ tasks: 4, stages: ['Agent 1', 'Agent 2'] })
    const reversed = runnerFor(e)
      .stage('Agent 2', defineAgent({ handler: () => 'complete' }))
      .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    const result = await reversed.run()
    // Agent 2 ran first and found nothing; Agent 1 then moved everything into Agent 2.
    expect(result.stages.map((s) => [s.title, s.processed])).toEqual([
      ['Agent 2', 0],
      ['Agent 1', 4],
    ])
    expect(e.tasksIn('Agent 2')).toHaveLength(4)
  })

  it('refuse a stage declared twice, naming both places', async () => {
    const e = await start({ tasks: 1 })
    const runner = runnerFor(e).stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    let error: UserError | undefined
    try {
      runner.stage('Agent 1', defineAgent({ handler: () => 'needs review' }))
    } catch (err) {
      error = err as UserError
    }
    expect(error).toBeInstanceOf(UserError)
    expect(error?.code).toBe('DuplicateStage')
    const places = error?.message.match(/semantics\.test\.ts:\d+:\d+/g) ?? []
    expect(places).toHaveLength(2)
    expect(places[0]).not.toBe(places[1])
  })

  it('let a later declaration overwrite an earlier one, keeping its position', async () => {
    const e = await start({ tasks: 3, stages: ['Agent 1', 'Agent 2'] })
    const runner = runnerFor(e)
      .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      .stage('Agent 2', defineAgent({ handler: () => 'complete' }))
      .stage('Agent 1', defineAgent({ handler: () => 'needs review' }), { overwrite: true })
    const result = await runner.run()
    expect(result.stages.map((s) => s.title)).toEqual(['Agent 1', 'Agent 2'])
    expect(result.stages[0].moved).toEqual({ 'needs review': 3 })
    expect(e.tasksIn('Review 1')).toHaveLength(3)
  })

  it('see the same stage named by title and by UUID as a duplicate, and run nothing', async () => {
    const e = await start({ tasks: 3 })
    const uuid = e.stageUuid('Agent 1')
    const runner = runnerFor(e)
      .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      .stage(uuid, defineAgent({ handler: () => 'needs review' }))
    const error = await rejection(runner.run())
    expect(error.code).toBe('ValidationFailed')
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(
      /Stage "Agent 1" has two agents: "Agent 1" \(.*semantics\.test\.ts:\d+:\d+\) and ".*" \(.*semantics\.test\.ts:\d+:\d+\)/,
    )
    expect(e.tasksIn('Agent 1')).toHaveLength(3)
    expect(e.requestsByEndpoint()['list-tasks'] ?? 0).toBe(0)

    const overwritten = runnerFor(e)
      .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      .stage(uuid, defineAgent({ handler: () => 'needs review' }), { overwrite: true })
    const result = await overwritten.run()
    expect(result.stages).toHaveLength(1)
    expect(result.stages[0].moved).toEqual({ 'needs review': 3 })
  })

  it('support the Python-like stage(title, options, handler) form with typed deps', async () => {
    const e = await start({ tasks: 2 })
    const threshold = defineDependency({ resolve: () => 0.5 })
    const runner = runnerFor(e).stage('Agent 1', { deps: { threshold }, pathways: ['complete'] }, ({ deps }) =>
      deps.threshold > 0.1 ? 'complete' : undefined,
    )
    const result = await runner.run()
    expect(result.stages[0].moved).toEqual({ complete: 2 })
  })
})

describe('handler results', () => {
  it('an unknown pathway fails that task only, listing the stage pathways; other moves are kept', async () => {
    const e = await start({ tasks: 6 })
    const bad = e.fixture.projects[0].tasks[2].uuid
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({ handler: ({ task }) => (task.uuid === bad ? 'compleet' : 'complete') }),
    )
    const result = await runner.run({ taskBatchSize: 6, ...FAST_RETRIES })
    const stage = result.stages[0]
    expect(result.ok).toBe(false)
    expect(stage).toMatchObject({ processed: 6, moved: { complete: 5 }, failed: 1, stayed: 0 })
    expect(stage.errors).toHaveLength(1)
    expect(stage.errors[0]).toMatchObject({ taskUuid: bad, code: 'UnknownPathway' })
    expect(stage.errors[0].message).toContain('Did you mean "complete"?')
    expect(stage.errors[0].message).toContain('"needs review"')
    expect(e.tasksIn('Complete')).toHaveLength(5)
    expect(e.tasksIn('Agent 1').map((t) => t.uuid)).toEqual([bad])
  })

  it('a number, an object without pathway and a nothing are told apart', async () => {
    const e = await start({ tasks: 3 })
    const [a, b] = e.fixture.projects[0].tasks.map((t) => t.uuid)
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: ({ task }) =>
          task.uuid === a ? (42 as never) : task.uuid === b ? ({ pathwy: 'complete' } as never) : undefined,
      }),
    )
    const result = await runner.run(FAST_RETRIES)
    const stage = result.stages[0]
    expect(stage).toMatchObject({ processed: 3, failed: 2, stayed: 1, moved: {} })
    expect(stage.errors.find((x) => x.taskUuid === a)?.message).toMatch(/returned number 42/)
    expect(stage.errors.find((x) => x.taskUuid === b)?.message).toMatch(/did you mean "pathway"/)
    expect(e.tasksIn('Agent 1')).toHaveLength(3)
  })

  it('a failing handler is retried, then fails its task alone; everyone else is moved', async () => {
    const e = await start({ tasks: 8 })
    const bad = e.fixture.projects[0].tasks[5].uuid
    const attempts = new Map<string, number>()
    const retries: RunEvent[] = []
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: ({ task, attempt }) => {
          attempts.set(task.uuid, attempt + 1)
          if (task.uuid === bad) throw new Error('model exploded')
          return 'complete'
        },
      }),
    )
    const result = await runner.run({
      taskBatchSize: 4,
      numRetries: 2,
      ...FAST_RETRIES,
      onEvent: (ev) => ev.type === 'taskRetry' && retries.push(ev),
    })
    expect(result.stages[0]).toMatchObject({ processed: 8, failed: 1, moved: { complete: 7 } })
    expect(result.stages[0].errors).toEqual([
      {
        taskUuid: bad,
        dataTitle: expect.any(String),
        code: 'HandlerFailed',
        message: 'model exploded',
        at: expect.stringMatching(/^test\/runner\/semantics\.test\.ts:\d+:\d+$/),
        stack: expect.any(Array),
      },
    ])
    expect(attempts.get(bad)).toBe(3)
    expect(retries).toHaveLength(2)
    expect(e.tasksIn('Complete')).toHaveLength(7)
  })

  it('NonRetryableError fails the task at once', async () => {
    const e = await start({ tasks: 2 })
    let calls = 0
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: () => {
          calls++
          throw new NonRetryableError('corrupt image', { code: 'CorruptImage' })
        },
      }),
    )
    const result = await runner.run({ numRetries: 5, ...FAST_RETRIES })
    expect(calls).toBe(2)
    expect(result.stages[0].errors.map((x) => x.code)).toEqual(['CorruptImage', 'CorruptImage'])
  })

  it('a failed task takes the onFailure pathway', async () => {
    const e = await start({ tasks: 4 })
    const bad = e.fixture.projects[0].tasks[1].uuid
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        onFailure: 'needs review',
        handler: ({ task }) => {
          if (task.uuid === bad) throw new Error('nope')
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 1, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ processed: 4, failed: 1, moved: { complete: 3 } })
    expect(e.tasksIn('Review 1').map((t) => t.uuid)).toEqual([bad])
    expect(e.proceedsByTask()[bad]).toBe(1)
  })

  it('priority 0 is sent, and a task may stay while its priority changes', async () => {
    const e = await start({ tasks: 3 })
    const [a, b, c] = e.fixture.projects[0].tasks.map((t) => t.uuid)
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: ({ task }) =>
          task.uuid === a ? { pathway: 'complete', priority: 0 } : task.uuid === b ? { priority: 0.75 } : 'complete',
      }),
    )
    const result = await runner.run()
    expect(result.stages[0]).toMatchObject({ moved: { complete: 2 }, stayed: 1 })
    const byUuid = new Map([...e.emulator.state.project(e.projectHash).tasks.values()].map((t) => [t.uuid, t]))
    expect(byUuid.get(a)?.priority).toBe(0)
    expect(byUuid.get(b)?.priority).toBe(0.75)
    expect(byUuid.get(c)?.priority).toBeNull()
    expect(e.history('priority')).toHaveLength(2)
  })

  it('a task the handler leaves is picked up again by the next run', async () => {
    const e = await start({ tasks: 3 })
    let pass = 0
    const runner = runnerFor(e).stage('Agent 1', defineAgent({ handler: () => (pass === 0 ? undefined : 'complete') }))
    expect((await runner.run()).stages[0]).toMatchObject({ processed: 3, stayed: 3 })
    pass = 1
    expect((await runner.run()).stages[0]).toMatchObject({ processed: 3, moved: { complete: 3 } })
  })
})

describe('dependencies', () => {
  it('dependency errors are retried like handler errors, and resolved once per task attempt', async () => {
    const e = await start({ tasks: 4 })
    const resolves = new Map<string, number>()
    const flaky = defineDependency({
      name: 'flaky',
      resolve: ({ task }) => {
        const n = (resolves.get(task.uuid) ?? 0) + 1
        resolves.set(task.uuid, n)
        if (n === 1) throw new Error('warming up')
        return n
      },
    })
    const user = defineDependency({ deps: { flaky }, resolve: ({ deps }) => deps.flaky * 10 })
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        deps: { flaky, user },
        handler: ({ deps }) => (deps.user === deps.flaky * 10 ? 'complete' : undefined),
      }),
    )
    const result = await runner.run({ numRetries: 1, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ processed: 4, moved: { complete: 4 }, failed: 0 })
    // Two attempts per task, and within an attempt `flaky` was resolved once although two deps use it.
    expect([...resolves.values()]).toEqual([2, 2, 2, 2])
  })

  it('a dependency that keeps failing fails its task with a message naming it; the run goes on', async () => {
    const e = await start({ tasks: 3 })
    const bad = e.fixture.projects[0].tasks[0].uuid
    const broken = defineDependency({
      name: 'detector',
      resolve: ({ task }) => {
        if (task.uuid === bad) throw new Error('GPU not found')
        return true
      },
    })
    const runner = runnerFor(e).stage('Agent 1', defineAgent({ deps: { broken }, handler: () => 'complete' }))
    const result = await runner.run({ numRetries: 1, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ failed: 1, moved: { complete: 2 } })
    expect(result.stages[0].errors[0]).toMatchObject({
      code: 'DependencyFailed',
      message: 'Dependency detector failed: GPU not found',
    })
  })

  it('task-scoped dependencies are disposed after each attempt, last resolved first; a failing dispose is a warning', async () => {
    const e = await start({ tasks: 3 })
    const order: string[] = []
    const warnings: string[] = []
    const plain = defineDependency({ name: 'plain', resolve: () => 'no dispose' })
    const session = defineDependency({
      name: 'session',
      resolve: ({ task }) => task.uuid,
      dispose: (uuid) => void order.push(`session ${uuid}`),
    })
    const client = defineDependency({
      name: 'client',
      deps: { session },
      resolve: ({ deps }) => deps.session,
      dispose: (uuid) => {
        order.push(`client ${uuid}`)
        throw new Error('socket already closed')
      },
    })
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        deps: { plain, client },
        handler: ({ deps }) => (deps.plain === 'no dispose' ? 'complete' : null),
      }),
    )
    const result = await runner.run({
      onEvent: (event) => {
        if (event.type === 'log' && event.level === 'warn') warnings.push(event.message)
      },
    })
    expect(result.stages[0].moved).toEqual({ complete: 3 })
    // Each task: its client (resolved last) first, then the session it was made from.
    expect(order).toHaveLength(6)
    for (let i = 0; i < 6; i += 2) {
      expect(order[i]).toMatch(/^client /)
      expect(order[i + 1]).toBe(order[i].replace('client', 'session'))
    }
    expect(warnings).toEqual(Array(3).fill('Disposing client failed: socket already closed'))
  })

  it('run-scoped dependencies are resolved once per run and disposed at its end', async () => {
    const e = await start({ tasks: 5 })
    let created = 0
    let disposed = 0
    const model = defineDependency({ scope: 'run', resolve: () => ({ id: ++created }), dispose: () => void disposed++ })
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({ deps: { model }, handler: ({ deps }) => (deps.model.id === 1 ? 'complete' : undefined) }),
    )
    const result = await runner.run({ taskBatchSize: 2, concurrency: 3 })
    expect(result.stages[0].moved).toEqual({ complete: 5 })
    expect(created).toBe(1)
    expect(disposed).toBe(1)
  })

  it('resolveMany loads data once per load window (one batch or more); nothing is fetched that no handler asked for', async () => {
    const e = await start({ tasks: 7 })
    const batches: number[] = []
    const bulk = defineDependency<string, {}, string>({
      resolveMany: async ({ tasks }) => {
        batches.push(tasks.length)
        return tasks.map((t) => t.dataTitle.toUpperCase())
      },
      resolve: ({ batch }) => batch,
    })
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        deps: { bulk },
        handler: ({ task, deps }) => (deps.bulk === task.dataTitle.toUpperCase() ? 'complete' : undefined),
      }),
    )
    const result = await runner.run({ taskBatchSize: 3, loadWindow: 3 })
    expect(result.stages[0].moved).toEqual({ complete: 7 })
    expect(batches).toEqual([3, 3, 1])
    // By default data is loaded for a window of several batches at once (fewer requests).
    batches.length = 0
    const e2 = await startRunnerEnv({ tasks: 7 })
    try {
      await new Runner({ projectHash: e2.projectHash, client: e2.client })
        .stage('Agent 1', defineAgent({ deps: { bulk }, handler: () => 'complete' }))
        .run({ taskBatchSize: 3 })
      expect(batches).toEqual([7])
      expect(e2.requestsByEndpoint()['proceed']).toBeGreaterThanOrEqual(1)
    } finally {
      await e2.close()
    }
    const requests = e.requestsByEndpoint()
    expect(requests['label-row-metadata'] ?? 0).toBe(0)
    expect(requests['get-storage-items'] ?? 0).toBe(0)
    expect(requests['get-label-rows'] ?? 0).toBe(0)
  })

  it('storage items come in bulk per batch, and metadata changes are applied once, even after a retry', async () => {
    const e = await start({ tasks: 5 })
    const attempts = new Map<string, number>()
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        deps: { item: storageItem() },
        handler: ({ task, deps }) => {
          deps.item.updateClientMetadata({ checkedBy: 'agent', title: task.dataTitle })
          const n = (attempts.get(task.uuid) ?? 0) + 1
          attempts.set(task.uuid, n)
          if (n === 1) throw new Error('first attempt fails after changing the item')
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 5, numRetries: 1, ...FAST_RETRIES })
    expect(result.stages[0].moved).toEqual({ complete: 5 })
    const requests = e.requestsByEndpoint()
    expect(requests['label-row-metadata']).toBe(1)
    expect(requests['get-storage-items']).toBe(1)
    expect(requests['update-storage-item']).toBe(5)
    for (const task of e.fixture.projects[0].tasks) {
      const unit = e.fixture.projects[0].dataUnits.find((d) => d.dataHash === task.dataHash)!
      const item = e.emulator.state.storageItem(unit.backingItemUuid!)
      expect(item.clientMetadata).toMatchObject({ checkedBy: 'agent', title: unit.dataTitle })
    }
  })
})

describe('run settings', () => {
  it('maxTasksPerStage is exact (never overshoots by a batch)', async () => {
    const e = await start({ tasks: 10 })
    let calls = 0
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: () => {
          calls++
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 3, maxTasksPerStage: 7 })
    expect(calls).toBe(7)
    expect(result.stages[0].processed).toBe(7)
    expect(e.tasksIn('Complete')).toHaveLength(7)
    expect(e.tasksIn('Agent 1')).toHaveLength(3)
  })

  it('bad values are rejected before any request', async () => {
    const e = await start({ tasks: 2 })
    const runner = runnerFor(e).stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    for (const bad of [
      { taskBatchSize: 0 },
      { taskBatchSize: -3 },
      { concurrency: 0 },
      { numRetries: -1 },
      { maxTasksPerStage: 0 },
    ]) {
      const error = await rejection(runner.run(bad))
      expect(error.code).toBe('InvalidRunSettings')
      expect(error.exitCode).toBe(2)
    }
    expect(e.emulator.stats().requests.total).toBe(0)
  })

  it('dry run decides and reports, but moves, saves and prioritises nothing', async () => {
    const e = await start({ tasks: 4 })
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        deps: { item: storageItem() },
        handler: ({ deps }) => {
          deps.item.updateClientMetadata({ touched: true })
          return { pathway: 'complete', priority: 0.1 }
        },
      }),
    )
    const result = await runner.run({ dryRun: true })
    expect(result).toMatchObject({ ok: true, dryRun: true })
    expect(result.stages[0]).toMatchObject({ processed: 4, moved: { complete: 4 } })
    const requests = e.requestsByEndpoint()
    for (const write of ['proceed', 'set-priorities', 'update-storage-item', 'save-label-rows', 'create-label-rows'])
      expect(requests[write] ?? 0).toBe(0)
    expect(e.tasksIn('Agent 1')).toHaveLength(4)
  })

  it('concurrency runs that many handlers at once, and no more', async () => {
    const e = await start({ tasks: 16 })
    let running = 0
    let peak = 0
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: async () => {
          running++
          peak = Math.max(peak, running)
          await sleep(40)
          running--
          return 'complete'
        },
      }),
    )
    const started = performance.now()
    const result = await runner.run({ concurrency: 8, taskBatchSize: 4 })
    const elapsed = performance.now() - started
    expect(result.stages[0].moved).toEqual({ complete: 16 })
    expect(peak).toBe(8)
    expect(elapsed).toBeLessThan(16 * 40 * 0.6)

    peak = 0
    const e2 = await startRunnerEnv({ tasks: 4 })
    try {
      await new Runner({ projectHash: e2.projectHash, client: e2.client })
        .stage(
          'Agent 1',
          defineAgent({
            handler: async () => {
              running++
              peak = Math.max(peak, running)
              await sleep(10)
              running--
              return 'complete'
            },
          }),
        )
        .run()
      expect(peak).toBe(1) // default: one at a time, like the Python Runner
    } finally {
      await e2.close()
    }
  })

  it('taskTimeout aborts the handler signal and fails a hanging task', async () => {
    const e = await start({ tasks: 3 })
    const hang = e.fixture.projects[0].tasks[1].uuid
    let sawAbort = false
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: async ({ task, signal }) => {
          if (task.uuid !== hang) return 'complete'
          signal.addEventListener('abort', () => (sawAbort = true))
          await new Promise(() => undefined) // hangs, ignoring the signal
        },
      }),
    )
    const result = await runner.run({ taskTimeout: 100, numRetries: 0 })
    expect(sawAbort).toBe(true)
    expect(result.stages[0]).toMatchObject({ failed: 1, moved: { complete: 2 } })
    expect(result.stages[0].errors[0]).toMatchObject({ taskUuid: hang, code: 'TaskTimeout' })
  })

  it('a handler that reads its signal only after its timeout finds it aborted with the timeout', async () => {
    // The signal is made on first read (issue 21): one read late must still see the abort and its reason.
    const e = await start({ tasks: 1 })
    let seen: (value: { aborted: boolean; reason: unknown }) => void = () => undefined
    const late = new Promise<{ aborted: boolean; reason: unknown }>((resolve) => (seen = resolve))
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: async (ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 250))
          seen({ aborted: ctx.signal.aborted, reason: ctx.signal.reason })
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskTimeout: 50, numRetries: 0 })
    expect(result.stages[0]).toMatchObject({ failed: 1 })
    // The handler runs on detached after its timeout; it reads the signal 200 ms later.
    const read = await late
    expect(read.aborted).toBe(true)
    expect(read.reason).toBeInstanceOf(Error)
    expect((read.reason as { code?: string }).code).toBe('TaskTimeout')
  })

  it("a dependency's resolve context has the attempt's signal (destructured too), aborted by the task's timeout", async () => {
    const e = await start({ tasks: 1 })
    const signals: AbortSignal[] = []
    const watched = defineDependency({
      name: 'watched',
      resolve: ({ signal, task }) => {
        signals.push(signal)
        return task.uuid
      },
    })
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        deps: { id: watched },
        handler: async ({ deps, signal }) => {
          expect(deps.id).toBe(e.fixture.projects[0].tasks[0].uuid)
          // The handler and its dependencies share one signal per attempt.
          expect(signal).toBe(signals.at(-1))
          await new Promise(() => undefined) // hangs until the timeout
        },
      }),
    )
    const result = await runner.run({ taskTimeout: 50, numRetries: 1, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ failed: 1 })
    expect(signals).toHaveLength(2)
    expect(signals[0]).not.toBe(signals[1])
    for (const s of signals) expect(s.aborted && (s.reason as { code?: string }).code).toBe('TaskTimeout')
  })

  it('task filters reach the listing', async () => {
    const e = await start({ tasks: 6 })
    const title = e.fixture.projects[0].dataUnits[4].dataTitle
    const runner = runnerFor(e).stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    const result = await runner.run({ filters: { dataTitleContains: title } })
    expect(result.stages[0].processed).toBe(1)
  })
})

describe('interrupts and stale tasks', () => {
  it('an abort stops listing and starting, lets running handlers finish, flushes them and says interrupted', async () => {
    const e = await start({ tasks: 30 })
    const controller = new AbortController()
    const decided = new Set<string>()
    const started = new Set<string>()
    let afterAbort = 0
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: async ({ task }) => {
          if (controller.signal.aborted) afterAbort++
          started.add(task.uuid)
          await sleep(15)
          if (started.size === 6) controller.abort()
          decided.add(task.uuid)
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ signal: controller.signal, taskBatchSize: 5, concurrency: 3 })
    expect(result.interrupted).toBe(true)
    expect(result.ok).toBe(false)
    expect(afterAbort).toBe(0)
    const processed = result.stages[0].processed
    expect(processed).toBe(decided.size)
    expect(processed).toBeLessThan(30)
    // Every decision made was flushed: exactly the decided tasks moved, once.
    expect(new Set(e.tasksIn('Complete').map((t) => t.uuid))).toEqual(decided)
    expect(Object.values(e.proceedsByTask()).every((n) => n === 1)).toBe(true)
    // A rerun finishes the rest.
    const rest = await runner.run()
    expect(rest.stages[0].processed).toBe(30 - processed)
    expect(e.tasksIn('Complete')).toHaveLength(30)
  })

  it('a task waiting to retry when the run stops is left untouched (not failed, not sent to onFailure)', async () => {
    const e = await start({ tasks: 2 })
    const controller = new AbortController()
    const flaky = e.fixture.projects[0].tasks[0].uuid
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        onFailure: 'needs review',
        handler: ({ task }) => {
          if (task.uuid !== flaky) return 'complete'
          throw new Error('try later')
        },
      }),
    )
    const result = await runner.run({
      signal: controller.signal,
      numRetries: 3,
      retryDelayMs: 10_000,
      maxRetryDelayMs: 10_000,
      onEvent: (ev) => ev.type === 'taskRetry' && controller.abort(),
    })
    expect(result.interrupted).toBe(true)
    expect(result.stages[0]).toMatchObject({ processed: 1, failed: 0, moved: { complete: 1 } })
    expect(e.tasksIn('Agent 1').map((t) => t.uuid)).toEqual([flaky])
  })

  it('a task moved by someone else meanwhile is reported stale, not failed', async () => {
    const e = await start({ tasks: 3 })
    const victim = e.fixture.projects[0].tasks[0].uuid
    const reviewUuid = e.pathwayUuid('Agent 1', 'needs review')
    const runner = runnerFor(e).stage(
      'Agent 1',
      defineAgent({
        handler: async ({ task }) => {
          if (task.uuid === victim)
            await e.client.proceedTasks(e.projectHash, e.stageUuid('Agent 1'), [
              { taskUuid: victim, pathwayUuid: reviewUuid },
            ])
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 3 })
    expect(result.stages[0]).toMatchObject({ processed: 3, failed: 0, moved: { complete: 2 } })
    expect(result.stages[0].errors).toEqual([expect.objectContaining({ taskUuid: victim, code: 'StaleTask' })])
    expect(e.tasksIn('Review 1').map((t) => t.uuid)).toEqual([victim])
  })

  it('refreshEvery polls again until the signal aborts', async () => {
    const e = await start({ tasks: 2 })
    const controller = new AbortController()
    let passes = 0
    const runner = runnerFor(e).stage('Agent 1', defineAgent({ handler: () => (passes >= 1 ? 'complete' : undefined) }))
    const result = await runner.run({
      refreshEvery: 0.02,
      signal: controller.signal,
      onEvent: (ev) => {
        if (ev.type === 'refreshWaiting') passes++
        if (ev.type === 'refreshWaiting' && passes === 3) controller.abort()
      },
    })
    expect(result.interrupted).toBe(true)
    expect(result.stages[0]).toMatchObject({ processed: 4, stayed: 2, moved: { complete: 2 } })
    expect(e.tasksIn('Complete')).toHaveLength(2)
  })
})
