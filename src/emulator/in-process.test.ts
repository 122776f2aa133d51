import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../encord/auth/keys.js'
import { EncordClient } from '../encord/client.js'
import { generateFixture } from './generate.js'
import { IN_PROCESS_DOMAIN, openInProcessEmulator } from './index.js'

/**
 * The in-process emulator: the real client through an undici dispatcher that calls the emulator's
 * request handler. Same answers as over TCP: signatures verified, storage items signed for download,
 * downloads through the redirect-composed dispatcher (the controller-shaped handler), errors mapped.
 */
describe('openInProcessEmulator', () => {
  const made = generateOpenSshKey('in-process test')
  const key = parsePrivateKey(made.privateKeyText)
  const fixture = generateFixture({ tasks: 3, seed: 3, users: [{ email: 'me@test', publicKeyHex: made.publicKeyHex }] })
  const projectHash = fixture.projects[0].projectHash

  it('answers the client: project, tasks, storage items and their media downloads, all without a socket', async () => {
    const emulator = await openInProcessEmulator({ fixture })
    const client = new EncordClient({ domain: emulator.domain, key, dispatcher: emulator.dispatcher })
    const project = await client.getProject(projectHash)
    expect(project.workflow.stages.map((s) => s.title)).toContain('Agent 1')
    const agent = project.workflow.stages.find((s) => s.title === 'Agent 1')!
    const tasks = []
    for await (const t of client.listTasks(projectHash, agent.uuid)) tasks.push(t)
    expect(tasks).toHaveLength(3)
    const items = await client.getStorageItems(
      fixture.storageItems.map((i) => i.uuid),
      { signUrls: true },
    )
    expect(items[0].signedUrl).toMatch(new RegExp(`^${IN_PROCESS_DOMAIN}/`))
    const dir = mkdtempSync(join(tmpdir(), 'in-process-'))
    try {
      const got = await client.downloadToFile(items[0].signedUrl!, join(dir, 'a.png'))
      expect(got.contentType).toBe('image/png')
      expect(readFileSync(join(dir, 'a.png')).subarray(1, 4).toString()).toBe('PNG')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(client.stats().connections).toBe(0)
    expect(emulator.stats().connections.opened).toBe(0)
    expect(emulator.stats().requests.total).toBeGreaterThanOrEqual(5)
  })

  it('verifies signatures as the server does: an unknown key is refused', async () => {
    const emulator = await openInProcessEmulator({ fixture })
    const stranger = parsePrivateKey(generateOpenSshKey('stranger').privateKeyText)
    const client = new EncordClient({
      domain: emulator.domain,
      key: stranger,
      dispatcher: emulator.dispatcher,
      retries: 0,
    })
    await expect(client.getProject(projectHash)).rejects.toMatchObject({
      name: expect.stringMatching(/Auth|Permission/),
    })
    expect(emulator.stats().authFailures).toBe(1)
  })
})
