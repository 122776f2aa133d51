import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../encord/auth/keys.js'
import { signRequest } from '../encord/auth/sign.js'
import { startEmulator, type EmulatorHandle } from './index.js'
import { legacyCall, signedRequest, specFixture } from './testing.js'

const specDir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const vectors = JSON.parse(readFileSync(specDir + 'vectors.json', 'utf8')) as {
  key: { public_key_hex: string; private_key_openssh: string }
  clock: { frozen_unix_time: number }
  vectors: Array<{
    id: string
    transport: string
    request: { method: string; path_and_query: string; headers: Array<[string, string]>; body_base64: string | null }
  }>
}
const FROZEN_MS = vectors.clock.frozen_unix_time * 1000
const PROJECT = '7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11'

async function replay(domain: string, v: (typeof vectors.vectors)[number], mutate?: { path?: string; body?: Buffer }) {
  const headers: Record<string, string> = {}
  for (const [name, value] of v.request.headers) if (name !== 'Content-Length') headers[name] = value
  const body =
    mutate?.body ?? (v.request.body_base64 === null ? undefined : Buffer.from(v.request.body_base64, 'base64'))
  const res = await request(domain + (mutate?.path ?? v.request.path_and_query), {
    method: v.request.method as 'GET',
    headers,
    body,
  })
  const text = await res.body.text()
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined }
}

/** Change one character of the first uuid in the path (the route still matches, the signature must not). */
function flipPath(pathAndQuery: string): string | null {
  const m = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(pathAndQuery)
  if (!m) return null
  const i = m.index + m[0].length - 1
  return pathAndQuery.slice(0, i) + (pathAndQuery[i] === '0' ? '1' : '0') + pathAndQuery.slice(i + 1)
}

describe('signature verification with the spec vectors (clock near frozen_unix_time)', () => {
  let emulator: EmulatorHandle
  beforeAll(async () => {
    emulator = await startEmulator({ fixture: specFixture(specDir), pageSize: 2, clock: () => FROZEN_MS + 5_000 })
  })
  afterAll(() => emulator.stop())

  for (const v of vectors.vectors) {
    it(`accepts ${v.id}, rejects it with one byte flipped`, async () => {
      const flipped = flipPath(v.request.path_and_query)
      if (v.transport === 'rest-v2' && flipped !== null) {
        const bad = await replay(emulator.domain, v, { path: flipped })
        expect(bad.status).toBe(401)
        expect(bad.json).toEqual({ message: expect.any(String) })
      }
      if (v.request.body_base64 !== null) {
        const body = Buffer.from(v.request.body_base64, 'base64')
        body[Math.floor(body.length / 2)] ^= 0x01
        const bad = await replay(emulator.domain, v, { body })
        expect(bad.status).toBe(401)
        if (v.transport === 'legacy-rpc') expect(bad.json).toEqual({ status: 401, response: ['AUTHENTICATION_ERROR'] })
      }
      const good = await replay(emulator.domain, v)
      expect(good.status, JSON.stringify(good.json)).toBeLessThan(300)
      if (v.transport === 'legacy-rpc') expect(good.json.status).toBe(200)
    })
  }

  it('served the spec pages: page token = last task uuid of the page', () => {
    const log = emulator.stats().requests.byEndpoint
    expect(log['list-tasks']).toEqual({ '200': 2, '401': 2 })
    expect(log['proceed']).toEqual({ '204': 1, '401': 2 })
    expect(log['get-storage-items']).toEqual({ '200': 1, '401': 1 })
    expect(emulator.stats().proceeds.total).toBe(2)
  })
})

describe('authentication failures get the service answers', () => {
  const key = parsePrivateKey(vectors.key.private_key_openssh)
  const stranger = parsePrivateKey(generateOpenSshKey().privateKeyText)
  const now = FROZEN_MS
  let emulator: EmulatorHandle
  beforeAll(async () => {
    const fixture = specFixture(specDir)
    // A second project the test key has no access to.
    const other = structuredClone(fixture.projects[0])
    other.projectHash = '00000000-0000-4000-8000-0000000000ff'
    other.tasks = []
    other.labelRows = []
    fixture.projects.push(other)
    emulator = await startEmulator({ fixture, clock: () => now })
  })
  afterAll(() => emulator.stop())
  const at = () => now / 1000

  it('v2: missing signature → 401 {message}', async () => {
    const res = await request(`${emulator.domain}/v2/public/projects/${PROJECT}`)
    expect(res.statusCode).toBe(401)
    expect(await res.body.json()).toEqual({ message: expect.stringContaining('Missing request signature') })
  })

  it('v2: created outside [now-330s, now+60s] → 401; inside → 200', async () => {
    const path = `/v2/public/projects/${PROJECT}`
    // signRequest backdates created by 30 s: now=at()-300 → created = at()-330 (the edge, accepted)
    expect((await signedRequest(emulator.domain, key, 'GET', path, { now: at() - 300 })).status).toBe(200)
    const stale = await signedRequest(emulator.domain, key, 'GET', path, { now: at() - 301 })
    expect(stale.status).toBe(401)
    expect(stale.json.message).toMatch(/expired/)
    expect((await signedRequest(emulator.domain, key, 'GET', path, { now: at() + 90 })).status).toBe(200)
    const future = await signedRequest(emulator.domain, key, 'GET', path, { now: at() + 91 })
    expect(future.status).toBe(401)
    expect(future.json.message).toMatch(/future/)
  })

  it('v2: unknown key → 401; known key without access → 403; unknown project → 404', async () => {
    const unknown = await signedRequest(emulator.domain, stranger, 'GET', `/v2/public/projects/${PROJECT}`, {
      now: at(),
    })
    expect(unknown.status).toBe(401)
    const forbidden = await signedRequest(
      emulator.domain,
      key,
      'GET',
      '/v2/public/projects/00000000-0000-4000-8000-0000000000ff',
      { now: at() },
    )
    expect(forbidden).toMatchObject({ status: 403, json: { message: expect.any(String) } })
    const missing = await signedRequest(
      emulator.domain,
      key,
      'GET',
      '/v2/public/projects/00000000-0000-4000-8000-000000000000',
      { now: at() },
    )
    expect(missing).toMatchObject({ status: 404, json: { message: 'Not found' } })
  })

  it('v2: wrong components, wrong alg, digest mismatch → 401', async () => {
    const url = `${emulator.domain}/v2/public/projects/${PROJECT}`
    const headers = Object.fromEntries(signRequest({ method: 'GET', url, privateKey: key, now: at() }))
    const send = async (h: Record<string, string>) => (await request(url, { headers: h })).statusCode
    expect(await send(headers)).toBe(200)
    expect(
      await send({ ...headers, 'Signature-Input': headers['Signature-Input'].replace(' "content-digest"', '') }),
    ).toBe(401)
    expect(
      await send({
        ...headers,
        'Signature-Input': headers['Signature-Input'].replace('alg="ed25519"', 'alg="rsa-pss-sha512"'),
      }),
    ).toBe(401)
    expect(await send({ ...headers, 'Content-Digest': 'sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:' })).toBe(
      401,
    )
    expect(await send({ ...headers, Signature: 'encord-sig=:AAAA:' })).toBe(401)
  })

  it('legacy: missing Authorization → 401 AUTHENTICATION_ERROR; unknown key → 400 SSH_KEY_NOT_FOUND_ERROR; no access → 403', async () => {
    const res = await request(`${emulator.domain}/public`, {
      method: 'POST',
      body: '{}',
      headers: { ResourceType: 'project', ResourceID: PROJECT },
    })
    expect(res.statusCode).toBe(401)
    expect(await res.body.json()).toEqual({ status: 401, response: ['AUTHENTICATION_ERROR'] })
    const unknown = await legacyCall(emulator.domain, stranger, PROJECT, 'labelrowmetadata', 'GET', null, {})
    expect(unknown.status).toBe(400)
    expect(unknown.json).toMatchObject({
      status: 400,
      response: ['SSH_KEY_NOT_FOUND_ERROR'],
      payload: expect.any(String),
    })
    const forbidden = await legacyCall(
      emulator.domain,
      key,
      '00000000-0000-4000-8000-0000000000ff',
      'labelrowmetadata',
      'GET',
      null,
      {},
    )
    expect(forbidden).toMatchObject({ status: 403, json: { status: 403, response: ['AUTHORISATION_ERROR'] } })
    const missing = await legacyCall(
      emulator.domain,
      key,
      '00000000-0000-4000-8000-000000000000',
      'labelrowmetadata',
      'GET',
      null,
      {},
    )
    expect(missing).toMatchObject({ status: 404, json: { status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] } })
  })

  it('allowKeys and allowAnyKey let other keys in', async () => {
    emulator.allowKey(stranger.publicKeyHex)
    expect(
      (
        await signedRequest(
          emulator.domain,
          stranger,
          'GET',
          '/v2/public/projects/00000000-0000-4000-8000-0000000000ff',
          { now: at() },
        )
      ).status,
    ).toBe(200)
    const any = await startEmulator({ fixture: specFixture(specDir), allowAnyKey: true, clock: () => now })
    try {
      const other = parsePrivateKey(generateOpenSshKey().privateKeyText)
      expect(
        (await signedRequest(any.domain, other, 'GET', `/v2/public/projects/${PROJECT}`, { now: at() })).status,
      ).toBe(200)
      expect((await legacyCall(any.domain, other, PROJECT, 'labelrowmetadata', 'GET', null, {}, at())).status).toBe(200)
    } finally {
      await any.stop()
    }
  })

  it('counts auth failures in stats', () => {
    expect(emulator.stats().authFailures).toBeGreaterThanOrEqual(8)
  })
})
