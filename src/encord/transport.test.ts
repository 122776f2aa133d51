import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { parsePrivateKey } from './auth/keys.js'
import { EncordNetworkError } from './errors.js'
import { DEFAULT_RETRY_POLICY, retryDelayMs } from './retry.js'
import { Transport, type ApiRequest } from './transport.js'

const dir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const key = parsePrivateKey(readFileSync(dir + 'test-key', 'utf8'))

type Step = (req: IncomingMessage, res: ServerResponse) => void
let steps: Step[] = []
let seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers'] }> = []
let server: Server
let domain: string

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers })
    req.resume()
    req.on('end', () => {
      const step = steps.shift()
      if (!step) {
        res.writeHead(500).end('no step')
        return
      }
      step(req, res)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  domain = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
afterEach(() => {
  steps = []
  seen = []
})

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  }
const drop: Step = (req) => req.socket.destroy()

function makeTransport(sleeps: number[], extra: Partial<ConstructorParameters<typeof Transport>[0]> = {}): Transport {
  return new Transport({
    domain,
    key,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  })
}
const get = (retry: ApiRequest['retry'] = 'idempotent', method: ApiRequest['method'] = 'GET'): ApiRequest => ({
  endpoint: 'getProject',
  method,
  path: '/v2/public/projects/p',
  retry,
  transport: 'rest-v2',
  body: method === 'GET' ? null : '{}',
})

describe('retryDelayMs', () => {
  it('grows exponentially with equal jitter, capped', () => {
    const p = DEFAULT_RETRY_POLICY
    expect([1, 2, 3].map((n) => retryDelayMs(n, null, p, () => 0))).toEqual([750, 1500, 3000])
    expect([1, 2, 3].map((n) => retryDelayMs(n, null, p, () => 1))).toEqual([1500, 3000, 6000])
    expect(retryDelayMs(20, null, p, () => 1)).toBe(p.maxRetryDelayMs)
  })
  it('uses Retry-After (plus ≤10 % jitter) and refuses waits over the cap', () => {
    const p = DEFAULT_RETRY_POLICY
    expect(retryDelayMs(1, 7, p, () => 0)).toBe(7000)
    expect(retryDelayMs(1, 7, p, () => 1)).toBeCloseTo(7700)
    expect(retryDelayMs(1, 0, p, () => 1)).toBe(0)
    expect(retryDelayMs(1, 61, p, () => 0)).toBeNull()
  })
})

describe('Transport retries', () => {
  it('retries 429 honouring Retry-After (seconds and HTTP date), then 502 with backoff', async () => {
    const sleeps: number[] = []
    const now = Date.UTC(2026, 0, 1)
    const t = makeTransport(sleeps, { now: () => now })
    steps = [
      json(429, { message: 'slow down' }, { 'retry-after': '2' }),
      json(429, {}, { 'retry-after': new Date(now + 5000).toUTCString() }),
      json(502, { message: 'bad gateway' }),
      json(200, { ok: true }),
    ]
    const res = await t.send(get())
    expect(res.status).toBe(200)
    expect(res.attempts).toBe(4)
    expect(sleeps).toEqual([2100, 5250, 4500]) // Retry-After 2 s and 5 s (+5 % jitter at random 0.5), then backoff 6 s × 0.75
    expect(t.stats()).toMatchObject({
      requests: { getProject: 4 },
      retries: { getProject: 3 },
      totalRequests: 4,
      totalRetries: 3,
    })
    await t.close()
  })

  it('stops after the configured retries and hands back the last response', async () => {
    const sleeps: number[] = []
    const t = makeTransport(sleeps, { retries: 2 })
    steps = [json(503, {}), json(503, {}), json(503, { message: 'down' })]
    const res = await t.send(get())
    expect(res.status).toBe(503)
    expect(res.attempts).toBe(3)
    expect(sleeps).toHaveLength(2)
    await t.close()
  })

  it('does not wait for a Retry-After beyond the cap', async () => {
    const sleeps: number[] = []
    const t = makeTransport(sleeps, { maxRetryDelayMs: 10_000 })
    steps = [json(429, {}, { 'retry-after': '3600' })]
    const res = await t.send(get())
    expect(res.status).toBe(429)
    expect(sleeps).toEqual([])
    await t.close()
  })

  it('never retries statuses or dropped connections for connect-only calls (PATCH)', async () => {
    const sleeps: number[] = []
    const t = makeTransport(sleeps)
    steps = [json(503, {})]
    expect((await t.send(get('connect-only', 'PATCH'))).status).toBe(503)
    steps = [drop]
    const error = await t.send(get('connect-only', 'PATCH')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EncordNetworkError)
    expect((error as EncordNetworkError).ambiguous).toBe(true)
    expect(sleeps).toEqual([])
    await t.close()
  })

  it('retries only 429 for unapplied calls (proceed); a 5xx or a dropped response goes back to the caller', async () => {
    const sleeps: number[] = []
    const t = makeTransport(sleeps)
    steps = [json(429, {}, { 'retry-after': '1' }), json(500, {})]
    expect((await t.send(get('unapplied', 'POST'))).status).toBe(500)
    expect(sleeps).toHaveLength(1)
    steps = [drop]
    await expect(t.send(get('unapplied', 'POST'))).rejects.toBeInstanceOf(EncordNetworkError)
    await t.close()
  })

  it('retries dropped connections for idempotent calls', async () => {
    const sleeps: number[] = []
    const t = makeTransport(sleeps)
    steps = [drop, json(200, { ok: 1 })]
    expect((await t.send(get())).status).toBe(200)
    expect(sleeps).toHaveLength(1)
    await t.close()
  })

  it('retries refused connections for every call, and reports them as not ambiguous', async () => {
    const sleeps: number[] = []
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const t = new Transport({ domain: `http://127.0.0.1:${port}`, key, sleep: async (ms) => void sleeps.push(ms) })
    const error = (await t.send(get('connect-only', 'PATCH')).catch((e: unknown) => e)) as EncordNetworkError
    expect(error).toBeInstanceOf(EncordNetworkError)
    expect(error.networkCode).toBe('ECONNREFUSED')
    expect(error.ambiguous).toBe(false)
    expect(error.attempts).toBe(4)
    expect(sleeps).toHaveLength(3)
    expect(error.message).not.toMatch(/encord-sig|Signature/)
    await t.close()
  })

  it('times out a request that gets no answer', async () => {
    const t = makeTransport([], { timeoutMs: 200, retries: 0 })
    steps = [() => undefined] // never answers
    const error = (await t.send(get()).catch((e: unknown) => e)) as EncordNetworkError
    expect(error).toBeInstanceOf(EncordNetworkError)
    expect(error.networkCode).toBe('UND_ERR_HEADERS_TIMEOUT')
    expect(error.ambiguous).toBe(true)
    await t.close()
  })

  it('signs requests, reuses one keep-alive connection, and counts it', async () => {
    const t = makeTransport([])
    steps = Array.from({ length: 10 }, () => json(200, {}))
    for (let i = 0; i < 10; i++) await t.send(get())
    // Each request is sent as soon as the previous one resolved: the socket must be free by then
    // (undici would otherwise open a new connection, a handshake on a WAN, for the next request).
    expect(t.stats().connections).toBe(1)
    expect(t.stats().totalRequests).toBe(10)
    expect(seen[0].headers['signature-input']).toMatch(
      /^encord-sig=\("@method" "@request-target" "content-digest"\);created=\d+;keyid="bd879c96/,
    )
    expect(seen[0].headers['x-cloud-trace-context']).toMatch(/^[0-9a-f]{32}\/1;o=1$/)
    expect(seen[0].headers['content-digest']).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:')
    await t.close()
  })

  describe('a reply whose caller sends its next request at once (nextAtOnce, the listing)', () => {
    /** Whether `send` resolved before an immediate queued when the reply's body was complete. */
    async function resolvedBeforeCheckPhase(t: Transport, nextAtOnce = true): Promise<boolean> {
      const { subscribe, unsubscribe } = await import('node:diagnostics_channel')
      const order: string[] = []
      const onTrailers = (): void => void setImmediate(() => order.push('check phase'))
      subscribe('undici:request:trailers', onTrailers)
      try {
        steps.push(json(200, {}))
        await t.send({ ...get(), nextAtOnce }).then(() => order.push('resolved'))
        await new Promise((r) => setImmediate(r))
      } finally {
        unsubscribe('undici:request:trailers', onTrailers)
      }
      return order[0] === 'resolved'
    }

    it('waits for its socket to be free when no other connection is idle: one connection for a chain', async () => {
      const t = makeTransport([])
      steps = Array.from({ length: 10 }, () => json(200, {}))
      for (let i = 0; i < 10; i++) await t.send({ ...get(), nextAtOnce: true })
      expect(t.stats().connections).toBe(1)
      expect(await resolvedBeforeCheckPhase(t)).toBe(false)
      await t.close()
    })

    it('is handed over at once when another connection is idle, and the chain opens no new one', async () => {
      const t = makeTransport([])
      t.preconnect(3)
      steps = Array.from({ length: 10 }, () => json(200, {}))
      for (let i = 0; i < 10; i++) await t.send({ ...get(), nextAtOnce: true })
      expect(await resolvedBeforeCheckPhase(t)).toBe(true)
      expect(t.stats().connections).toBe(3)
      // Without nextAtOnce the reply still waits for its socket.
      expect(await resolvedBeforeCheckPhase(t, false)).toBe(false)
      await t.close()
    })
  })

  it('decompresses gzip responses (legacy calls ask for gzip)', async () => {
    const t = makeTransport([])
    steps = [
      (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync('{"status": 200, "response": true}')),
    ]
    const res = await t.send({
      endpoint: 'saveLabelRows',
      method: 'POST',
      path: '/public',
      body: '{}',
      retry: 'idempotent',
      transport: 'legacy-rpc',
      headers: [
        ['ResourceType', 'project'],
        ['ResourceID', 'p'],
      ],
    })
    expect(res.bodyText).toBe('{"status": 200, "response": true}')
    expect(seen[0].headers['accept-encoding']).toBe('gzip')
    expect(seen[0].headers.authorization).toMatch(/^bd879c96[0-9a-f]{56}:[0-9a-f]{128}$/)
    expect(seen[0].headers.resourceid).toBe('p')
    await t.close()
  })

  it('sleeps for real between retries with the default sleep (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const t = new Transport({ domain, key, random: () => 0 })
      steps = [json(503, {}), json(200, {})]
      let done = false
      const p = t.send(get()).then((r) => {
        done = true
        return r
      })
      // Let the first response arrive, then check the retry is waiting on its 750 ms timer.
      await vi.waitFor(() => expect(vi.getTimerCount()).toBeGreaterThan(0), { interval: 5 })
      await vi.advanceTimersByTimeAsync(700)
      expect(done).toBe(false)
      await vi.advanceTimersByTimeAsync(100)
      expect((await p).status).toBe(200)
      await t.close()
    } finally {
      vi.useRealTimers()
    }
  })
})
