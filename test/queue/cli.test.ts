import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { runNode, type BinResult, type RunBinOptions } from '../e2e/run-bin.js'
import { expectedPathway, makeQueueProject, snapshotPackage, type QueueProject } from './helpers/project.js'
import { freePort, redisAvailable, startRedis, type RedisServer } from './helpers/redis.js'

const available = redisAvailable()

type Json = Record<string, any>

describe.skipIf(!available)('queue commands (built binary, real redis-server, emulator)', () => {
  let pkg: ReturnType<typeof snapshotPackage>
  let server: RedisServer

  beforeAll(async () => {
    pkg = snapshotPackage()
    server = await startRedis()
  })
  afterAll(async () => {
    try {
      await server?.stop()
    } finally {
      pkg?.cleanup()
    }
  })

  /** Run the CLI in the project's directory, against this Redis and emulator. */
  function cli(
    project: QueueProject,
    emulator: EmulatorHandle | undefined,
    args: string[],
    options: RunBinOptions = {},
  ): Promise<BinResult<Json>> {
    return runNode<Json>([pkg.bin, ...args], {
      cwd: project.dir,
      timeoutMs: 60_000,
      ...options,
      env: {
        REDIS_URL: server.url,
        ENCORD_SSH_KEY_FILE: project.keyFile,
        ...(emulator ? { ENCORD_DOMAIN: emulator.domain } : {}),
        ...options.env,
      },
    })
  }

  async function withProject(
    tasks: number,
    fn: (project: QueueProject, emulator: EmulatorHandle) => Promise<void>,
  ): Promise<void> {
    await server.flush()
    const project = makeQueueProject(tasks)
    const emulator = await startEmulator({
      fixture: project.fixture,
      inMemory: true,
      allowKeys: [project.publicKeyHex],
    })
    try {
      await fn(project, emulator)
    } finally {
      await emulator.stop()
      project.cleanup()
    }
  }

  it('every queue command has --help with examples and --json', async () => {
    for (const command of [['enqueue'], ['worker'], ['queue', 'status'], ['queue', 'retry-failed']]) {
      const result = await runNode([pkg.bin, ...command, '--help'])
      expect(result.code, command.join(' ')).toBe(0)
      expect(result.stdout).toContain('EXAMPLES')
      expect(result.stdout).toContain('--json')
      expect(result.stdout).toContain('--redis=URL')
    }
  })

  it('enqueue twice adds nothing; workers handle the jobs; status shows failures with their errors; retry-failed queues them again', async () => {
    await withProject(12, async (project, emulator) => {
      const first = await cli(project, emulator, ['enqueue', '--json'])
      expect(first.code, first.stderr).toBe(0)
      expect(first.json).toMatchObject({
        projectHash: project.projectHash,
        passes: 1,
        interrupted: false,
        watch: false,
        redis: server.url,
        stages: [{ title: 'Agent 1', pending: 12, added: 12, alreadyQueued: 0 }],
      })
      const second = await cli(project, emulator, ['enqueue', '--json'])
      expect(second.json?.stages[0]).toMatchObject({ pending: 12, added: 0, alreadyQueued: 12 })

      const titles = project.fixture.projects[0].dataUnits.map((d) => d.dataTitle)
      const broken = titles[4]
      const worker = await cli(project, emulator, ['worker', '--until-empty', '--concurrency', '4', '--json'], {
        env: { TEST_FAIL_TITLES: broken },
      })
      expect(worker.code, worker.stderr).toBe(1)
      expect(worker.json).toMatchObject({ stoppedBecause: 'empty', interrupted: false, concurrency: 4 })
      expect(worker.json?.stages[0]).toMatchObject({
        title: 'Agent 1',
        processed: 12,
        failed: 1,
        errors: [{ dataTitle: broken, code: 'Unreadable', message: `cannot read ${broken}` }],
      })

      const status = await cli(project, emulator, ['queue', 'status', '--json'])
      expect(status.code, status.stderr).toBe(0)
      expect(status.json?.totals).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 11, failed: 1 })
      expect(status.json?.stages[0]).toMatchObject({
        projectHash: project.projectHash,
        stageTitle: 'Agent 1',
        failedJobs: [{ dataTitle: broken, error: `Unreadable: cannot read ${broken}`, attemptsMade: 1 }],
      })
      const human = await cli(project, emulator, ['queue', 'status'])
      expect(human.stdout).toContain('Failed jobs (1)')
      expect(human.stdout).toContain(`Unreadable: cannot read ${broken}`)

      const retry = await cli(project, emulator, ['queue', 'retry-failed', '--json'])
      expect(retry.json).toMatchObject({ retried: 1, stages: [{ stageTitle: 'Agent 1', retried: 1 }] })
      const again = await cli(project, emulator, ['worker', '--until-empty', '--json'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.json?.stages[0]).toMatchObject({ processed: 1, failed: 0 })
      const after = await cli(project, emulator, ['queue', 'status', '--json'])
      expect(after.json?.totals).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 12, failed: 0 })

      // The emulator: each task moved once, along its handler's pathway, its labels saved once.
      const proceeds = emulator.stats().proceeds.byTask
      const state = emulator.state.project(project.projectHash)
      for (const task of project.fixture.projects[0].tasks) {
        expect(proceeds[task.uuid], task.uuid).toBe(1)
        const title = state.dataUnits.get(task.dataHash)!.dataTitle
        const now = state.tasks.get(task.uuid)!
        expect(state.stageByUuid.get(now.stageUuid)?.title).toBe(
          expectedPathway(title) === 'complete' ? 'Complete' : 'Review 1',
        )
        expect(state.history.filter((h) => h.kind === 'save' && h.dataHash === task.dataHash)).toHaveLength(1)
      }
    })
  })

  it('SIGTERM: the worker stops taking jobs, finishes the running ones, applies them and exits 130', async () => {
    await withProject(40, async (project, emulator) => {
      expect((await cli(project, emulator, ['enqueue'])).code).toBe(0)
      let signalled = false
      let poll: NodeJS.Timeout | undefined
      const worker = await cli(project, emulator, ['worker', '--concurrency', '4', '--json'], {
        env: { TEST_SLOW_MS: '250' },
        onSpawn: (child) => {
          // Signal as soon as the first tasks are moved: others are running at that moment.
          poll = setInterval(() => {
            if (!signalled && emulator.stats().proceeds.total > 0) {
              signalled = true
              child.kill('SIGTERM')
            }
          }, 20)
        },
      }).finally(() => clearInterval(poll))
      expect(signalled).toBe(true)
      expect(worker.code, worker.stderr).toBe(130)
      expect(worker.json).toMatchObject({ interrupted: true, stoppedBecause: 'signal' })
      const handled = worker.json?.stages[0].processed as number
      expect(handled).toBeGreaterThan(0)
      expect(handled).toBeLessThan(40)
      const status = (await cli(project, emulator, ['queue', 'status', '--json'])).json!
      // Nothing left running, nothing lost: every job is either done (its task moved once) or still waiting.
      expect(status.totals).toMatchObject({ active: 0, failed: 0, completed: handled, waiting: 40 - handled })
      const proceeds = emulator.stats().proceeds.byTask
      expect(Object.keys(proceeds)).toHaveLength(handled)
      expect(Object.values(proceeds).every((n) => n === 1)).toBe(true)
    })
  })

  it('enqueue --watch passes again every refreshEvery seconds (adding nothing twice) and stops on SIGTERM with 130', async () => {
    await withProject(5, async (project, emulator) => {
      let log = ''
      let signalled = false
      const started = Date.now()
      const result = await cli(project, emulator, ['enqueue', '--watch', '--refresh-every', '1'], {
        onStderr: (chunk, child) => {
          log += chunk
          if (!signalled && /pass 3 Agent 1/.test(log)) {
            signalled = true
            child.kill('SIGTERM')
          }
        },
      })
      expect(result.code, result.stderr).toBe(130)
      expect(log).toMatch(/pass 1 Agent 1: 5 pending, 5 added, 0 re-queued, 0 already queued/)
      expect(log).toMatch(/pass 2 Agent 1: 5 pending, 0 added, 0 re-queued, 5 already queued/)
      expect(log).toMatch(/pass 3 Agent 1: 5 pending, 0 added, 0 re-queued, 5 already queued/)
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
      expect(result.stdout).toContain('5 jobs added')
      const status = await cli(project, emulator, ['queue', 'status', '--json'])
      expect(status.json?.totals).toMatchObject({ waiting: 5 })
    })
  })

  it('Redis unreachable: a clear error and exit code 3, also as JSON', async () => {
    const port = await freePort()
    const project = makeQueueProject(1)
    try {
      const result = await cli(project, undefined, [
        'queue',
        'status',
        '--redis',
        `redis://127.0.0.1:${port}`,
        '--json',
      ])
      expect(result.code).toBe(3)
      expect(result.json?.error).toMatchObject({ code: 'RedisUnreachable', hint: expect.stringContaining('REDIS_URL') })
      const human = await cli(project, undefined, ['queue', 'retry-failed'], {
        env: { REDIS_URL: `redis://127.0.0.1:${port}` },
      })
      expect(human.code).toBe(3)
      expect(human.stderr).toContain(`Cannot reach Redis at redis://127.0.0.1:${port}`)
      expect(human.stderr).not.toMatch(/\n\s+at /)
    } finally {
      project.cleanup()
    }
  })

  it('a config with `local` needs a shared emulator: exit 2 with how to run one', async () => {
    const project = makeQueueProject(2, { local: true })
    try {
      const result = await cli(project, undefined, ['enqueue', '--json'])
      expect(result.code).toBe(2)
      expect(result.json?.error).toMatchObject({
        code: 'LocalEmulatorNotShared',
        hint: expect.stringContaining('encord-agents emulator start ./fixture.json'),
      })
    } finally {
      project.cleanup()
    }
  })
})
