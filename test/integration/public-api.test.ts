import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { EncordClient, generateFixture, parsePrivateKey, signRequest, startEmulator } from '../../src/index.js'

/**
 * The package root's client API, used the way a user scripting Encord directly would: only imports
 * from the root (`encord-agents`).
 */
const specDir = fileURLToPath(new URL('../fixtures/encord-api/', import.meta.url))
const keyText = readFileSync(`${specDir}test-key`, 'utf8')
const vectors = JSON.parse(readFileSync(`${specDir}vectors.json`, 'utf8')) as {
  clock: { frozen_unix_time: number }
  vectors: Array<{
    id: string
    transport: string
    request: { method: string; url: string; headers: Array<[string, string]>; body_base64: string | null }
  }>
}
const SIGNED = new Set(['Content-Digest', 'Signature-Input', 'Signature', 'Authorization'])

describe("the package root's client API", () => {
  it('signRequest(method, URL, body, key text, clock) gives the headers of either transport', () => {
    for (const transport of ['rest-v2', 'legacy-rpc']) {
      const v = vectors.vectors.find((x) => x.transport === transport)!
      const headers = signRequest({
        method: v.request.method,
        url: v.request.url,
        body: v.request.body_base64 === null ? null : Buffer.from(v.request.body_base64, 'base64'),
        privateKey: keyText,
        now: vectors.clock.frozen_unix_time,
      })
      expect(headers, v.id).toEqual(v.request.headers.filter(([name]) => SIGNED.has(name)))
    }
  })

  it('EncordClient scripts a project: load it, list a stage, proceed, read labels and storage', async () => {
    const key = parsePrivateKey(keyText)
    const emulator = await startEmulator({
      fixture: generateFixture({ tasks: 5, seed: 2, labelledFraction: 1 }),
      allowKeys: [key.publicKeyHex],
    })
    const client = new EncordClient({ domain: emulator.domain, key })
    try {
      const projectHash = emulator.state.projects.keys().next().value as string
      const project = await client.getProject(projectHash)
      const stage = project.workflow.stages.find((s) => s.type === 'AGENT')!
      const tasks = []
      for await (const task of client.listTasks(projectHash, stage.uuid)) tasks.push(task)
      expect(tasks).toHaveLength(5)
      const meta = await client.listLabelRowMetadata(projectHash, {
        dataHashes: tasks.map((t) => t.dataHash),
        includeClientMetadata: true,
      })
      const rows = await client.getLabelRows(
        projectHash,
        meta.map((m) => m.labelHash!),
      )
      expect(rows.map((r) => r.data_hash)).toEqual(tasks.map((t) => t.dataHash))
      const items = await client.getStorageItems(meta.map((m) => m.backingItemUuid!))
      expect(items.every((i) => typeof i.clientMetadata === 'object')).toBe(true)
      const result = await client.proceedTasks(
        projectHash,
        stage.uuid,
        tasks.map((t) => ({ taskUuid: t.uuid, pathwayName: 'complete' })),
      )
      expect(result.proceeded).toHaveLength(5)
      expect(client.stats().requests.proceed).toBe(1)
    } finally {
      await client.close()
      await emulator.stop()
    }
  })
})
