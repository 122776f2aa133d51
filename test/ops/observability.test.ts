import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { requestChannel } from '../../src/encord/transport.js'
import { Health, REDIS_GRACE_MS } from '../../src/observability/health.js'
import { startOpsServer } from '../../src/observability/http-server.js'
import { createJsonLogger, logRunEvent } from '../../src/observability/json-log.js'
import { AgentMetrics } from '../../src/observability/metrics.js'
import { histogramCount, parseMetrics, sampleValue } from '../helpers/prometheus.js'

const stage = { uuid: 's-1', title: 'Agent 1' }
const task = { uuid: 't-1', dataTitle: 'cat.jpg', dataHash: 'd-1' }

describe('metrics', () => {
  it('counts task outcomes and handler time from the engine events, requests from the transport channel', async () => {
    const metrics = new AgentMetrics()
    metrics.subscribe()
    try {
      metrics.observeRunEvent({ type: 'taskDone', stage, task, outcome: 'moved', pathway: 'approve', durationMs: 30 })
      metrics.observeRunEvent({ type: 'taskDone', stage, task, outcome: 'stayed', durationMs: 10 })
      metrics.observeRunEvent({
        type: 'taskRetry',
        stage,
        task,
        attempt: 1,
        delayMs: 5,
        code: 'HandlerFailed',
        message: 'x',
      })
      metrics.observeRunEvent({ type: 'taskFailed', stage, task, code: 'HandlerFailed', message: 'x' })
      requestChannel.publish({
        endpoint: 'listTasks',
        method: 'POST',
        status: 200,
        durationMs: 12,
        attempt: 1,
        final: true,
      })
      requestChannel.publish({
        endpoint: 'listTasks',
        method: 'POST',
        status: null,
        networkCode: 'ECONNRESET',
        durationMs: 3,
        attempt: 1,
        final: false,
      })
      const text = await metrics.text()
      const families = parseMetrics(text)
      expect(sampleValue(families, 'encord_agents_tasks_total', { stage: 'Agent 1', outcome: 'moved' })).toBe(1)
      expect(sampleValue(families, 'encord_agents_tasks_total', { stage: 'Agent 1', outcome: 'stayed' })).toBe(1)
      expect(sampleValue(families, 'encord_agents_tasks_total', { stage: 'Agent 1', outcome: 'retried' })).toBe(1)
      expect(sampleValue(families, 'encord_agents_tasks_total', { stage: 'Agent 1', outcome: 'failed' })).toBe(1)
      expect(histogramCount(text, 'encord_agents_task_duration_seconds', { stage: 'Agent 1' })).toBe(2)
      expect(
        sampleValue(families, 'encord_agents_encord_requests_total', { endpoint: 'listTasks', status: '200' }),
      ).toBe(1)
      expect(
        sampleValue(families, 'encord_agents_encord_requests_total', { endpoint: 'listTasks', status: 'network' }),
      ).toBe(1)
      expect(histogramCount(text, 'encord_agents_encord_request_duration_seconds', { endpoint: 'listTasks' })).toBe(2)
      expect(families.some((f) => f.name === 'encord_agents_process_cpu_seconds_total')).toBe(true)
    } finally {
      metrics.unsubscribe()
    }
  })

  it('reads queue job counts at scrape time', async () => {
    let waiting = 3
    const metrics = new AgentMetrics({ queueJobs: async () => [{ stage: 'Agent 1', counts: { waiting, active: 1 } }] })
    expect(
      sampleValue(parseMetrics(await metrics.text()), 'encord_agents_queue_jobs', {
        stage: 'Agent 1',
        state: 'waiting',
      }),
    ).toBe(3)
    waiting = 0
    expect(
      sampleValue(parseMetrics(await metrics.text()), 'encord_agents_queue_jobs', {
        stage: 'Agent 1',
        state: 'waiting',
      }),
    ).toBe(0)
  })
})

describe('health', () => {
  it('is unhealthy while shutting down, when Encord failed after its retries (until it answers again), and when Redis is down past its grace', () => {
    let now = 0
    const health = new Health(() => now)
    health.subscribe()
    try {
      expect(health.report()).toEqual({ ok: true, reasons: [] })
      requestChannel.publish({
        endpoint: 'listTasks',
        method: 'POST',
        status: null,
        networkCode: 'ECONNREFUSED',
        durationMs: 1,
        attempt: 1,
        final: false,
      })
      expect(health.report().ok).toBe(true) // a retry follows: not down yet
      requestChannel.publish({
        endpoint: 'listTasks',
        method: 'POST',
        status: null,
        networkCode: 'ECONNREFUSED',
        durationMs: 1,
        attempt: 4,
        final: true,
      })
      expect(health.report()).toEqual({ ok: false, reasons: ['encord unreachable (ECONNREFUSED)'] })
      requestChannel.publish({
        endpoint: 'listTasks',
        method: 'POST',
        status: 503,
        durationMs: 1,
        attempt: 1,
        final: true,
      })
      expect(health.report().ok).toBe(true) // it answered: reachable again

      let redis = 'ready'
      health.watchRedis(() => redis)
      redis = 'reconnecting'
      expect(health.report().ok).toBe(true)
      now += REDIS_GRACE_MS
      expect(health.report()).toEqual({ ok: false, reasons: ['redis unreachable (reconnecting)'] })
      redis = 'ready'
      expect(health.report().ok).toBe(true)

      health.shuttingDown()
      expect(health.report()).toEqual({ ok: false, reasons: ['shutting down'] })
    } finally {
      health.unsubscribe()
    }
  })
})

describe('ops server', () => {
  it('serves /metrics and /healthz on loopback; 503 once shutting down; 404 elsewhere', async () => {
    const metrics = new AgentMetrics()
    const health = new Health()
    const server = await startOpsServer({ host: '127.0.0.1', port: 0, metrics, health })
    try {
      const m = await fetch(`${server.url}/metrics`)
      expect(m.status).toBe(200)
      expect(m.headers.get('content-type')).toContain('text/plain')
      expect(parseMetrics(await m.text()).length).toBeGreaterThan(5)
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      health.shuttingDown()
      const h = await fetch(`${server.url}/healthz`)
      expect(h.status).toBe(503)
      expect(await h.json()).toEqual({ ok: false, reasons: ['shutting down'] })
      expect((await fetch(`${server.url}/nope`)).status).toBe(404)
    } finally {
      await server.close()
    }
  })

  it('a port in use is a clear user error', async () => {
    const metrics = new AgentMetrics()
    const first = await startOpsServer({ host: '127.0.0.1', port: 0, metrics, health: new Health() })
    try {
      const port = Number(new URL(first.url).port)
      await expect(startOpsServer({ host: '127.0.0.1', port, metrics, health: new Health() })).rejects.toMatchObject({
        code: 'MetricsPortUnavailable',
      })
    } finally {
      await first.close()
    }
  })
})

describe('JSON logs', () => {
  function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
    const chunks: string[] = []
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString())
        done()
      },
    })
    return {
      stream,
      lines: () =>
        chunks
          .join('')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    }
  }

  it('one JSON object per line with time, level, msg and the task fields; key material redacted', () => {
    const out = capture()
    const log = createJsonLogger({ destination: out.stream, level: 'debug' })
    logRunEvent(log, { type: 'taskStarted', stage, task, attempt: 1 })
    logRunEvent(log, { type: 'taskFailed', stage, task, code: 'HandlerFailed', message: 'model server down' })
    logRunEvent(log, {
      type: 'log',
      level: 'warn',
      message:
        'low confidence -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      stage,
      task,
      data: { score: 0.2 },
    })
    const [started, failed, handler] = out.lines()
    expect(started).toMatchObject({
      level: 'debug',
      msg: 'task started',
      stage: 'Agent 1',
      taskUuid: 't-1',
      dataHash: 'd-1',
      attempt: 1,
    })
    expect(new Date(String(started.time)).toISOString()).toBe(started.time)
    expect(failed).toMatchObject({
      level: 'error',
      stage: 'Agent 1',
      taskUuid: 't-1',
      error: { code: 'HandlerFailed', message: 'model server down' },
    })
    expect(handler).toMatchObject({ level: 'warn', stage: 'Agent 1', taskUuid: 't-1', data: { score: 0.2 } })
    expect(String(handler.msg)).not.toContain('b3BlbnNzaC1rZXktdjE')
  })
})
