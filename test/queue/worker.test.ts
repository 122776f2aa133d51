import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Redis } from 'ioredis'
import { defineAgent, type AgentDefinition } from '../../src/core/agent.js'
import type { DepsRecord } from '../../src/core/deps/types.js'
import { ConnectionError } from '../../src/shared/errors.js'
import { NonRetryableError } from '../../src/core/runner/errors.js'
import { validateProject, type ResolvedBinding } from '../../src/core/runner/validate.js'
import type { Project } from '../../src/encord/types.js'
import { enqueueTasks } from '../../src/queue/enqueue.js'
import { journalNamespace, QUEUE_PREFIX, queueName } from '../../src/queue/names.js'
import { closeRedis, connectRedis } from '../../src/queue/redis.js'
import { RedisEffectJournal } from '../../src/queue/redis-journal.js'
import { queueStatus, retryFailed } from '../../src/queue/status.js'
import { waitFor } from '../helpers/wait-for.js'
import { runWorker, type WorkerOptions } from '../../src/queue/worker.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { freePort, redisAvailable, startRedis, type RedisServer } from './helpers/redis.js'

const available = redisAvailable()

describe.skipIf(!available)('queue worker against a real redis-server', () => {
  let server: RedisServer
  let redis: Redis
  let env: RunnerEnv | undefined

  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(async () => {
    await server?.stop()
  })
  beforeEach(async () => {
    await server.flush()
    redis = await connectRedis(server.url)
  })
  afterEach(async () => {
    await closeRedis(redis)
    await env?.close()
    env = undefined
  })

  async function bindings(project: Project, agent: AgentDefinition<DepsRecord>): Promise<ResolvedBinding[]> {
    const v = await validateProject(project, [{ stage: 'Agent 1', agent, overwrite: false }], undefined, {
      client: env!.client,
    })
    expect(v.issues).toEqual([])
    return v.bindings
  }

  function workerOptions(
    e: RunnerEnv,
    project: Project,
    b: ResolvedBinding[],
    extra: Partial<WorkerOptions> = {},
  ): WorkerOptions {
    return {
      redis,
      client: e.client,
      project,
      bindings: b,
      concurrency: 4,
      untilEmpty: true,
      retryDelayMs: 1,
      maxRetryDelayMs: 5,
      logger: () => silentLog,
      ...extra,
    }
  }

  it('enqueuing twice adds nothing; a worker handles every job once and the journal is emptied', async () => {
    const e = (env = await startRunnerEnv({ tasks: 20 }))
    const project = await e.client.getProject(e.projectHash)
    const b = await bindings(
      project,
      defineAgent({
        handler: ({ task }) => ({
          pathway: /[13579]\.png$/.test(task.dataTitle) ? 'needs review' : 'complete',
          priority: 0,
        }),
      }),
    )
    const first = await enqueueTasks({ redis, client: e.client, project, bindings: b })
    expect(first.stages[0]).toMatchObject({ title: 'Agent 1', pending: 20, added: 20, alreadyQueued: 0, requeued: 0 })
    const second = await enqueueTasks({ redis, client: e.client, project, bindings: b })
    expect(second.stages[0]).toMatchObject({ pending: 20, added: 0, alreadyQueued: 20 })

    const summary = await runWorker(workerOptions(e, project, b))
    expect(summary.stoppedBecause).toBe('empty')
    const s = summary.stages[0]
    expect(s.processed).toBe(20)
    expect(s.failed + s.retried + s.replayed + s.gone).toBe(0)
    expect((s.moved.complete ?? 0) + (s.moved['needs review'] ?? 0)).toBe(20)
    expect(Object.values(e.proceedsByTask())).toEqual(Array(20).fill(1))
    expect(e.tasksIn('Agent 1')).toHaveLength(0)
    expect(e.history('priority')).toHaveLength(20)
    // Decisions were applied together, not one request per task.
    expect(e.requestsByEndpoint()['proceed']).toBeLessThan(20)

    const status = await queueStatus(redis, { projectHash: e.projectHash })
    expect(status.stages).toHaveLength(1)
    expect(status.stages[0]).toMatchObject({
      stageTitle: 'Agent 1',
      counts: { waiting: 0, active: 0, delayed: 0, completed: 20, failed: 0 },
      failedJobs: [],
    })
    await waitFor(async () => (await redis.keys(`${QUEUE_PREFIX}:journal:*`)).length === 0, { everyMs: 20 })

    // Pending again? Nothing is: a third enqueue finds no task.
    const third = await enqueueTasks({ redis, client: e.client, project, bindings: b })
    expect(third.stages[0]).toMatchObject({ pending: 0, added: 0 })
  })

  it('retries failing handlers with backoff, fails NonRetryableError at once keeping the error, and retry-failed queues it again', async () => {
    const e = (env = await startRunnerEnv({ tasks: 6 }))
    const project = await e.client.getProject(e.projectHash)
    const [bad, flaky] = e.fixture.projects[0].tasks
    let broken = true
    const calls = new Map<string, number>()
    const b = await bindings(
      project,
      defineAgent({
        handler: ({ task, attempt }) => {
          calls.set(task.uuid, (calls.get(task.uuid) ?? 0) + 1)
          if (task.uuid === bad.uuid && broken)
            throw new NonRetryableError('unreadable image', { code: 'CorruptImage' })
          if (task.uuid === flaky.uuid && attempt < 2) throw new Error(`model busy (attempt ${attempt})`)
          return 'complete'
        },
      }),
    )
    await enqueueTasks({ redis, client: e.client, project, bindings: b, attempts: 4, backoffMs: 5 })
    const summary = await runWorker(workerOptions(e, project, b))
    const s = summary.stages[0]
    expect(s).toMatchObject({ processed: 6, failed: 1, retried: 2, moved: { complete: 5 } })
    expect(s.errors).toEqual([
      { taskUuid: bad.uuid, dataTitle: expect.any(String), code: 'CorruptImage', message: 'unreadable image' },
    ])
    expect(calls.get(bad.uuid)).toBe(1)
    expect(calls.get(flaky.uuid)).toBe(3)
    expect(e.proceedsByTask()[bad.uuid]).toBeUndefined()

    const status = await queueStatus(redis)
    expect(status.totals).toMatchObject({ completed: 5, failed: 1, waiting: 0 })
    expect(status.stages[0].failedJobs).toEqual([
      {
        jobId: bad.uuid,
        taskUuid: bad.uuid,
        dataTitle: expect.any(String),
        attemptsMade: 1,
        error: 'CorruptImage: unreadable image',
        failedAt: expect.any(String),
        processedBy: expect.stringMatching(/:\d+$/),
      },
    ])

    await expect(retryFailed(redis, { stage: 'Nope' })).rejects.toThrow(/No queue for stage "Nope"/)
    broken = false
    const retried = await retryFailed(redis, { projectHash: e.projectHash, stage: 'agent 1' })
    expect(retried.retried).toBe(1)
    const again = await runWorker(workerOptions(e, project, b))
    expect(again.stages[0]).toMatchObject({ processed: 1, failed: 0, moved: { complete: 1 } })
    expect(Object.values(e.proceedsByTask())).toEqual(Array(6).fill(1))
    expect((await queueStatus(redis)).totals).toMatchObject({ completed: 6, failed: 0 })
  })

  it('a job redelivered after its task was moved (the worker died before acknowledging) is finished from the journal', async () => {
    const e = (env = await startRunnerEnv({ tasks: 3 }))
    const project = await e.client.getProject(e.projectHash)
    let calls = 0
    const b = await bindings(project, defineAgent({ handler: () => (calls++, 'needs review') }))
    const stage = b[0].stage
    const [moved, decidedOnly] = e.fixture.projects[0].tasks
    const { Queue } = await import('bullmq')
    const queue = new Queue(queueName(e.projectHash, stage.uuid), { connection: redis, prefix: QUEUE_PREFIX })
    const journal = new RedisEffectJournal(redis, journalNamespace(e.projectHash, stage.uuid))
    const pathway = stage.pathways.find((p) => p.name === 'complete')!
    for (const task of [moved, decidedOnly]) {
      const job = await queue.add(
        't',
        {
          projectHash: e.projectHash,
          stageUuid: stage.uuid,
          stageTitle: stage.title,
          task: { uuid: task.uuid, data_hash: task.dataHash, data_title: 't', label_branch_name: 'main' },
        },
        { jobId: task.uuid },
      )
      // The earlier delivery decided "complete" (the handler now says otherwise: it must not run again).
      await journal.recordDecision(task.uuid, {
        stageUuid: stage.uuid,
        dataHash: task.dataHash,
        pathway,
        priority: 0.5,
        effects: [],
        ref: `${job.id}@${job.timestamp}`,
        decidedAt: new Date().toISOString(),
      })
    }
    // The first one got as far as moving the task, then died.
    await e.client.setPriorities(e.projectHash, [{ dataHash: moved.dataHash, priority: 0.5 }])
    await journal.markSaved(moved.uuid)
    await e.client.proceedTasks(e.projectHash, stage.uuid, [{ taskUuid: moved.uuid, pathwayUuid: pathway.uuid }])
    await queue.close()

    const summary = await runWorker(workerOptions(e, project, b))
    expect(summary.stages[0]).toMatchObject({ processed: 2, replayed: 2, moved: { complete: 2 }, failed: 0 })
    expect(calls).toBe(0)
    expect(e.proceedsByTask()).toEqual({ [moved.uuid]: 1, [decidedOnly.uuid]: 1 })
    expect(e.history('priority').filter((h) => h.dataHash === moved.dataHash)).toHaveLength(1)
    expect(
      e
        .tasksIn('Complete')
        .map((t) => t.uuid)
        .sort(),
    ).toEqual([moved.uuid, decidedOnly.uuid].sort())
  })

  it('says clearly when Redis cannot be reached (exit code 3)', async () => {
    const port = await freePort()
    const error = await connectRedis(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 1000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toMatchObject({ code: 'RedisUnreachable', exitCode: 3 })
    expect((error as Error).message).toContain(`redis://127.0.0.1:${port}`)
    await expect(connectRedis('http://127.0.0.1:1')).rejects.toMatchObject({ code: 'InvalidRedisUrl', exitCode: 2 })
    await expect(connectRedis(`redis://:secret@127.0.0.1:${port}`, { connectTimeoutMs: 500 })).rejects.toSatisfy(
      (e: Error) => !e.message.includes('secret'),
    )
  })
})

const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
