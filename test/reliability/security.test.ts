/**
 * Security (issue 9): the key-material scan itself, key file permissions, the emulator's loopback
 * default and signature checks on every endpoint, and `init` staying inside its directory. The scan
 * of the whole suite's output runs in the vitest global teardown (test/helpers/output-scan.global.ts);
 * these tests prove it is active and that it finds what it must.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { signRequest } from '../../src/encord/auth/sign.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { legacyCall, signedRequest } from '../../src/emulator/testing.js'
import { initProject } from '../../src/services/init.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'
import { findKeyMaterial, needlesOf, readRecorded, SCAN_DIR_ENV } from '../helpers/output-scan.js'

const tmp = mkdtempSync(join(tmpdir(), 'ea-security-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
beforeAll(() => assertBuilt())

describe('the key-material scan', () => {
  const key = generateOpenSshKey('scan test')
  const seed = Buffer.from(
    String(parsePrivateKey(key.privateKeyText).privateKey.export({ format: 'jwk' }).d),
    'base64url',
  )
  const needles = needlesOf(key.privateKeyText)

  it('finds a key block, a key body, one line of a known key, or its seed in any encoding', () => {
    const body = key.privateKeyText.split('\n')[2]
    expect(findKeyMaterial(`error: ${key.privateKeyText}`, needles)).toContain('a PEM private key block')
    expect(findKeyMaterial(`x ${key.privateKeyText.split('\n').slice(1).join('')}`, needles)).toContain(
      'an OpenSSH private key body',
    )
    expect(findKeyMaterial(`got "${body}"`, needles)).toEqual(['line 3 of a private key'])
    expect(findKeyMaterial(`seed=${seed.toString('hex')}`, needles)).toEqual(['the seed of a private key (hex)'])
    expect(findKeyMaterial(`d: "${seed.toString('base64url')}"`, needles)).toContain(
      'the seed of a private key (base64url)',
    )
    expect(findKeyMaterial(seed.toString('base64'), needles)).toContain('the seed of a private key (base64)')
  })

  it('does not flag public keys, or hints that name the key format', () => {
    const hint =
      'encord-agents accepts an unencrypted OpenSSH Ed25519 private key (a file starting with "-----BEGIN OPENSSH PRIVATE KEY-----", as made by `ssh-keygen -t ed25519`).'
    expect(findKeyMaterial(`${hint}\nkey ${key.publicKeyHex} ${key.publicKeyOpenSsh}`, needles)).toEqual([])
  })

  it('is active for this suite: spawned commands and the keys given to them are recorded', async () => {
    const dir = process.env[SCAN_DIR_ENV]
    expect(dir, 'the vitest global setup (test/helpers/output-scan.global.ts) must be configured').toBeDefined()
    const keyFile = join(tmp, 'scan-key')
    writeFileSync(keyFile, key.privateKeyText, { mode: 0o600 })
    const r = await runBin(
      ['list-stages', '--project-hash', 'p', '--domain', 'not-a-url', '--ssh-key-file', keyFile, '--json'],
      { timeoutMs: 30_000 },
    )
    expect(r.code).toBe(2)
    const recorded = readRecorded(dir!)
    expect(recorded.outputs.some((o) => o.label.includes('list-stages --project-hash p'))).toBe(true)
    expect(recorded.secrets).toContain(key.privateKeyText)
  })
})

describe('key files', () => {
  let emulator: EmulatorHandle
  const key = generateOpenSshKey('mode test')
  beforeAll(async () => {
    emulator = await startEmulator({
      fixture: generateFixture({ tasks: 2, seed: 3 }),
      inMemory: true,
      allowKeys: [key.publicKeyHex],
    })
  })
  afterAll(() => emulator.stop())

  it('a key file others can read works, with a warning naming the fix; a private one gets none', async () => {
    const projectHash = [...emulator.state.projects.keys()][0]
    const file = join(tmp, 'shared-key')
    writeFileSync(file, key.privateKeyText)
    chmodSync(file, 0o644)
    const args = ['list-stages', '--project-hash', projectHash, '--domain', emulator.domain, '--ssh-key-file', file]
    const loose = await runBin(args, { timeoutMs: 30_000 })
    expect(loose.code, loose.stderr).toBe(0)
    expect(loose.stderr).toContain(
      `The private key file ${file} can be read by other users (mode 644); restrict it with \`chmod 600 ${file}\`.`,
    )
    chmodSync(file, 0o600)
    const tight = await runBin(args, { timeoutMs: 30_000 })
    expect(tight.code, tight.stderr).toBe(0)
    expect(tight.stderr).not.toContain('can be read by other users')
  })
})

describe('the emulator', () => {
  const key = parsePrivateKey(generateOpenSshKey('emulator security').privateKeyText)
  const stranger = parsePrivateKey(generateOpenSshKey('stranger').privateKeyText)
  const fixture = generateFixture({
    tasks: 3,
    seed: 5,
    labelledFraction: 1,
    users: [{ email: 'me@localhost', publicKeyHex: key.publicKeyHex }],
  })
  let emulator: EmulatorHandle
  beforeAll(async () => {
    emulator = await startEmulator({ fixture, inMemory: true })
  })
  afterAll(() => emulator.stop())

  it('binds loopback by default, in the library and in `emulator start`', async () => {
    expect(emulator.host).toBe('127.0.0.1')
    expect(emulator.app.server.address()).toMatchObject({ address: '127.0.0.1' })
    const file = join(tmp, 'fixture-start.json')
    writeFileSync(file, JSON.stringify(fixture))
    let started: { host: string; domain: string } | undefined
    const r = await runBin(['emulator', 'start', file, '--port', '0', '--in-memory', '--json'], {
      timeoutMs: 30_000,
      onSpawn: (child) =>
        child.stdout?.on('data', (chunk: Buffer) => {
          if (started !== undefined) return
          started = JSON.parse(chunk.toString('utf8').split('\n')[0]) as { host: string; domain: string }
          child.kill('SIGINT')
        }),
    })
    expect(r.code, `${r.signal} ${r.stdout} ${r.stderr}`).toBe(0)
    expect(started).toMatchObject({ host: '127.0.0.1', domain: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) })
  })

  it('every REST endpoint refuses unsigned, stale, future, tampered and unknown-key requests, and accepts a good one', async () => {
    const project = fixture.projects[0]
    const stage = project.workflow.stages.find((s) => s.stageType === 'AGENT')!
    const task = project.tasks[0]
    const item = fixture.storageItems[0]
    const routes: Array<{ method: string; path: string; body?: unknown }> = [
      { method: 'GET', path: `/v2/public/projects/${project.projectHash}` },
      { method: 'GET', path: `/v2/public/ontologies/${project.ontologyHash}` },
      { method: 'GET', path: `/v2/public/projects/${project.projectHash}/workflow/stages/${stage.uuid}/tasks` },
      {
        method: 'POST',
        path: `/v2/public/projects/${project.projectHash}/workflow/stages/${stage.uuid}/actions`,
        body: [{ taskUuid: task.uuid, pathwayUuid: stage.pathways[0].uuid }],
      },
      {
        method: 'POST',
        path: `/v2/public/projects/${project.projectHash}/workflow/stages/${stage.uuid}/move-tasks`,
        body: [],
      },
      {
        method: 'POST',
        path: `/v2/public/projects/${project.projectHash}/priorities`,
        body: { priorities: [[task.dataHash, 0.5]] },
      },
      { method: 'GET', path: `/v2/public/projects/${project.projectHash}/datasets` },
      { method: 'POST', path: '/v2/public/storage/items/get-bulk', body: { itemUuids: [item.uuid] } },
      { method: 'GET', path: `/v2/public/storage/items/${item.uuid}` },
      {
        method: 'PATCH',
        path: `/v2/public/storage/folders/${item.parent}/items/${item.uuid}`,
        body: { description: 'x' },
      },
      { method: 'PATCH', path: '/v2/public/storage/items/patch-bulk', body: { items: [] } },
      { method: 'GET', path: `/v2/public/storage/folders/${item.parent}/items/${item.uuid}/child-items` },
    ]
    const now = Date.now() / 1000
    const before = emulator.state.project(project.projectHash).history.length
    for (const route of routes) {
      const what = `${route.method} ${route.path}`
      const unsigned = await request(emulator.domain + route.path, {
        method: route.method as 'GET',
        body: route.body === undefined ? undefined : JSON.stringify(route.body),
      })
      await unsigned.body.dump()
      expect(unsigned.statusCode, what).toBe(401)
      expect(
        (await signedRequest(emulator.domain, key, route.method, route.path, { body: route.body, now: now - 400 }))
          .status,
        `${what} stale`,
      ).toBe(401)
      expect(
        (await signedRequest(emulator.domain, key, route.method, route.path, { body: route.body, now: now + 200 }))
          .status,
        `${what} future`,
      ).toBe(401)
      expect(
        (await signedRequest(emulator.domain, stranger, route.method, route.path, { body: route.body, now })).status,
        `${what} unknown key`,
      ).toBe(401)
      // Signed for one request, sent as another: another body, or (without a body) another query.
      const url = emulator.domain + route.path
      const body = route.body === undefined ? null : JSON.stringify(route.body)
      const headers = Object.fromEntries(signRequest({ method: route.method, url, body, privateKey: key, now }))
      const tampered =
        body === null
          ? await request(`${url}?page_size=1`, { method: route.method as 'GET', headers })
          : await request(url, {
              method: route.method as 'GET',
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify({ tampered: true }),
            })
      await tampered.body.dump()
      expect(tampered.statusCode, `${what} tampered`).toBe(401)
    }
    // Nothing any refused request asked for was applied.
    expect(emulator.state.project(project.projectHash).history.length).toBe(before)
    for (const route of routes.filter((r) => r.method === 'GET')) {
      expect((await signedRequest(emulator.domain, key, route.method, route.path, { now })).status, route.path).toBe(
        200,
      )
    }
  })

  it('the legacy API refuses unsigned, tampered and unknown-key requests', async () => {
    const projectHash = fixture.projects[0].projectHash
    const path = '/public'
    const body = { query_type: 'labelrowmetadata', query_method: 'GET', values: { uid: null, payload: {} } }
    const headers = { ResourceType: 'project', ResourceID: projectHash, 'content-type': 'application/json' }
    const unsigned = await request(emulator.domain + path, { method: 'POST', headers, body: JSON.stringify(body) })
    await unsigned.body.dump()
    expect(unsigned.statusCode).toBe(401)
    const signed = Object.fromEntries(
      signRequest({ method: 'POST', url: emulator.domain + path, body: JSON.stringify(body), privateKey: key }),
    )
    const tampered = await request(emulator.domain + path, {
      method: 'POST',
      headers: { ...headers, ...signed },
      body: JSON.stringify({ ...body, query_type: 'labelrow' }),
    })
    await tampered.body.dump()
    expect(tampered.statusCode).toBe(401)
    expect((await legacyCall(emulator.domain, stranger, projectHash, 'labelrowmetadata', 'GET', null, {})).status).toBe(
      400,
    )
    expect((await legacyCall(emulator.domain, key, projectHash, 'labelrowmetadata', 'GET', null, {})).status).toBe(200)
  })
})

describe('init stays inside its directory', () => {
  /** Every path under `root` (relative), to prove nothing appeared elsewhere. */
  function tree(root: string): string[] {
    const out: string[] = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        out.push(relative(root, path))
        if (entry.isDirectory() && !entry.isSymbolicLink()) walk(path)
      }
    }
    walk(root)
    return out.sort()
  }

  it('a DIR with .. segments writes only in the folder it names', async () => {
    const root = join(tmp, 'init-dotdot')
    mkdirSync(join(root, 'cwd', 'deep'), { recursive: true })
    const before = tree(root)
    const r = await runBin(['init', 'deep/../../target', '--json', '--no-install'], {
      cwd: join(root, 'cwd'),
      timeoutMs: 30_000,
    })
    expect(r.code, r.stderr).toBe(0)
    const added = tree(root).filter((p) => !before.includes(p))
    expect(added.length).toBeGreaterThan(3)
    for (const path of added) expect(path.startsWith('target')).toBe(true)
  })

  it('a template with a symlink to a secret and a hostile file name: nothing is written outside DIR', () => {
    const templates = join(tmp, 'hostile-templates')
    const secret = join(tmp, 'secret.txt')
    writeFileSync(secret, 'do not copy')
    mkdirSync(join(templates, 'minimal', 'sub'), { recursive: true })
    writeFileSync(join(templates, 'minimal', 'agent.ts'), 'export {}\n')
    writeFileSync(
      join(templates, 'minimal', 'template.json'),
      JSON.stringify({ description: 'hostile', edit: 'agent.ts' }),
    )
    symlinkSync(secret, join(templates, 'minimal', 'sub', 'linked.txt'))
    const dir = join(tmp, 'init-hostile')
    const result = initProject({ dir, template: 'minimal', templatesRoot: templates })
    expect(result.files.map((f) => f.path)).not.toContain('sub/linked.txt')
    expect(tree(dir)).not.toContain(join('sub', 'linked.txt'))
    expect(readFileSync(secret, 'utf8')).toBe('do not copy')
    // A template name that is a path is refused before anything is written.
    expect(() => initProject({ dir: join(tmp, 'init-evil'), template: '../../etc', templatesRoot: templates })).toThrow(
      /no template named/,
    )
    expect(readdirSync(tmp)).not.toContain('init-evil')
  })
})
