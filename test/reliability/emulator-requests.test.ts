/**
 * The emulator against hostile requests, over real HTTP (issue 14): a LIKE pattern that made it
 * backtrack for 24 s (item 2), Hosts that are not loopback names (item 1, DNS rebinding), deeply nested
 * bodies (item 4) and big unsigned bodies (item 5). Each answers at once, changes nothing it refused,
 * and leaves the emulator answering everyone else.
 */
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { legacyCall, signedRequest } from '../../src/emulator/testing.js'

const key = parsePrivateKey(generateOpenSshKey('emulator requests').privateKeyText)
const fixture = generateFixture({
  tasks: 200,
  seed: 21,
  users: [{ email: 'me@localhost', publicKeyHex: key.publicKeyHex }],
})
const projectHash = fixture.projects[0].projectHash
let emulator: EmulatorHandle
beforeAll(async () => {
  emulator = await startEmulator({ fixture, inMemory: true })
})
afterAll(() => emulator.stop())

/** GET /_emulator/health, timed. */
async function health(): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  const res = await request(`${emulator.domain}/_emulator/health`, { headersTimeout: 5000 })
  await res.body.dump()
  return { status: res.statusCode, ms: performance.now() - started }
}

describe('LIKE filters (item 2)', () => {
  it('a pattern of many % answers at once and does not block other requests', async () => {
    for (const payload of [
      { data_title_like: '%%%%%%%%%%%%x' },
      { workflow_graph_node_title_like: '%%%%%%%%%%%%%%%%x' },
      { data_title_like: '%_%_%_%_%_%_%_%_%_%_%_%_x' },
    ]) {
      const started = performance.now()
      const [answer, probe] = await Promise.all([
        legacyCall(emulator.domain, key, projectHash, 'labelrowmetadata', 'GET', null, payload),
        health(),
      ])
      const ms = performance.now() - started
      expect(answer.status, answer.text).toBe(200)
      expect(answer.json.response).toEqual([])
      expect(ms, JSON.stringify(payload)).toBeLessThan(2000)
      expect(probe.status).toBe(200)
      expect(probe.ms).toBeLessThan(2000)
    }
  })

  it('still filters as LIKE', async () => {
    const titles = fixture.projects[0].dataUnits.map((u) => u.dataTitle)
    // `%3._%`: a "3." followed by at least one character, anywhere.
    const expected = titles.filter((t) => /3\../s.test(t)).length
    expect(expected).toBeGreaterThan(0)
    const answer = await legacyCall(emulator.domain, key, projectHash, 'labelrowmetadata', 'GET', null, {
      data_title_like: '%3._%',
    })
    expect(answer.status).toBe(200)
    expect(answer.json.response.length).toBe(expected)
  })
})

describe('Host header (item 1, DNS rebinding)', () => {
  /** GET a path with a Host header of our choosing. */
  async function get(path: string, host: string): Promise<{ status: number; text: string }> {
    const res = await request(`${emulator.domain}${path}`, { headers: { host }, headersTimeout: 5000 })
    return { status: res.statusCode, text: await res.body.text() }
  }
  let taskPath = ''
  const task = () => taskPath
  beforeAll(async () => {
    const listing = await get(`/_emulator/api/projects/${projectHash}/tasks?limit=1`, '127.0.0.1')
    const first = (JSON.parse(listing.text) as { results: { uuid: string }[] }).results[0]
    taskPath = `/_emulator/api/projects/${projectHash}/tasks/${first.uuid}`
  })
  const unsigned = () => [
    '/',
    '/_emulator/dashboard/events',
    '/_emulator/api/projects',
    `/_emulator/api/projects/${projectHash}`,
    task(),
    '/_emulator/requests',
    '/_emulator/stats',
    '/_emulator/health',
    '/_emulator/no-such-route',
  ]

  it('every unsigned route refuses a Host that is not a loopback name or address', async () => {
    for (const host of ['rebind.attacker.example', 'rebind.attacker.example:4010', '192.168.1.10:4010', '[fe80::1]']) {
      for (const path of unsigned()) {
        const answer = await get(path, host)
        expect(answer.status, `${host} ${path}`).toBe(403)
        expect(answer.text, `${host} ${path}`).toContain('is not a loopback address')
        expect(answer.text).not.toContain(projectHash)
      }
    }
  })

  it('loopback names and addresses, with any port, still answer', async () => {
    for (const host of ['localhost', 'LOCALHOST:4010', '127.0.0.1:1', '127.1.2.3', '[::1]:4010', 'app.localhost']) {
      expect((await get('/_emulator/health', host)).status, host).toBe(200)
      expect((await get(task(), host)).status, host).toBe(200)
    }
  })

  it('the signed Encord API answers any Host', async () => {
    const answer = await signedRequest(emulator.domain, key, 'GET', `/v2/public/projects/${projectHash}`, {
      headers: { host: 'encord.example.com' },
    })
    expect(answer.status, answer.text).toBe(200)
  })
})
