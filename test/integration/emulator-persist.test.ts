import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../../src/encord/auth/keys.js'
import { generateFixture } from '../../src/emulator/generate.js'
import { startEmulator } from '../../src/emulator/index.js'
import { legacyCall, signedRequest } from '../../src/emulator/testing.js'

const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)

function fixtureFile(
  tasks = 40,
  labelledFraction?: number,
): { file: string; dir: string; fixture: ReturnType<typeof generateFixture> } {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-persist-'))
  const fixture = generateFixture({
    tasks,
    seed: 21,
    labelledFraction,
    users: [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }],
  })
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
    const results = await Promise.all(
      p.tasks.map((t, i) =>
        signedRequest(emulator.domain, key, 'POST', path, {
          body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: i % 2 ? 'complete' : 'needs review' }],
        }),
      ),
    )
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
      const retry = await signedRequest(again.domain, key, 'POST', path, {
        body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' }],
      })
      expect(retry.status).toBe(204)
      expect(again.stats().proceeds.total).toBe(0)
      const other = await signedRequest(again.domain, key, 'POST', path, {
        body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: 'needs review' }],
      })
      expect(other.status).toBe(400)
    } finally {
      await again.stop()
    }
  })

  it('many parallel saves, proceeds, priorities and metadata updates while writes run: the reloaded file has every one', async () => {
    const N = 60
    const { file, dir, fixture } = fixtureFile(N, 1)
    const p = fixture.projects[0]
    const agent = p.workflow.stages.find((s) => s.stageType === 'AGENT')!
    const actions = `/v2/public/projects/${p.projectHash}/workflow/stages/${agent.uuid}/actions`
    const rowOf = new Map(p.labelRows.map((r) => [r.dataHash, r]))
    const itemOf = new Map(fixture.storageItems.map((i) => [i.uuid, i]))
    // A write every few ms, so state writes overlap the requests.
    const emulator = await startEmulator({ fixture: file, writeDebounceMs: 1 })
    const requests = p.tasks.flatMap((t, i) => {
      const row = rowOf.get(t.dataHash)!
      const unit = p.dataUnits.find((d) => d.dataHash === t.dataHash)!
      const item = itemOf.get(unit.backingItemUuid!)!
      return [
        () =>
          legacyCall(emulator.domain, key, p.projectHash, 'labelrow', 'POST', [row.labelHash], {
            multi_request: true,
            labels: [
              {
                ...row.labels,
                label_hash: row.labelHash,
                object_answers: { [`mark${i}`]: { objectHash: `mark${i}`, classifications: [] } },
              },
            ],
            validate_before_saving: false,
          }),
        () =>
          signedRequest(emulator.domain, key, 'POST', actions, {
            body: [{ taskUuid: t.uuid, action: 'PATHWAY_ACTION', pathwayName: i % 2 ? 'complete' : 'needs review' }],
          }),
        () =>
          signedRequest(emulator.domain, key, 'POST', `/v2/public/projects/${p.projectHash}/priorities`, {
            body: { priorities: [[t.dataHash, i / 100]] },
          }),
        () =>
          signedRequest(emulator.domain, key, 'PATCH', `/v2/public/storage/folders/${item.parent}/items/${item.uuid}`, {
            body: { clientMetadata: { ...item.clientMetadata, n: i } },
          }),
      ]
    })
    // Interleave the kinds, then send them all at once.
    const results = await Promise.all(requests.map((send) => send()))
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 204)).toEqual([])
    await emulator.stop()
    expect(readdirSync(dir)).toEqual(['fixture.json'])

    const written = JSON.parse(readFileSync(file, 'utf8'))
    const wp = written.projects[0]
    type T = { uuid: string; stageUuid: string; priority: number | null; dataHash: string }
    const review = p.workflow.stages.find((s) => s.stageType === 'REVIEW')!.uuid
    const done = p.workflow.stages.find((s) => s.stageType === 'DONE')!.uuid
    p.tasks.forEach((t, i) => {
      const w = (wp.tasks as T[]).find((x) => x.uuid === t.uuid)!
      expect(w.stageUuid).toBe(i % 2 ? done : review)
      expect(w.priority).toBe(i / 100)
      const row = (
        wp.labelRows as Array<{ labelHash: string; labels: { object_answers: Record<string, unknown> } }>
      ).find((r) => r.labelHash === rowOf.get(t.dataHash)!.labelHash)!
      expect(Object.keys(row.labels.object_answers)).toEqual([`mark${i}`])
      const unit = p.dataUnits.find((d) => d.dataHash === t.dataHash)!
      const item = (written.storageItems as Array<{ uuid: string; clientMetadata: Record<string, unknown> }>).find(
        (x) => x.uuid === unit.backingItemUuid,
      )!
      expect(item.clientMetadata.n).toBe(i)
    })
    const kinds = (wp.history as Array<{ kind: string }>).map((e) => e.kind)
    for (const kind of ['save', 'proceed', 'priority'])
      expect(
        kinds.filter((k) => k === kind),
        kind,
      ).toHaveLength(N)
    // And the reloaded state serves it.
    const again = await startEmulator({ fixture: file, inMemory: true })
    try {
      expect(again.state.projects.get(p.projectHash)!.stageIndexes.get(agent.uuid)!.size).toBe(0)
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
      expect(
        (
          await signedRequest(emulator.domain, key, 'POST', `/v2/public/projects/${p.projectHash}/priorities`, {
            body: { priorities: [[d, 0.9]] },
          })
        ).status,
      ).toBe(204)
      await emulator.flush()
      const written = JSON.parse(readFileSync(file, 'utf8'))
      expect(written.projects[0].tasks[0].priority).toBe(0.9)
      expect(written.projects[0].history.at(-1)).toMatchObject({
        kind: 'priority',
        dataHash: d,
        detail: { from: null, to: 0.9 },
      })
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
    const r = await signedRequest(
      emulator.domain,
      key,
      'POST',
      `/v2/public/projects/${p.projectHash}/workflow/stages/${agent.uuid}/actions`,
      {
        body: [{ taskUuid: p.tasks[0].uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' }],
      },
    )
    expect(r.status).toBe(204)
    expect(emulator.fixtureFile).toBeNull()
    await emulator.stop()
    expect(readFileSync(file).equals(before)).toBe(true)
  })
})
