import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool } from 'undici'
import { afterAll, describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../encord/auth/keys.js'
import { signRequest } from '../encord/auth/sign.js'
import { pythonJson } from '../encord/python-json.js'
import { generateFixtureFile } from '../services/emulator-generate.js'
import { generateFixture } from './generate.js'
import { startEmulator, type EmulatorHandle } from './index.js'

/**
 * Sanity checks of speed and size (the 2,000 requests/s figure is measured by the bench, on a quiet
 * machine; here the bar is low because tests share two cores with everything else).
 */
const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
const users = [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }]
const handles: EmulatorHandle[] = []
afterAll(async () => {
  for (const h of handles) await h.stop()
})

function signedHeaders(domain: string, method: string, path: string, body: string | null): Record<string, string> {
  const headers: Record<string, string> = body === null ? {} : { 'content-type': 'application/json' }
  for (const [k, v] of signRequest({ method, url: domain + path, body, privateKey: key })) headers[k] = v
  return headers
}

describe('emulator speed', () => {
  it('serves many small signed requests per second over keep-alive connections', async () => {
    const fixture = generateFixture({ tasks: 200, seed: 4, users })
    const e = await startEmulator({ fixture, inMemory: true })
    handles.push(e)
    const path = `/v2/public/projects/${fixture.projects[0].projectHash}`
    const pool = new Pool(e.domain, { connections: 8 })
    const total = 1500
    // Every request distinct (no verification cache hits), signed beforehand so the measure is the server's.
    const requests = Array.from({ length: total }, (_, i) => {
      const p = `${path}?n=${i}`
      return { path: p, headers: signedHeaders(e.domain, 'GET', p, null) }
    })
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const r = requests[next++]
          const res = await pool.request({ method: 'GET', path: r.path, headers: r.headers })
          await res.body.dump()
          expect(res.statusCode).toBe(200)
        }
      }),
    )
    const perSecond = total / ((performance.now() - started) / 1000)
    await pool.close()
    console.log(`emulator: ${Math.round(perSecond)} signed GET project requests/s`)
    expect(perSecond).toBeGreaterThan(400)
    expect(e.stats().connections.opened).toBeLessThanOrEqual(8)
  })

  it('holds 100,000 tasks: pages and proceeds stay fast', async () => {
    const fixture = generateFixture({ tasks: 100_000, seed: 5, users, labelledFraction: 0 })
    const p = fixture.projects[0]
    const agent = p.workflow.stages.find((s) => s.stageType === 'AGENT')!
    let t = performance.now()
    const e = await startEmulator({ fixture, inMemory: true, pageSize: 100 })
    handles.push(e)
    const startMs = performance.now() - t
    const pool = new Pool(e.domain, { connections: 4 })
    const tasksPath = `/v2/public/projects/${p.projectHash}/workflow/stages/${agent.uuid}/tasks`
    const actionsPath = `/v2/public/projects/${p.projectHash}/workflow/stages/${agent.uuid}/actions`
    t = performance.now()
    let token: string | undefined
    let moved = 0
    for (let page = 0; page < 20; page++) {
      const path = tasksPath + (token ? `?pageToken=${token}` : '')
      const res = await pool.request({ method: 'GET', path, headers: signedHeaders(e.domain, 'GET', path, null) })
      const body = (await res.body.json()) as { results: Array<{ uuid: string }>; nextPageToken?: string }
      expect(body.results).toHaveLength(100)
      token = body.nextPageToken
      const actions = pythonJson(
        body.results.map((r) => ({ taskUuid: r.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' })),
      )
      const post = await pool.request({
        method: 'POST',
        path: actionsPath,
        headers: signedHeaders(e.domain, 'POST', actionsPath, actions),
        body: actions,
      })
      await post.body.dump()
      expect(post.statusCode).toBe(204)
      moved += body.results.length
    }
    const loopMs = performance.now() - t
    await pool.close()
    console.log(
      `emulator: 100,000 tasks loaded in ${Math.round(startMs)} ms; 20 pages + 2,000 proceeds in ${Math.round(loopMs)} ms`,
    )
    expect(moved).toBe(2000)
    expect(e.state.projects.get(p.projectHash)!.stageIndexes.get(agent.uuid)!.size).toBe(98_000)
    expect(loopMs).toBeLessThan(5000)
  })

  it('generates 100,000 tasks in a few seconds, written compact', async () => {
    const started = performance.now()
    const dir = mkdtempSync(join(tmpdir(), 'generate-'))
    const result = await generateFixtureFile({ out: join(dir, 'big.json'), tasks: 100_000, seed: 7 })
    expect(performance.now() - started).toBeLessThan(15_000)
    expect(result.tasks).toBe(100_000)
    const text = readFileSync(result.out, 'utf8')
    expect(text.startsWith('{"format":')).toBe(true)
    await expect(generateFixtureFile({ out: result.out, tasks: 1 })).rejects.toMatchObject({ code: 'FileExists' })
  })
})
