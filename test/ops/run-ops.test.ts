/**
 * issue 19 (run): `run --log-format json` and `run --refresh-every --metrics-port` of the built binary
 * against the emulator: JSON log lines with the task fields (a failing task's error and its location in
 * the agent), handlers' ctx.log lines with the task's fields, /metrics counters equal to the summary,
 * /healthz 503 (or closed) once the run says it is stopping.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator } from '../../src/emulator/index.js'
import { runNode } from '../e2e/run-bin.js'
import {
  expectScrapeMatchesStage,
  healthThroughShutdown,
  histogramCount,
  sampleSum,
  sampleValue,
} from '../helpers/prometheus.js'
import { AGENT_SOURCE, makeQueueProject, snapshotPackage } from '../queue/helpers/project.js'

type Json = Record<string, any>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// The queue tests' agent, with a ctx.log line per task.
const LOGGING_AGENT = AGENT_SOURCE.replace(
  'async handler({ task, deps })',
  'async handler({ task, deps, log })',
).replace(
  '    const n = Number(',
  "    log.info('looked at ' + task.dataTitle, { titleLength: task.dataTitle.length })\n    const n = Number(",
)

describe('run --log-format json --refresh-every --metrics-port (built binary, emulator)', () => {
  let pkg: ReturnType<typeof snapshotPackage>
  beforeAll(() => {
    pkg = snapshotPackage()
  })
  afterAll(() => pkg?.cleanup())

  it('JSON lines carry the task fields; /metrics counters equal the summary; /healthz never ready again once stopping', async () => {
    expect(LOGGING_AGENT).toContain('log.info(')
    const project = makeQueueProject(9)
    writeFileSync(join(project.dir, 'agent.ts'), LOGGING_AGENT)
    const emulator = await startEmulator({
      fixture: project.fixture,
      inMemory: true,
      allowKeys: [project.publicKeyHex],
    })
    try {
      const broken = project.fixture.projects[0].dataUnits[4].dataTitle
      let url: string | undefined
      let stderr = ''
      let scraped: { text: string; healthBefore: number; healthAfter: number[] } | undefined
      let failure: unknown
      const run = await runNode<Json>(
        [pkg.bin, 'run', '--json', '--refresh-every', '3600', '--metrics-port', '0', '--concurrency', '3'],
        {
          cwd: project.dir,
          timeoutMs: 60_000,
          env: {
            ENCORD_SSH_KEY_FILE: project.keyFile,
            ENCORD_DOMAIN: emulator.domain,
            TEST_FAIL_TITLES: broken,
            ENCORD_AGENTS_LOG_FORMAT: 'json',
          },
          onSpawn: (child) => {
            child.stderr?.on('data', (chunk: Buffer) => {
              stderr += chunk.toString()
              url ??= /Metrics at (http:\/\/[^\s"]+)\/metrics/.exec(stderr)?.[1]
            })
            void (async () => {
              const deadline = Date.now() + 45_000
              // The first pass is over when the run says it waits for the next one.
              while (!stderr.includes('before the next pass') && Date.now() < deadline) await sleep(20)
              if (url === undefined || !stderr.includes('before the next pass'))
                throw new Error(`no metrics URL or no pass end in: ${stderr}`)
              const text = await (await fetch(`${url}/metrics`)).text()
              scraped = { text, ...(await healthThroughShutdown(url, child, () => stderr.includes('Stopping:'))) }
            })().catch((error: unknown) => {
              failure = error
              child.kill('SIGKILL')
            })
          },
        },
      )
      expect(failure).toBeUndefined()
      expect(run.code, run.stderr).toBe(130)
      expect(scraped).toBeDefined()
      const { text } = scraped!

      // The counters equal the run's summary (one pass, then waiting).
      const stage = run.json!.stages[0]
      const { families, count } = expectScrapeMatchesStage(scraped!, stage)
      expect(stage.processed).toBe(9)
      expect(count('moved')).toBe(8)
      expect(count('failed')).toBe(1)
      expect(count('retried')).toBe(0)
      expect(histogramCount(text, 'encord_agents_task_duration_seconds', { stage: 'Agent 1' })).toBe(8)
      expect(
        sampleValue(families, 'encord_agents_encord_requests_total', { endpoint: 'listTasks', status: '200' }),
      ).toBeGreaterThan(0)
      expect(sampleSum(families, 'encord_agents_encord_requests_total', {})).toBeGreaterThan(0)
      expect(
        histogramCount(text, 'encord_agents_encord_request_duration_seconds', { endpoint: 'listTasks' }),
      ).toBeGreaterThan(0)
      expect(families.some((f) => f.name === 'encord_agents_process_cpu_seconds_total')).toBe(true)
      expect(families.some((f) => f.name === 'encord_agents_queue_jobs')).toBe(false) // workers only

      // stderr: one JSON object per line, no progress view; the key never appears.
      const lines = run.stderr
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Json)
      for (const line of lines) {
        expect(Number.isNaN(Date.parse(line.time)), JSON.stringify(line)).toBe(false)
        expect(new Date(line.time).toISOString()).toBe(line.time)
        expect(typeof line.level).toBe('string')
        expect(typeof line.msg).toBe('string')
        expect(line.command).toBe('run')
      }
      const keyBody = readFileSync(project.keyFile, 'utf8').split('\n')[1]
      expect(keyBody.length).toBeGreaterThan(20)
      expect(run.stderr + run.stdout).not.toContain(keyBody)

      const failed = lines.find((l) => l.level === 'error' && l.dataTitle === broken)
      expect(failed).toMatchObject({
        msg: `task failed: cannot read ${broken}`,
        stage: 'Agent 1',
        attempt: 0, // NonRetryableError: the first try was the last
        error: { code: 'Unreadable', message: `cannot read ${broken}` },
      })
      expect(failed!.error.at).toMatch(/agent\.ts:\d+:\d+/)
      expect(typeof failed!.taskUuid).toBe('string')
      expect(typeof failed!.dataHash).toBe('string')
      expect(typeof failed!.durationMs).toBe('number')

      const done = lines.filter((l) => l.msg?.startsWith('task moved to'))
      expect(done).toHaveLength(8)
      for (const line of done) {
        expect(line).toMatchObject({ level: 'info', stage: 'Agent 1', attempt: 0, outcome: 'moved' })
        expect(typeof line.taskUuid).toBe('string')
        expect(typeof line.dataHash).toBe('string')
        expect(typeof line.durationMs).toBe('number')
      }
      // ctx.log: the same logger, with the task's fields.
      const handlerLines = lines.filter((l) => String(l.msg).startsWith('looked at '))
      expect(handlerLines).toHaveLength(8)
      for (const line of handlerLines) {
        expect(line).toMatchObject({
          level: 'info',
          command: 'run',
          stage: 'Agent 1',
          data: { titleLength: line.dataTitle.length },
        })
        expect(line.msg).toBe(`looked at ${line.dataTitle}`)
        expect(typeof line.taskUuid).toBe('string')
        expect(typeof line.dataHash).toBe('string')
      }
      expect(lines.some((l) => l.msg === 'stage done' && l.processed === 9 && l.failed === 1)).toBe(true)
    } finally {
      await emulator.stop()
      project.cleanup()
    }
  }, 90_000)
})
