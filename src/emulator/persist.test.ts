import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../encord/auth/keys.js'
import { generateFixture } from './generate.js'
import { startEmulator } from './index.js'
import { signedRequest } from './testing.js'

const key = parsePrivateKey(readFileSync(fileURLToPath(new URL('../../test/fixtures/encord-api/test-key', import.meta.url)), 'utf8'))

function fixtureFile(tasks = 40): { file: string; dir: string; fixture: ReturnType<typeof generateFixture> } {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-persist-'))
  const fixture = generateFixture({ tasks, seed: 21, users: [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }] })
  const file = join(dir, 'fixture.json')
  writeFileSync(file, JSON.stringify(fixture, null, 2))
  return { file, dir, fixture }
}

describe('state written back to the fixture', () => {
  it('concurrent proceeds are all written, atomically (no temp files left), and survive a restart', async () => {
    const { file, dir, fixture } = fixtureFile()
    const p = fixture.projects[0]
    const agent = p.workflow.stages.find((s) => s.stageType === 'AGENT')!
    const path = `/v2/public/projects/${p.projectHash}/workflow/stages/${agent.uuid}/actions`
    const emulator = await startEmulator({ fixture: file, writeDebounceMs: 5 })
    // 40 single-task proceeds at once: every one must reach the file.
    const results = await Promise.all(p.tasks.map((t, i) => signedRequest(emulator.domain, key, 'POST', path, { body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: i % 2 ? 'complete' : 'needs review' }] })))
    expect(results.every((r) => r.status === 204)).toBe(true)
    await emulator.stop()
    expect(readdirSync(dir)).toEqual(['fixture.json'])

    const written = JSON.parse(readFileSync(file, 'utf8'))
    expect(written.projects[0].tasks.filter((t: { stageUuid: string }) => t.stageUuid === agent.uuid)).toEqual([])
    expect(written.projects[0].history.filter((e: { kind: string }) => e.kind === 'proceed')).toHaveLength(40)

    // Restarted from the written file: same state, and a retried proceed is still recognised (no double move).
    const again = await startEmulator({ fixture: file })
    try {
      const t = p.tasks[1]
      const retry = await signedRequest(again.domain, key, 'POST', path, { body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' }] })
      expect(retry.status).toBe(204)
      expect(again.stats().proceeds.total).toBe(0)
      const other = await signedRequest(again.domain, key, 'POST', path, { body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: 'needs review' }] })
      expect(other.status).toBe(400)
    } finally {
      await again.stop()
    }
  })

  it('writes in the background while serving (debounced), and flush() waits for it', async () => {
    const { file, fixture } = fixtureFile(3)
    const p = fixture.projects[0]
    const emulator = await startEmulator({ fixture: file, writeDebounceMs: 10 })
    try {
      const d = p.dataUnits[0].dataHash
      expect((await signedRequest(emulator.domain, key, 'POST', `/v2/public/projects/${p.projectHash}/priorities`, { body: { priorities: [[d, 0.9]] } })).status).toBe(204)
      await emulator.flush()
      const written = JSON.parse(readFileSync(file, 'utf8'))
      expect(written.projects[0].tasks[0].priority).toBe(0.9)
      expect(written.projects[0].history.at(-1)).toMatchObject({ kind: 'priority', dataHash: d, detail: { from: null, to: 0.9 } })
    } finally {
      await emulator.stop()
    }
  })

  it('--in-memory leaves the file untouched', async () => {
    const { file, fixture } = fixtureFile(3)
    const before = readFileSync(file)
    const p = fixture.projects[0]
    const agent = p.workflow.stages.find((s) => s.stageType === 'AGENT')!
    const emulator = await startEmulator({ fixture: file, inMemory: true })
    const r = await signedRequest(emulator.domain, key, 'POST', `/v2/public/projects/${p.projectHash}/workflow/stages/${agent.uuid}/actions`, {
      body: [{ taskUuid: p.tasks[0].uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' }],
    })
    expect(r.status).toBe(204)
    expect(emulator.fixtureFile).toBeNull()
    await emulator.stop()
    expect(readFileSync(file).equals(before)).toBe(true)
  })
})
