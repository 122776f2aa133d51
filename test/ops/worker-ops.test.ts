/**
 * issue 19 (worker): `--log-format json`, `/metrics` and `/healthz` of the built binary, against a real
 * redis-server and the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../../src/emulator/index.js'
import { runNode } from '../e2e/run-bin.js'
import {
  expectScrapeMatchesStage,
  healthThroughShutdown,
  histogramCount,
  parseMetrics,
  sampleSum,
  sampleValue,
} from '../helpers/prometheus.js'
import { makeQueueProject, snapshotPackage } from '../queue/helpers/project.js'
import { redisAvailable, startRedis, type RedisServer } from '../queue/helpers/redis.js'

type Json = Record<string, any>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!redisAvailable())('worker --log-format json --metrics-port (built binary, redis, emulator)', () => {
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

  it('serves /metrics whose counters equal the summary, /healthz never ready again once stopping, and JSON log lines', async () => {
    await server.flush()
    const project = makeQueueProject(12)
    const emulator = await startEmulator({
      fixture: project.fixture,
      inMemory: true,
      allowKeys: [project.publicKeyHex],
    })
    try {
      const env = { REDIS_URL: server.url, ENCORD_SSH_KEY_FILE: project.keyFile, ENCORD_DOMAIN: emulator.domain }
      const enqueue = await runNode([pkg.bin, 'enqueue', '--log-format', 'json'], { cwd: project.dir, env })
      expect(enqueue.code, enqueue.stderr).toBe(0)

      const broken = project.fixture.projects[0].dataUnits[4].dataTitle
      let url: string | undefined
      let stderr = ''
      let scraped: { text: string; healthBefore: number; healthAfter: number[] } | undefined
      let failure: unknown
      const worker = await runNode<Json>([pkg.bin, 'worker', '--concurrency', '3', '--json', '--metrics-port', '0'], {
        cwd: project.dir,
        timeoutMs: 60_000,
        env: { ...env, TEST_FAIL_TITLES: broken, ENCORD_AGENTS_LOG_FORMAT: 'json' },
        onSpawn: (child) => {
          child.stderr?.on('data', (chunk: Buffer) => {
            stderr += chunk.toString()
            url ??= /Metrics at (http:\/\/[^\s"]+)\/metrics/.exec(stderr)?.[1]
          })
          void (async () => {
            const deadline = Date.now() + 45_000
            while (url === undefined && Date.now() < deadline) await sleep(20)
            if (url === undefined) throw new Error(`no metrics URL in: ${stderr}`)
            let text = ''
            // Scrape while the worker runs, until every job is decided.
            for (;;) {
              if (Date.now() > deadline) throw new Error(`jobs never all decided:\n${text}`)
              text = await (await fetch(`${url}/metrics`)).text()
              const families = parseMetrics(text)
              const decided = sampleSum(families, 'encord_agents_tasks_total', {})
              const waiting = sampleValue(families, 'encord_agents_queue_jobs', { stage: 'Agent 1', state: 'waiting' })
              const active = sampleValue(families, 'encord_agents_queue_jobs', { stage: 'Agent 1', state: 'active' })
              if (decided >= 12 && waiting === 0 && active === 0) break
              await sleep(50)
            }
            scraped = {
              text,
              ...(await healthThroughShutdown(url, child, () => stderr.includes('SIGTERM: no new jobs'))),
            }
          })().catch((error: unknown) => {
            failure = error
            child.kill('SIGKILL')
          })
        },
      })
      expect(failure).toBeUndefined()
      expect(worker.code, worker.stderr).toBe(130)
      expect(scraped).toBeDefined()
      const { text } = scraped!

      // The counters equal the worker's summary.
      const stage = worker.json!.stages[0]
      const { families, count } = expectScrapeMatchesStage(scraped!, stage)
      expect(stage.processed).toBe(12)
      expect(count('failed')).toBe(1)
      expect(count('retried')).toBe(stage.retried)
      expect(histogramCount(text, 'encord_agents_task_duration_seconds', { stage: 'Agent 1' })).toBe(12)
      expect(sampleValue(families, 'encord_agents_queue_jobs', { stage: 'Agent 1', state: 'failed' })).toBe(1)
      expect(sampleSum(families, 'encord_agents_encord_requests_total', {})).toBeGreaterThan(0)
      expect(families.some((f) => f.name === 'encord_agents_process_cpu_seconds_total')).toBe(true)

      // stderr: one JSON object per line; the failed job carries its fields.
      const lines = worker.stderr
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Json)
      for (const line of lines) {
        expect(Number.isNaN(Date.parse(line.time)), JSON.stringify(line)).toBe(false)
        expect(typeof line.level).toBe('string')
        expect(typeof line.msg).toBe('string')
      }
      const failed = lines.find((l) => l.level === 'error' && l.dataTitle === broken)
      expect(failed).toMatchObject({
        stage: 'Agent 1',
        attempt: 0, // 0 for the first try, as in run's lines
        error: { code: 'Unreadable', message: `cannot read ${broken}` },
      })
      expect(typeof failed!.taskUuid).toBe('string')
      expect(typeof failed!.dataHash).toBe('string')
      expect(typeof failed!.durationMs).toBe('number')
    } finally {
      await emulator.stop()
      project.cleanup()
    }
  }, 90_000)
})
