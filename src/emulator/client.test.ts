import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EncordClient } from '../encord/client.js'
import type { AgentTask } from '../encord/types.js'
import { snapshotProject } from '../services/emulator-snapshot.js'
import type { FaultConfig } from './faults.js'
import { generateFixture } from './generate.js'
import { startEmulator } from './index.js'
import { closedAfterEach, key, users } from './client.test-kit.js'

/** The emulator through our own client (src/encord/client.ts): the path every run takes. */
const open = closedAfterEach()

async function setup(options: {
  tasks: number
  pageSize?: number
  faults?: FaultConfig
  seed?: number
  dataType?: 'image' | 'video'
}) {
  const fixture = generateFixture({ tasks: options.tasks, seed: 13, users, dataType: options.dataType })
  const emulator = await startEmulator({
    fixture,
    pageSize: options.pageSize ?? 100,
    faults: options.faults,
    seed: options.seed,
  })
  const client = new EncordClient({ domain: emulator.domain, key, backoffBaseMs: 5 })
  open.push(emulator, client)
  const project = await client.getProject(fixture.projects[0].projectHash)
  const agent = project.workflow.stages.find((s) => s.type === 'AGENT')!
  return { fixture, emulator, client, project, agent }
}

/** The Python runner's loop: take a batch from the lazy listing, proceed it, then read on. */
async function drain(
  client: EncordClient,
  projectHash: string,
  stageUuid: string,
  batch: number,
  pathwayName: string,
): Promise<string[]> {
  const proceeded: string[] = []
  let pending: AgentTask[] = []
  const flush = async () => {
    const result = await client.proceedTasks(
      projectHash,
      stageUuid,
      pending.map((t) => ({ taskUuid: t.uuid, pathwayName, dataHash: t.dataHash })),
    )
    proceeded.push(...result.proceeded)
    pending = []
  }
  for await (const task of client.listTasks(projectHash, stageUuid)) {
    pending.push(task)
    if (pending.length === batch) await flush()
  }
  if (pending.length > 0) await flush()
  return proceeded
}

describe('the emulator through EncordClient', () => {
  it('a lazy listing drained batch by batch sees every task once (cursor tokens survive the moves)', async () => {
    const { client, emulator, project, agent } = await setup({ tasks: 60, pageSize: 5 })
    const proceeded = await drain(client, project.projectHash, agent.uuid, 7, 'complete')
    expect(proceeded).toHaveLength(60)
    expect(new Set(proceeded).size).toBe(60)
    const byTask = emulator.stats().proceeds.byTask
    expect(Object.values(byTask).every((n) => n === 1)).toBe(true)
    expect(Object.keys(byTask)).toHaveLength(60)
  })

  it('connection resets after applying, 5xx and 429: every task moved exactly once', async () => {
    const faults: FaultConfig = {
      rules: [
        { endpoint: 'proceed', rate: 0.25, kind: 'reset-after' },
        { endpoint: 'proceed', rate: 0.15, kind: '5xx' },
        { endpoint: 'list-tasks', rate: 0.15, kind: '429', retryAfter: 0 },
      ],
    }
    const { client, emulator, project, agent } = await setup({ tasks: 40, pageSize: 6, faults, seed: 3 })
    const proceeded = await drain(client, project.projectHash, agent.uuid, 5, 'needs review')
    expect(new Set(proceeded).size).toBe(40)
    const stats = emulator.stats()
    expect(stats.faults.total).toBeGreaterThan(0)
    expect(stats.faults.byEndpoint.proceed?.['reset-after']).toBeGreaterThan(0)
    expect(Object.values(stats.proceeds.byTask).every((n) => n === 1)).toBe(true)
    expect(stats.proceeds.total).toBe(40)
  })

  it('label rows, priorities, storage items and media through the client', async () => {
    const { client, emulator, project, fixture } = await setup({ tasks: 6, dataType: 'video' })
    const P = project.projectHash
    const rows = await client.listLabelRowMetadata(P, { includeClientMetadata: true })
    expect(rows).toHaveLength(6)
    const missing = rows.filter((r) => r.labelHash === null).map((r) => r.dataHash)
    const created = await client.createLabelRows(P, missing)
    expect(created.map((r) => r.data_hash)).toEqual(missing)
    const hashes = (await client.listLabelRowMetadata(P)).map((r) => r.labelHash!)
    expect(hashes.every((h) => h !== null)).toBe(true)
    const full = await client.getLabelRows(P, hashes)
    expect(full.every((r) => r.data_type === 'video')).toBe(true)
    const edited = { ...full[0], object_answers: {}, classification_answers: {}, data_units: full[0].data_units }
    await client.saveLabelRows(P, [{ labelHash: hashes[0], labelRow: edited }])
    expect((await client.getLabelRows(P, [hashes[0]]))[0].object_answers).toEqual({})
    await client.setPriorities(P, [{ dataHash: rows[0].dataHash, priority: 0 }])
    expect((await client.listLabelRowMetadata(P, { dataHashes: [rows[0].dataHash] }))[0].priority).toBe(0)

    const uuids = rows.map((r) => r.backingItemUuid!).reverse()
    const items = await client.getStorageItems(uuids, { signUrls: true })
    expect(items.map((i) => i.uuid)).toEqual(uuids)
    expect(items[0].clientMetadata).toEqual(fixture.storageItems.find((i) => i.uuid === uuids[0])!.clientMetadata)
    const dir = mkdtempSync(join(tmpdir(), 'emulator-media-'))
    const download = await client.downloadToFile(items[0].signedUrl!, join(dir, 'clip.mp4'))
    expect(download.contentType).toBe('video/mp4')
    expect(readFileSync(join(dir, 'clip.mp4')).subarray(4, 8).toString()).toBe('ftyp')
    const updated = await client.updateStorageItem(items[0], { clientMetadata: { checked: true } })
    expect(updated.clientMetadata).toEqual({ checked: true })
    expect(emulator.state.storageItems.get(items[0].uuid)!.clientMetadata).toEqual({ checked: true })
  })

  it('snapshot: a project pulled through the client replays on a new emulator', async () => {
    const { client, emulator, project, agent } = await setup({ tasks: 12, pageSize: 5 })
    await drain(client, project.projectHash, agent.uuid, 4, 'complete')
    const dir = mkdtempSync(join(tmpdir(), 'emulator-snapshot-'))
    const out = join(dir, 'snap.json')
    const result = await snapshotProject({
      client,
      projectHash: project.projectHash,
      out,
      publicKeyHex: key.publicKeyHex,
    })
    expect(result).toMatchObject({ tasks: 12, dataUnits: 12, truncated: false })
    expect(result.labelRows).toBe(emulator.state.projects.get(project.projectHash)!.labelRows.size)

    const replay = await startEmulator({ fixture: out, inMemory: true })
    const replayClient = new EncordClient({ domain: replay.domain, key })
    open.push(replay, replayClient)
    const again = await replayClient.getProject(project.projectHash)
    expect(again.workflow).toEqual(project.workflow)
    const qa = project.workflow.stages.find((s) => s.title === 'Complete')!
    const original: string[] = []
    for await (const t of client.listTasks(project.projectHash, qa.uuid)) original.push(t.uuid)
    const copied: string[] = []
    for await (const t of replayClient.listTasks(project.projectHash, qa.uuid)) copied.push(t.uuid)
    expect(copied).toEqual(original)
    const meta = await replayClient.listLabelRowMetadata(project.projectHash, { includeClientMetadata: true })
    const before = await client.listLabelRowMetadata(project.projectHash, { includeClientMetadata: true })
    expect(meta.map((m) => [m.dataHash, m.labelHash, m.clientMetadata])).toEqual(
      before.map((m) => [m.dataHash, m.labelHash, m.clientMetadata]),
    )

    const limited = await snapshotProject({
      client,
      projectHash: project.projectHash,
      out: join(dir, 'small.json'),
      maxTasks: 5,
    })
    expect(limited).toMatchObject({ tasks: 5, dataUnits: 5, truncated: true })
  })
})
