import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../encord/auth/keys.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../emulator/index.js'
import type { Fixture } from '../emulator/fixture.js'
import { signedRequest } from '../emulator/testing.js'
import { findDashboardAssets } from './assets.js'
import { loopbackRefusal as refuse } from '../emulator/loopback-guard.js'

const key = generateOpenSshKey('dashboard routes test')
const signingKey = parsePrivateKey(key.privateKeyText)
let assets: string
let emulator: EmulatorHandle | undefined
const savedDir = process.env.ENCORD_AGENTS_DASHBOARD_DIR

beforeAll(() => {
  // A stand-in build: these tests are about the routes, not the front end (test/dashboard has the browser test).
  assets = mkdtempSync(join(tmpdir(), 'dashboard-assets-'))
  writeFileSync(
    join(assets, 'index.html'),
    '<!doctype html><title>dash</title><script type="module" src="/_emulator/dashboard/assets/app.js"></script>',
  )
  writeFileSync(join(assets, 'app.js'), 'console.log("app")')
  writeFileSync(join(assets, 'app.css'), 'body{}')
  process.env.ENCORD_AGENTS_DASHBOARD_DIR = assets
})
afterAll(() => {
  rmSync(assets, { recursive: true, force: true })
  if (savedDir === undefined) delete process.env.ENCORD_AGENTS_DASHBOARD_DIR
  else process.env.ENCORD_AGENTS_DASHBOARD_DIR = savedDir
})
afterEach(async () => {
  await emulator?.stop()
  emulator = undefined
})

/** A generated project plus one image group (two generated PNGs of different sizes). */
function fixtureWithGroup(): Fixture {
  const fixture = generateFixture({ tasks: 2, seed: 7 })
  const project = fixture.projects[0]
  const child = (uuid: string, width: number) => ({
    ...fixture.storageItems[0],
    uuid,
    name: `${uuid}.png`,
    width,
    height: 20,
    media: { generate: 'png' as const },
    children: [],
  })
  fixture.storageItems.push(child('child-a', 30), child('child-b', 40), {
    ...fixture.storageItems[0],
    uuid: 'group-item',
    name: 'group',
    itemType: 'imageGroup',
    mimeType: null,
    media: undefined,
    children: ['child-a', 'child-b'],
  })
  project.dataUnits.push({
    ...project.dataUnits[0],
    dataHash: 'group-data',
    dataTitle: 'group',
    dataType: 'IMG_GROUP',
    backingItemUuid: 'group-item',
  })
  return fixture
}

async function start(fixture: Fixture = fixtureWithGroup()): Promise<EmulatorHandle> {
  emulator = await startEmulator({ fixture, inMemory: true, allowKeys: [key.publicKeyHex] })
  return emulator
}

describe('dashboard routes', () => {
  it('serves the app at / with a policy that allows nothing but the emulator itself', async () => {
    const e = await start()
    const page = await fetch(`${e.domain}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('/_emulator/dashboard/assets/app.js')
    const script = await fetch(`${e.domain}/_emulator/dashboard/assets/app.js`)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await script.text()).toBe('console.log("app")')
    // Only plain file names of known types from the assets folder.
    for (const name of ['..%2Fpackage.json', '.hidden.js', 'index.ts', 'missing.js']) {
      expect((await fetch(`${e.domain}/_emulator/dashboard/assets/${name}`)).status, name).toBe(404)
    }
  })

  it('is read-only: no route of the dashboard accepts anything but GET', async () => {
    const e = await start()
    for (const url of [
      '/',
      '/_emulator/dashboard/events',
      '/_emulator/dashboard/assets/app.js',
      `/_emulator/dashboard/projects/${e.state.projects.keys().next().value}/media/x`,
    ]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        const res = await e.app.inject({ method, url })
        expect(res.statusCode, `${method} ${url}`).toBe(404)
      }
    }
  })

  it('answers loopback clients under loopback or IP host names only', async () => {
    const e = await start()
    expect((await e.app.inject({ url: '/', remoteAddress: '10.1.2.3' })).statusCode).toBe(403)
    const rebound = await e.app.inject({ url: '/', headers: { host: 'attacker.example:4010' } })
    expect(rebound.statusCode).toBe(403)
    expect(rebound.body).toContain('not a loopback address')
    for (const host of ['127.0.0.1:4010', 'localhost:4010', '[::1]:4010', 'app.localhost']) {
      expect((await e.app.inject({ url: '/', headers: { host } })).statusCode, host).toBe(200)
    }
    expect(refuse({ socket: { remoteAddress: '::1' }, headers: { host: 'LOCALHOST' } })).toBeNull()
  })

  it('serves a data unit’s media without a signed URL, image group images by unit, with ranges', async () => {
    const e = await start()
    const project = [...e.state.projects.values()][0]
    const unit = [...project.dataUnits.values()][0]
    const base = `${e.domain}/_emulator/dashboard/projects/${project.projectHash}/media`
    const image = await fetch(`${base}/${unit.dataHash}`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    const bytes = Buffer.from(await image.arrayBuffer())
    expect(bytes.subarray(1, 4).toString()).toBe('PNG')
    expect(bytes.readUInt32BE(16)).toBe(unit.width)

    const part = await fetch(`${base}/${unit.dataHash}`, { headers: { range: 'bytes=1-3' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 1-3/${bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('PNG')
    expect((await fetch(`${base}/${unit.dataHash}`, { headers: { range: `bytes=${bytes.length + 5}-` } })).status).toBe(
      416,
    )

    const second = Buffer.from(await (await fetch(`${base}/group-data?unit=child-b`)).arrayBuffer())
    expect(second.readUInt32BE(16)).toBe(40)
    // Only the group's own children, only this project's data units.
    expect((await fetch(`${base}/group-data?unit=${[...e.state.storageItems.keys()][0]}`)).status).toBe(404)
    expect((await fetch(`${base}/no-such-data`)).status).toBe(404)
    expect((await fetch(`${e.domain}/_emulator/dashboard/projects/nope/media/${unit.dataHash}`)).status).toBe(404)
  })

  it('streams a change event when the state changes, and the request count', async () => {
    const e = await start()
    const project = [...e.state.projects.values()][0]
    const controller = new AbortController()
    const res = await fetch(`${e.domain}/_emulator/dashboard/events`, { signal: controller.signal })
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = res.body!.getReader()
    let text = ''
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 5000
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(text)}`)
        const { value, done } = await reader.read()
        if (done) throw new Error('stream ended')
        text += Buffer.from(value).toString()
      }
    }
    await until(/event: hello\ndata: \{"revision":0,"requests":0\}/)
    const dataHash = [...project.dataUnits.keys()][0]
    const set = await signedRequest(
      e.domain,
      signingKey,
      'POST',
      `/v2/public/projects/${project.projectHash}/priorities`,
      { body: { priorities: [[dataHash, 0.9]] } },
    )
    expect(set.status).toBe(204)
    await until(/event: change\ndata: \{"revision":1,"kinds":\["priority"\]\}/)
    await until(/event: requests\ndata: \{"total":1\}/)
    controller.abort()
    // The stream ends with the emulator, which stops promptly with a client connected.
    const again = await fetch(`${e.domain}/_emulator/dashboard/events`)
    const started = Date.now()
    await e.stop()
    expect(Date.now() - started).toBeLessThan(2000)
    await again.body?.cancel().catch(() => {})
  })

  it('finds the built front end: the override first, then the package, then the checkout', () => {
    expect(findDashboardAssets({ ENCORD_AGENTS_DASHBOARD_DIR: assets })).toBe(assets)
    const found = findDashboardAssets({ ENCORD_AGENTS_DASHBOARD_DIR: join(assets, 'nothing-here') })
    expect(found === null || found.endsWith(join('dist', 'dashboard', 'public'))).toBe(true)
  })
})
