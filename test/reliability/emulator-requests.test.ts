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
import { legacyCall } from '../../src/emulator/testing.js'

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
