import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pLimit from 'p-limit'
import { runNode, type BinResult } from '../e2e/run-bin.js'
import { expectedPathway, makeQueueProject, snapshotPackage, type QueueProject } from './helpers/project.js'
import { redisAvailable, startRedis, type RedisServer } from './helpers/redis.js'

const available = redisAvailable()

type Json = Record<string, any>

const TASKS = 1000

/**
 * The done-when of scaling out: 1,000 tasks, three worker processes, one killed with SIGKILL mid-run
 * and restarted. Every task must be moved exactly once along the pathway its handler chose, its labels
 * saved once, and the queue must be empty at the end. The emulator runs as its own process
 * (`encord-agents emulator start`), the workers are the built binary.
 */
describe.skipIf(!available)('scaling out: 1,000 tasks, three workers, one SIGKILLed and restarted', () => {
  let pkg: ReturnType<typeof snapshotPackage>
  let server: RedisServer
  let project: QueueProject
  let emulator: ChildProcess | undefined
  const children = new Set<ChildProcess>()

  beforeAll(async () => {
    pkg = snapshotPackage()
    server = await startRedis()
    project = makeQueueProject(TASKS, { seed: 11 })
  })
  afterAll(async () => {
    // Each step on its own: one failing must not leave the others' processes or files behind.
    const steps: Array<() => unknown> = [
      () => {
        for (const child of children)
          if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
            process.kill(child.pid, 'SIGKILL')
      },
      async () => {
        if (emulator?.pid !== undefined && emulator.exitCode === null && emulator.signalCode === null) {
          const exited = new Promise((r) => emulator!.once('exit', r))
          process.kill(emulator.pid, 'SIGTERM')
          await exited
        }
      },
      () => server?.stop(),
      () => project?.cleanup(),
      () => pkg?.cleanup(),
    ]
    for (const step of steps) {
      try {
        await step()
      } catch (error) {
        process.stderr.write(`[scale] cleanup: ${(error as Error).message}\n`)
      }
    }
  })

  /** `encord-agents emulator start` on a free port; resolves with its domain once it listens. */
  function startEmulatorProcess(): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [pkg.bin, 'emulator', 'start', project.fixtureFile, '--port', '0', '--json', '--allow-any-key', '--in-memory'],
        {
          cwd: project.dir,
          env: { ...process.env, NO_COLOR: '1', CI: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      emulator = child
      let out = ''
      let err = ''
      const timer = setTimeout(() => reject(new Error(`the emulator did not start: ${err}`)), 30_000)
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d
        const line = out.split('\n')[0]
        if (out.includes('\n')) {
          clearTimeout(timer)
          resolve((JSON.parse(line) as { domain: string }).domain)
        }
      })
      child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${err}`)))
    })
  }

  function cli(domain: string, args: string[], onSpawn?: (child: ChildProcess) => void): Promise<BinResult<Json>> {
    return runNode<Json>([pkg.bin, ...args], {
      cwd: project.dir,
      timeoutMs: 150_000,
      env: { REDIS_URL: server.url, ENCORD_SSH_KEY_FILE: project.keyFile, ENCORD_DOMAIN: domain },
      onSpawn: (child) => {
        children.add(child)
        onSpawn?.(child)
      },
    })
  }

  async function get(domain: string, path: string): Promise<Json> {
    const response = await fetch(`${domain}${path}`)
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`)
    return (await response.json()) as Json
  }

  it(
    "moves every task exactly once along its handler's pathway, saves its labels once, and empties the queue",
    { timeout: 240_000 },
    async () => {
      const domain = await startEmulatorProcess()
      const enqueued = await cli(domain, ['enqueue', '--json'])
      expect(enqueued.code, enqueued.stderr).toBe(0)
      expect(enqueued.json?.stages[0]).toMatchObject({ pending: TASKS, added: TASKS })

      const workerArgs = ['worker', '--until-empty', '--concurrency', '8', '--lock-duration', '3000', '--json']
      let victim: ChildProcess | undefined
      const first = cli(domain, workerArgs, (child) => (victim = child))
      const others = [cli(domain, workerArgs), cli(domain, workerArgs)]

      // Mid-run (a quarter of the tasks moved), kill the first worker with SIGKILL at the worst moment:
      // while it holds a job whose decision is recorded in the journal but not fully applied (labels not
      // saved yet, or saved but the task not moved), so that job must be finished without redoing it.
      const redis = await server.client()
      const queueOf = enqueued.json?.stages[0].queue as string
      const deadline = Date.now() + 120_000
      let victimTask: string | undefined
      for (;;) {
        if (Date.now() > deadline) throw new Error('the first worker was never caught between a decision and its move')
        const stats = await get(domain, '/_emulator/stats')
        if (stats.proceeds.total >= TASKS / 4 && victim?.pid !== undefined) {
          const keys = await redis.keys('encord-agents:journal:*')
          for (const key of keys) {
            const entry = await redis.hgetall(key)
            if (entry.decision === undefined || entry.proceededAt !== undefined) continue
            const taskUuid = key.split(':').at(-1)!
            const processedBy = await redis.hget(`encord-agents:${queueOf}:${taskUuid}`, 'pb')
            if (processedBy?.endsWith(`:${victim.pid}`)) {
              process.kill(victim.pid, 'SIGKILL')
              victimTask = taskUuid
              break
            }
          }
          if (victimTask !== undefined) break
        }
        await new Promise((r) => setTimeout(r, 5))
      }
      const killed = await first
      expect(killed.signal).toBe('SIGKILL')
      const movedAtKill = (await get(domain, '/_emulator/stats')).proceeds.total as number
      expect(movedAtKill).toBeLessThan(TASKS)

      // Restarted: it and the two others drain the queue (the dead worker's jobs come back after their lock).
      const restarted = cli(domain, workerArgs)
      const results = await Promise.all([...others, restarted])
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0)
        expect(result.json).toMatchObject({ stoppedBecause: 'empty' })
        expect(result.json?.stages[0].failed).toBe(0)
      }

      // Every task moved exactly once...
      const stats = await get(domain, '/_emulator/stats')
      const tasks = project.fixture.projects[0].tasks
      expect(Object.keys(stats.proceeds.byTask)).toHaveLength(TASKS)
      const twice = tasks.filter((t) => stats.proceeds.byTask[t.uuid] !== 1)
      expect(twice.map((t) => `${t.uuid}: ${stats.proceeds.byTask[t.uuid]}`)).toEqual([])

      // ...along the pathway its handler chose, with its labels saved once.
      const titles = new Map(project.fixture.projects[0].dataUnits.map((d) => [d.dataHash, d.dataTitle]))
      const where = new Map<string, string>()
      for (const stage of ['Agent 1', 'Complete', 'Review 1']) {
        const listed = await get(
          domain,
          `/_emulator/api/projects/${project.projectHash}/tasks?stage=${encodeURIComponent(stage)}&limit=1000`,
        )
        for (const t of listed.results as Array<{ uuid: string }>) where.set(t.uuid, stage)
      }
      const wrong = tasks.filter(
        (t) =>
          where.get(t.uuid) !== (expectedPathway(titles.get(t.dataHash)!) === 'complete' ? 'Complete' : 'Review 1'),
      )
      expect(wrong.map((t) => `${titles.get(t.dataHash)} in ${where.get(t.uuid)}`)).toEqual([])
      const limit = pLimit(16)
      const saves = await Promise.all(
        tasks.map((t) =>
          limit(async () => {
            const detail = await get(domain, `/_emulator/api/projects/${project.projectHash}/tasks/${t.uuid}`)
            return (detail.history as Array<{ kind: string }>).filter((h) => h.kind === 'save').length
          }),
        ),
      )
      expect(saves.filter((n) => n !== 1)).toEqual([])

      // The queue is empty: nothing waiting, running, delayed or failed; every job completed.
      const status = await cli(domain, ['queue', 'status', '--json'])
      expect(status.json?.totals).toEqual({ waiting: 0, active: 0, delayed: 0, completed: TASKS, failed: 0 })
      const replayed = results.reduce((n, r) => n + (r.json?.stages[0].replayed as number), 0)
      const { Queue } = await import('bullmq')
      const queue = new Queue(queueOf, { connection: redis, prefix: 'encord-agents' })
      const redelivered = (await queue.getCompleted(0, TASKS)).filter((j) => j.attemptsStarted > 1).length
      await queue.close()
      process.stderr.write(
        `[scale] moved ${movedAtKill} before the SIGKILL; ${redelivered} jobs delivered again, ${replayed} of them finished from the journal\n`,
      )
      // The job caught mid-decision was finished from the journal by another worker (not decided again).
      expect(replayed).toBeGreaterThan(0)
      expect(stats.proceeds.byTask[victimTask]).toBe(1)
    },
  )
})
