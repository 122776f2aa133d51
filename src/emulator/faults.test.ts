import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Client, Pool } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../encord/auth/keys.js'
import { signRequest } from '../encord/auth/sign.js'
import { pythonJson } from '../encord/python-json.js'
import { FaultInjector, type FaultConfig } from './faults.js'
import { generateFixture } from './generate.js'
import { startEmulator, type EmulatorHandle } from './index.js'

const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
const fixture = generateFixture({
  tasks: 6,
  seed: 9,
  users: [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }],
})
const P = fixture.projects[0].projectHash
const AGENT = fixture.projects[0].workflow.stages.find((s) => s.stageType === 'AGENT')!
const actions = `/v2/public/projects/${P}/workflow/stages/${AGENT.uuid}/actions`

let emulator: EmulatorHandle | undefined
let pool: Pool | undefined
afterEach(async () => {
  await pool?.close()
  await emulator?.stop()
  pool = emulator = undefined
})

async function start(faults: FaultConfig, seed = 1): Promise<EmulatorHandle> {
  emulator = await startEmulator({ fixture, faults, seed })
  pool = new Pool(emulator.domain, { connections: 1 })
  return emulator
}

function signed(method: string, projectHash: string): Record<string, string> {
  const url = `${emulator!.domain}/v2/public/projects/${projectHash}`
  return Object.fromEntries(signRequest({ method, url, body: null, privateKey: key }))
}

async function send(method: string, path: string, body?: unknown) {
  const text = body === undefined ? null : pythonJson(body)
  const headers: Record<string, string> = text === null ? {} : { 'content-type': 'application/json' }
  for (const [k, v] of signRequest({ method, url: emulator!.domain + path, body: text, privateKey: key }))
    headers[k] = v
  const started = performance.now()
  const res = await pool!.request({ method: method, path, headers, body: text ?? undefined })
  const out = await res.body.text()
  return { status: res.statusCode, headers: res.headers, body: out, ms: performance.now() - started }
}

const proceedBody = (taskUuid: string) => [{ taskUuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' }]
const stageOf = (taskUuid: string) => emulator!.state.tasks.get(taskUuid)!.stageUuid
const task = (i: number) => fixture.projects[0].tasks[i].uuid

describe('fault injection', () => {
  it('fixed latency applies to every request (faults.latencyMs, or the latencyMs shorthand of startEmulator)', async () => {
    await start({ latencyMs: 60 })
    const r = await send('GET', `/v2/public/projects/${P}`)
    expect(r.status).toBe(200)
    expect(r.ms).toBeGreaterThanOrEqual(55)
    await pool!.close()
    await emulator!.stop()
    emulator = await startEmulator({ fixture, latencyMs: 60 })
    pool = new Pool(emulator.domain, { connections: 1 })
    const shorthand = await send('GET', `/v2/public/projects/${P}`)
    expect(shorthand.status).toBe(200)
    expect(shorthand.ms).toBeGreaterThanOrEqual(55)
  })

  it('with overlapService the latency still delays every reply, and a slow answer comes after it', async () => {
    await start({ latencyMs: 60, overlapService: true })
    const r = await send('GET', `/v2/public/projects/${P}`)
    expect(r.status).toBe(200)
    expect(r.ms).toBeGreaterThanOrEqual(55)
    await pool!.close()
    await emulator!.stop()
    await start({ latencyMs: 60, overlapService: true, rules: [{ endpoint: '*', kind: 'slow', delayMs: 60 }] })
    const slow = await send('GET', `/v2/public/projects/${P}`)
    expect(slow.status).toBe(200)
    expect(slow.ms).toBeGreaterThanOrEqual(115)
  })

  it('connection latency delays only the first request of each connection', async () => {
    await start({ connectionLatencyMs: 150 })
    const first = await send('GET', `/v2/public/projects/${P}`)
    const second = await send('GET', `/v2/public/projects/${P}`)
    expect(first.ms).toBeGreaterThanOrEqual(140)
    expect(second.ms).toBeLessThan(100)
    expect(emulator!.stats().connections.opened).toBe(1)
  })

  it('the handshake is charged per TCP connection from its accept: a connection opened early pays nothing', async () => {
    await start({ connectionLatencyMs: 300, latencyMs: 20, overlapService: true })
    const { hostname, port } = new URL(emulator!.domain)
    const socket = connect(Number(port), hostname)
    await once(socket, 'connect')
    await sleep(350)
    // A client whose only connection is the one opened 350 ms ago (its handshake is over); undici
    // wants its connector to call back asynchronously.
    const warm = new Client(emulator!.domain, {
      connect: (_opts, callback) => void setImmediate(() => callback(null, socket)),
    })
    try {
      const started = performance.now()
      const res = await warm.request({ method: 'GET', path: `/v2/public/projects/${P}`, headers: signed('GET', P) })
      await res.body.text()
      expect(res.statusCode).toBe(200)
      expect(performance.now() - started).toBeLessThan(250)
    } finally {
      await warm.close()
    }
    // A connection used at once still waits for its handshake.
    const cold = await send('GET', `/v2/public/projects/${P}`)
    expect(cold.ms).toBeGreaterThanOrEqual(300)
    expect(emulator!.stats().connections.opened).toBe(2)
  })

  it('5xx and 429 (Retry-After) answer without applying anything', async () => {
    await start({ rules: [{ endpoint: 'proceed', rate: 1, kind: '429', retryAfter: 7 }] })
    const limited = await send('POST', actions, proceedBody(task(0)))
    expect(limited.status).toBe(429)
    expect(limited.headers['retry-after']).toBe('7')
    expect(JSON.parse(limited.body)).toEqual({ message: expect.stringContaining('Too many requests') })
    expect(stageOf(task(0))).toBe(AGENT.uuid)
    // Other endpoints are untouched by a rule for `proceed`.
    expect((await send('GET', `/v2/public/projects/${P}`)).status).toBe(200)
    await pool!.close()
    await emulator!.stop()
    await start({ rules: [{ endpoint: '*', rate: 1, kind: '5xx', status: 502 }] })
    expect((await send('POST', actions, proceedBody(task(0)))).status).toBe(502)
    expect(stageOf(task(0))).toBe(AGENT.uuid)
    expect(emulator!.stats().faults.byEndpoint).toEqual({ proceed: { '5xx': 1 } })
  })

  it('reset-before drops the connection and applies nothing; reset-after applies, then drops it', async () => {
    await start({ rules: [{ endpoint: 'proceed', rate: 1, kind: 'reset-before' }] })
    await expect(send('POST', actions, proceedBody(task(1)))).rejects.toThrow()
    expect(stageOf(task(1))).toBe(AGENT.uuid)
    expect(emulator!.stats().requests.byEndpoint.proceed).toEqual({ reset: 1 })
    await pool!.close()
    await emulator!.stop()

    // The first proceed is reset after applying; the retry goes through.
    await start({ rules: [{ endpoint: 'proceed', kind: 'reset-after', times: 1 }] })
    await expect(send('POST', actions, proceedBody(task(1)))).rejects.toThrow()
    expect(stageOf(task(1))).not.toBe(AGENT.uuid)
    expect(emulator!.stats().proceeds.byTask[task(1)]).toBe(1)
    // The client's retry of the same request is answered 2xx and not applied a second time.
    expect((await send('POST', actions, proceedBody(task(1)))).status).toBe(204)
    expect(emulator!.stats().proceeds.byTask[task(1)]).toBe(1)
    expect(emulator!.stats().requests.byEndpoint.proceed).toEqual({ reset: 1, '204': 1 })
  })

  it('slow answers apply first, then wait', async () => {
    await start({ rules: [{ endpoint: 'proceed', rate: 1, kind: 'slow', delayMs: 250 }] })
    const pending = send('POST', actions, proceedBody(task(2)))
    await new Promise((r) => setTimeout(r, 100))
    expect(stageOf(task(2))).not.toBe(AGENT.uuid)
    const r = await pending
    expect(r.status).toBe(204)
    expect(r.ms).toBeGreaterThanOrEqual(240)
  })

  it('is seeded: the same seed gives the same faults, each endpoint has its own sequence', () => {
    const config: FaultConfig = { rules: [{ endpoint: '*', rate: 0.3, kind: '5xx' }] }
    const draw = (seed: number, endpoint: string, n = 40) => {
      const f = new FaultInjector(config, seed)
      return Array.from({ length: n }, () => f.decide(endpoint) !== null)
    }
    expect(draw(42, 'proceed')).toEqual(draw(42, 'proceed'))
    expect(draw(42, 'proceed')).not.toEqual(draw(43, 'proceed'))
    const fired = draw(42, 'proceed', 1000).filter(Boolean).length
    expect(fired).toBeGreaterThan(240)
    expect(fired).toBeLessThan(360)
    // Interleaving another endpoint does not change proceed's sequence.
    const f = new FaultInjector(config, 42)
    const mixed = Array.from({ length: 40 }, () => (f.decide('list-tasks'), f.decide('proceed') !== null))
    expect(mixed).toEqual(draw(42, 'proceed'))
    // Jitter is seeded too.
    const j = (seed: number) => {
      const i = new FaultInjector({ latencyMs: 10, jitterMs: 5 }, seed)
      return [i.latency(), i.latency(), i.latency()]
    }
    expect(j(1)).toEqual(j(1))
    expect(j(1).every((x) => x >= 10 && x <= 15)).toBe(true)
  })

  it('skip and times fire on exactly the chosen requests, whatever the seed', async () => {
    const config: FaultConfig = {
      rules: [
        { endpoint: 'proceed', kind: '5xx', skip: 1, times: 2 },
        { endpoint: '*', kind: '429', times: 1 },
      ],
    }
    for (const seed of [0, 1, 'x']) {
      const f = new FaultInjector(config, seed)
      // proceed: 1st passes rule 1 (skipped) and takes rule 2's only 429; 2nd and 3rd are rule 1's 5xx; then nothing.
      expect(Array.from({ length: 6 }, () => f.decide('proceed')?.kind ?? null)).toEqual([
        '429',
        '5xx',
        '5xx',
        null,
        null,
        null,
      ])
      expect(f.decide('list-tasks')).toBeNull()
      expect(f.firedCounts()).toEqual([2, 1])
    }
    // A counted rule with a rate fires at most `times` times.
    const g = new FaultInjector({ rules: [{ kind: '5xx', rate: 0.5, times: 3 }] }, 7)
    expect(Array.from({ length: 200 }, () => g.decide('proceed')).filter(Boolean)).toHaveLength(3)
    // Counted rules leave the seeded draws of other rules alone.
    const plain: FaultConfig = { rules: [{ endpoint: 'proceed', kind: '5xx', rate: 0.3 }] }
    const counted: FaultConfig = { rules: [{ endpoint: 'proceed', kind: '429', skip: 100 }, ...plain.rules!] }
    const a = new FaultInjector(plain, 3)
    const b = new FaultInjector(counted, 3)
    expect(Array.from({ length: 50 }, () => b.decide('proceed')?.kind ?? null)).toEqual(
      Array.from({ length: 50 }, () => a.decide('proceed')?.kind ?? null),
    )

    // Through the server: the second request of the endpoint fails, the first and third do not.
    await start({ rules: [{ endpoint: 'get-project', kind: '5xx', status: 502, skip: 1, times: 1 }] })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await send('GET', `/v2/public/projects/${P}`)).status)
    expect(statuses).toEqual([200, 502, 200])
  })

  it('rejects an invalid configuration with a clear error', async () => {
    await expect(startEmulator({ fixture, faults: { rules: [{ rate: 2, kind: '5xx' }] } })).rejects.toMatchObject({
      code: 'EmulatorBadFaults',
    })
    await expect(startEmulator({ fixture, faults: { rules: [{ times: -1, kind: '5xx' }] } })).rejects.toMatchObject({
      code: 'EmulatorBadFaults',
    })
  })
})
