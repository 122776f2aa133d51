import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { assertBuilt, runNode } from '../e2e/run-bin.js'

/**
 * Connections opened ahead (issue 21): `preconnect` opens sockets without sending a request, so the
 * requests that later run in parallel find their handshakes done. The emulator charges a handshake per
 * TCP connection from its accept (`connectionLatencyMs`), as a WAN server would.
 */
const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
const USERS = [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }]
const HANDSHAKE_MS = 400

let emulator: EmulatorHandle | undefined
let client: EncordClient | undefined
afterEach(async () => {
  await client?.close()
  await emulator?.stop()
  client = emulator = undefined
})

async function start(connections: number): Promise<{ projectHash: string }> {
  emulator = await startEmulator({
    fixture: generateFixture({ tasks: 5, seed: 3, users: USERS }),
    faults: { latencyMs: 10, connectionLatencyMs: HANDSHAKE_MS, overlapService: true },
  })
  client = new EncordClient({ domain: emulator.domain, key, connections })
  return { projectHash: emulator.state.projects.keys().next().value as string }
}

/** Three projects fetched at once (two requests after each other each): how long the slowest took. */
async function threeAtOnce(projectHash: string): Promise<number> {
  const started = performance.now()
  await Promise.all([1, 2, 3].map(() => client!.getProject(projectHash)))
  return performance.now() - started
}

describe('preconnect', () => {
  it('opens connections without a request; requests then find them ready, with no handshake to wait for', async () => {
    const { projectHash } = await start(4)
    client!.preconnect(3)
    expect(client!.stats().connections).toBe(3)
    await sleep(HANDSHAKE_MS + 100)
    expect(emulator!.stats().connections.opened).toBe(3)
    expect(emulator!.stats().requests.total).toBe(0)
    expect(client!.stats().totalRequests).toBe(0)
    // Each of the three chains runs on a warmed connection: no handshake (400 ms) on any of them.
    expect(await threeAtOnce(projectHash)).toBeLessThan(HANDSHAKE_MS - 50)
    expect(client!.stats().connections).toBe(3)
    expect(emulator!.stats().connections.opened).toBe(3)
    // Open connections count, warmed or not; the pool's size bounds the rest.
    client!.preconnect(3)
    expect(client!.stats().connections).toBe(3)
    client!.preconnect(100)
    expect(client!.stats().connections).toBe(4)
  })

  it('without it, requests in parallel each pay a handshake (what preconnect saves)', async () => {
    const { projectHash } = await start(4)
    expect(await threeAtOnce(projectHash)).toBeGreaterThanOrEqual(HANDSHAKE_MS)
    expect(client!.stats().connections).toBe(3)
  })

  it('a connection still in its handshake is handed over: the request waits for the rest of it only', async () => {
    const { projectHash } = await start(2)
    client!.preconnect(1)
    await sleep(HANDSHAKE_MS / 2)
    const started = performance.now()
    await client!.getProject(projectHash)
    expect(performance.now() - started).toBeLessThan(HANDSHAKE_MS)
    expect(client!.stats().connections).toBe(1)
    expect(emulator!.stats().connections.opened).toBe(1)
  })

  it('close() closes the connections nobody used', async () => {
    await start(4)
    client!.preconnect(2)
    await sleep(100)
    expect(emulator!.stats().connections.open).toBe(2)
    await client!.close()
    client = undefined
    await sleep(100)
    expect(emulator!.stats().connections.open).toBe(0)
  })

  it('a warmed connection nobody took does not keep a process alive: a client left open does not delay exit', async () => {
    assertBuilt()
    const { projectHash } = await start(4)
    const dir = mkdtempSync(join(tmpdir(), 'ea-preconnect-'))
    try {
      // The built package, as a user's script: warm four connections, use one, never close the client.
      const script = join(dir, 'left-open.mjs')
      const dist = new URL('../../dist/index.js', import.meta.url).href
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs'
import { EncordClient, parsePrivateKey } from '${dist}'
const key = parsePrivateKey(readFileSync(process.env.KEY_FILE, 'utf8'))
const client = new EncordClient({ domain: process.env.DOMAIN, key })
client.preconnect(4)
await client.getProject(process.env.PROJECT)
`,
      )
      const keyFile = fileURLToPath(new URL('../fixtures/encord-api/test-key', import.meta.url))
      const started = performance.now()
      const r = await runNode([script], {
        env: { KEY_FILE: keyFile, DOMAIN: emulator!.domain, PROJECT: projectHash },
        timeoutMs: 30_000,
      })
      expect(r.code, r.stderr).toBe(0)
      // The unused sockets would otherwise hold the process until their 10 s idle timeout.
      expect(performance.now() - started).toBeLessThan(5_000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
