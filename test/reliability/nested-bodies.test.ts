/**
 * Deeply nested and oversized JSON bodies (issue 14, item 4): a signed storage-item PATCH whose
 * `clientMetadata` nests 20,000 levels answered 500 "Maximum call stack size exceeded" but kept the
 * change, and every later write of the fixture failed (the session's state was lost at shutdown). Now
 * bodies are checked for depth before they are parsed: a clear 400, nothing changed, and the fixture
 * keeps being written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { generateFixture, startEmulator } from '../../src/emulator/index.js'
import { legacyCall, signedRequest } from '../../src/emulator/testing.js'

const tmp = mkdtempSync(join(tmpdir(), 'ea-nested-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const key = parsePrivateKey(generateOpenSshKey('nested bodies').privateKeyText)

/** `{"a":{"a":…1…}}`, `levels` objects deep, as text (building it as a value would overflow the writer). */
const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)

describe('deeply nested bodies (item 4)', () => {
  it('a storage-item PATCH nested 20,000 levels is refused with a clear 400 and leaves no trace', async () => {
    const file = join(tmp, 'fixture.json')
    writeFileSync(
      file,
      JSON.stringify(
        generateFixture({ tasks: 5, seed: 4, users: [{ email: 'me@localhost', publicKeyHex: key.publicKeyHex }] }),
      ),
    )
    const warnings: string[] = []
    const emulator = await startEmulator({ fixture: file, writeDebounceMs: 10, onWarning: (w) => warnings.push(w) })
    try {
      const item = [...emulator.state.storageItems.values()].find((i) => i.parent !== null)!
      const path = `/v2/public/storage/folders/${item.parent}/items/${item.uuid}`
      const before = JSON.stringify(item.clientMetadata)
      const revision = emulator.state.revision

      const deep = await signedRequest(emulator.domain, key, 'PATCH', path, {
        rawBody: `{"clientMetadata":${nested(20_000)}}`,
      })
      expect(deep.status, deep.text).toBe(400)
      expect(deep.json.message).toMatch(/nested more than \d+ levels/)
      expect(JSON.stringify(emulator.state.storageItems.get(item.uuid)!.clientMetadata)).toBe(before)
      expect(emulator.state.revision).toBe(revision)

      // A legacy body too (a label save is the biggest thing the emulator takes).
      const project = emulator.state.projects.values().next().value!
      const legacy = await signedRequest(emulator.domain, key, 'POST', '/public', {
        rawBody: `{"query_type":"labelrow","query_method":"POST","values":{"uid":[],"payload":${nested(20_000)}}}`,
        resource: { type: 'project', id: project.projectHash },
      })
      expect(legacy.status, legacy.text).toBe(400)
      expect(JSON.stringify(legacy.json)).toMatch(/nested more than \d+ levels/)

      // Depth that real metadata uses is fine, and later fixture writes work.
      const ok = await signedRequest(emulator.domain, key, 'PATCH', path, {
        rawBody: `{"clientMetadata":{"deep":${nested(50)},"note":"after"}}`,
      })
      expect(ok.status, ok.text).toBe(200)
      await emulator.flush()
      const written = JSON.parse(readFileSync(file, 'utf8')) as { storageItems?: unknown }
      expect(JSON.stringify(written)).toContain('"note":"after"')
      expect(warnings).toEqual([])
      const still = await legacyCall(emulator.domain, key, project.projectHash, 'labelrowmetadata', 'GET', null, {})
      expect(still.status).toBe(200)
    } finally {
      await emulator.stop()
    }
  })
})
