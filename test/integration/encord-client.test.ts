import diagnostics from 'node:diagnostics_channel'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPairSync } from 'node:crypto'
import { SigningKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import { createServer } from 'node:http'
import {
  EncordAuthenticationError,
  EncordInvalidArgumentsError,
  EncordNetworkError,
  EncordNotFoundError,
  EncordPermissionError,
  EncordProtocolError,
  EncordRateLimitedError,
  EncordServerError,
  type EncordApiError,
} from '../../src/encord/errors.js'
import type { Project, Stage } from '../../src/encord/types.js'
import { defineAgent } from '../../src/core/agent.js'
import { Runner } from '../../src/core/runner/runner.js'
import { generateFixture, startEmulator, type EmulatorHandle, type FaultConfig } from '../../src/emulator/index.js'
import { waitFor } from '../helpers/wait-for.js'

/**
 * Every EncordClient call against the local emulator: the real HTTP path, signatures verified by the
 * emulator, faults injected by the emulator.
 */
const keyText = readFileSync(fileURLToPath(new URL('../fixtures/encord-api/test-key', import.meta.url)), 'utf8')
const key = parsePrivateKey(keyText)
const USERS = [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }]
const TASKS = 250

let emulator: EmulatorHandle
let client: EncordClient
let project: Project
let agent: Stage
let complete: Stage
let review: Stage

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function fastClient(domain: string, extra: Partial<ConstructorParameters<typeof EncordClient>[0]> = {}): EncordClient {
  return new EncordClient({ domain, key, backoffBaseMs: 20, ...extra })
}

beforeAll(async () => {
  emulator = await startEmulator({
    fixture: generateFixture({ tasks: TASKS, seed: 11, users: USERS, labelledFraction: 0.3 }),
    pageSize: 20,
    maxLabelRowsPerRequest: 40,
  })
  client = fastClient(emulator.domain, { bundles: { proceed: 50, labelRowsSave: 25, metadataDataHashes: 100 } })
  const hash = emulator.state.projects.keys().next().value as string
  project = await client.getProject(hash)
  agent = project.workflow.stages.find((s) => s.type === 'AGENT')!
  complete = project.workflow.stages.find((s) => s.type === 'DONE')!
  review = project.workflow.stages.find((s) => s.type === 'REVIEW')!
})
afterAll(async () => {
  await client?.close()
  await emulator?.stop()
})

describe('EncordClient against the emulator', () => {
  it('loads the project, its workflow (no start node) and ontology', () => {
    expect(project.projectType).toBe('workflow')
    expect(project.workflow.stages.map((s) => s.type)).toEqual(['AGENT', 'REVIEW', 'DONE'])
    expect(agent.pathways.map((p) => p.name)).toEqual(['complete', 'needs review'])
    expect(agent.pathways[0].destinationUuid).toBe(complete.uuid)
    expect(project.ontology.structure).toHaveProperty('objects')
  })

  it('lists every task past several pages, fetching pages lazily', async () => {
    client.resetStats()
    const it = client.listTasks(project.projectHash, agent.uuid)[Symbol.asyncIterator]()
    for (let i = 0; i < 20; i++) await it.next()
    expect(client.stats().requests.listTasks).toBe(1)
    await it.next()
    expect(client.stats().requests.listTasks).toBe(2)
    await it.return?.(undefined)
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    expect(tasks).toHaveLength(TASKS)
    expect(new Set(tasks.map((t) => t.uuid)).size).toBe(TASKS)
    expect(tasks[0]).toMatchObject({ stageUuid: agent.uuid, status: 'NEW', labelBranchName: 'main' })
  })

  it('with pageAhead, requests the next page as soon as the current page has arrived', async () => {
    client.resetStats()
    const it = client.listTasks(project.projectHash, agent.uuid, {}, { pageAhead: true })[Symbol.asyncIterator]()
    await it.next()
    // Page 2 left when page 1's cursor was read.
    expect(client.stats().requests.listTasks).toBeGreaterThanOrEqual(2)
    // The reader stays on page 1: page 2's reply still sends page 3 (from its own callback, not when
    // the reader gets to it), and page 4 waits, as two pages would then wait unread.
    await waitFor(() => client.stats().requests.listTasks === 3)
    await sleep(150)
    expect(client.stats().requests.listTasks).toBe(3)
    // The reader takes page 2 (page 1 has 20 tasks): page 4 leaves, page 5 still waits.
    for (let i = 1; i <= 20; i++) await it.next()
    await waitFor(() => client.stats().requests.listTasks === 4)
    await sleep(150)
    expect(client.stats().requests.listTasks).toBe(4)
    await it.return?.(undefined)
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid, {}, { pageAhead: true }))
    expect(tasks.map((t) => t.uuid)).toEqual(
      (await all(client.listTasks(project.projectHash, agent.uuid))).map((t) => t.uuid),
    )
    expect(tasks).toHaveLength(TASKS)
  })

  it('with pageAhead, the next page is written to its socket before the reader gets the current one', async () => {
    // Every socket of the pool has answered before: undici writes to one only in the loop's check phase.
    await Promise.all([1, 2, 3].map(() => client.getProject(project.projectHash)))
    const written: string[] = []
    const onHeaders = (message: unknown): void => {
      const path = (message as { request: { path: string } }).request.path
      if (path.includes('/tasks')) written.push(path)
    }
    diagnostics.subscribe('undici:client:sendHeaders', onHeaders)
    try {
      const pages = client.listTaskPages(project.projectHash, agent.uuid, {}, { pageAhead: true })
      const reader = pages[Symbol.asyncIterator]()
      await reader.next()
      // Page 1, and page 2 (sent from page 1's reply callback), were both on their sockets by then.
      expect(written).toHaveLength(2)
      expect(written[1]).toContain('pageToken=')
      await reader.return?.(undefined)
    } finally {
      diagnostics.unsubscribe('undici:client:sendHeaders', onHeaders)
    }
  })

  it('lists the same tasks a page at a time with listTaskPages (one request per page, none empty)', async () => {
    client.resetStats()
    const pages = await all(client.listTaskPages(project.projectHash, agent.uuid, {}, { pageAhead: true }))
    expect(pages.map((p) => p.length)).toEqual(
      Array.from({ length: Math.ceil(TASKS / 20) }, (_, i) => Math.min(20, TASKS - 20 * i)),
    )
    expect(client.stats().requests.listTasks).toBe(pages.length)
    expect(pages.flat().map((t) => t.uuid)).toEqual(
      (await all(client.listTasks(project.projectHash, agent.uuid))).map((t) => t.uuid),
    )
    const picked = pages[1].slice(0, 3).map((t) => t.dataHash)
    expect(
      (await all(client.listTaskPages(project.projectHash, agent.uuid, { dataHashes: picked }))).flat(),
    ).toHaveLength(3)
    expect(await all(client.listTaskPages(project.projectHash, agent.uuid, { statuses: ['ASSIGNED'] }))).toEqual([])
  })

  it('applies every filter', async () => {
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    const picked = [tasks[3], tasks[77], tasks[200]]
    const byHash = await all(
      client.listTasks(project.projectHash, agent.uuid, { dataHashes: picked.map((t) => t.dataHash) }),
    )
    expect(byHash.map((t) => t.uuid).sort()).toEqual(picked.map((t) => t.uuid).sort())
    const byTitle = await all(client.listTasks(project.projectHash, agent.uuid, { dataTitleContains: 'image-00001' }))
    expect(byTitle.map((t) => t.dataTitle).sort()).toEqual(
      tasks
        .filter((t) => t.dataTitle.includes('image-00001'))
        .map((t) => t.dataTitle)
        .sort(),
    )
    expect(await all(client.listTasks(project.projectHash, agent.uuid, { statuses: ['ASSIGNED'] }))).toEqual([])
    expect(
      await all(client.listTasks(project.projectHash, agent.uuid, { statuses: ['NEW', 'ASSIGNED'] })),
    ).toHaveLength(TASKS)
    expect(
      await all(
        client.listTasks(project.projectHash, agent.uuid, { datasetHashes: ['00000000-0000-4000-8000-000000000000'] }),
      ),
    ).toEqual([])
    expect(
      await all(client.listTasks(project.projectHash, agent.uuid, { userEmails: ['nobody@example.com'] })),
    ).toEqual([])
    expect(await all(client.listTasks(project.projectHash, agent.uuid, { dataHashes: [] }))).toEqual([])
    // More data hashes than fit in one URL: split over several listings.
    client.resetStats()
    const many = await all(
      client.listTasks(project.projectHash, agent.uuid, { dataHashes: tasks.slice(0, 150).map((t) => t.dataHash) }),
    )
    expect(many).toHaveLength(150)
    expect(client.stats().requests.listTasks).toBeGreaterThanOrEqual(2)
  })

  it('filters match too: assignee emails, statuses, dataset hashes, combined', async () => {
    const fixture = generateFixture({ tasks: 8, seed: 12, users: USERS })
    const p = fixture.projects[0]
    for (const t of p.tasks.slice(0, 3)) Object.assign(t, { assignee: 'ann@example.com', status: 'ASSIGNED' })
    Object.assign(p.tasks[3], { assignee: 'bob@example.com', status: 'ASSIGNED' })
    const e = await startEmulator({ fixture, pageSize: 2 })
    const c = fastClient(e.domain)
    try {
      const stage = p.workflow.stages.find((s) => s.stageType === 'AGENT')!.uuid
      const uuids = (ts: Array<{ uuid: string }>) => ts.map((t) => t.uuid).sort()
      const ann = await all(c.listTasks(p.projectHash, stage, { userEmails: ['ann@example.com'] }))
      expect(uuids(ann)).toEqual(uuids(p.tasks.slice(0, 3)))
      expect(ann.every((t) => t.assignee === 'ann@example.com' && t.status === 'ASSIGNED')).toBe(true)
      expect(
        uuids(await all(c.listTasks(p.projectHash, stage, { userEmails: ['ann@example.com', 'bob@example.com'] }))),
      ).toEqual(uuids(p.tasks.slice(0, 4)))
      expect(uuids(await all(c.listTasks(p.projectHash, stage, { statuses: ['NEW'] })))).toEqual(
        uuids(p.tasks.slice(4)),
      )
      const dataset = p.dataUnits[0].datasetHash
      expect(await all(c.listTasks(p.projectHash, stage, { datasetHashes: [dataset] }))).toHaveLength(8)
      const combined = await all(
        c.listTasks(p.projectHash, stage, {
          userEmails: ['ann@example.com'],
          datasetHashes: [dataset],
          dataHashes: [p.tasks[0].dataHash, p.tasks[5].dataHash],
          statuses: ['ASSIGNED'],
        }),
      )
      expect(uuids(combined)).toEqual([p.tasks[0].uuid])
    } finally {
      await c.close()
      await e.stop()
    }
  })

  it('reads label row metadata in bundles, creates, gets and saves label rows', async () => {
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    client.resetStats()
    const meta = await client.listLabelRowMetadata(project.projectHash, {
      dataHashes: tasks.map((t) => t.dataHash),
      includeClientMetadata: true,
    })
    expect(client.stats().requests.labelRowMetadata).toBe(3) // 250 data hashes, 100 per request
    expect(meta).toHaveLength(TASKS)
    expect(meta.every((m) => m.workflowGraphNode?.uuid === agent.uuid)).toBe(true)
    expect(meta.every((m) => m.backingItemUuid !== null)).toBe(true)
    const unlabelled = meta.filter((m) => m.labelHash === null)
    const labelled = meta.filter((m) => m.labelHash !== null)
    expect(unlabelled.length).toBeGreaterThan(40)
    expect(labelled.length).toBeGreaterThan(40)

    // Create more rows than the server takes per request (40): the client rebundles.
    client.resetStats()
    const created = await client.createLabelRows(
      project.projectHash,
      unlabelled.map((m) => m.dataHash),
    )
    expect(created.map((r) => r.data_hash)).toEqual(unlabelled.map((m) => m.dataHash))
    expect(created.every((r) => typeof r.label_hash === 'string')).toBe(true)
    // Create again: rows exist now; get-or-create returns the same rows instead of failing.
    const again = await client.createLabelRows(
      project.projectHash,
      unlabelled.slice(0, 5).map((m) => m.dataHash),
    )
    expect(again.map((r) => r.label_hash)).toEqual(created.slice(0, 5).map((r) => r.label_hash))

    // Get more rows than the server takes per request.
    const hashes = labelled.map((m) => m.labelHash as string)
    const rows = await client.getLabelRows(project.projectHash, hashes)
    expect(rows.map((r) => r.label_hash)).toEqual(hashes)

    // Save (25 per request), then read back.
    client.resetStats()
    const edited = rows.slice(0, 60).map((r) => ({
      labelHash: r.label_hash as string,
      labelRow: {
        ...r,
        object_answers: { ...(r.object_answers as object), marker: { objectHash: 'marker', classifications: [] } },
      },
    }))
    await client.saveLabelRows(project.projectHash, edited)
    expect(client.stats().requests.saveLabelRows).toBe(3)
    const back = await client.getLabelRows(
      project.projectHash,
      edited.map((e) => e.labelHash),
    )
    expect(back.every((r) => 'marker' in (r.object_answers as object))).toBe(true)
    await expect(
      client.getLabelRows(project.projectHash, ['00000000-0000-4000-8000-00000000dead']),
    ).rejects.toBeInstanceOf(EncordNotFoundError)
  })

  it('label row metadata honours the include options and branches', async () => {
    const tasks = (await all(client.listTasks(project.projectHash, agent.uuid))).slice(0, 4)
    const hashes = tasks.map((t) => t.dataHash)
    const plain = await client.listLabelRowMetadata(project.projectHash, { dataHashes: hashes })
    expect(plain.map((m) => m.dataHash)).toEqual(hashes)
    expect(plain.every((m) => m.clientMetadata === null && !('client_metadata' in m.raw))).toBe(true)
    expect(plain.every((m) => m.workflowGraphNode?.title === agent.title && m.taskUuid !== null)).toBe(true)
    const rich = await client.listLabelRowMetadata(project.projectHash, {
      dataHashes: hashes,
      includeClientMetadata: true,
      includeWorkflowGraphNode: false,
      includeImagesData: true,
    })
    expect(
      rich.every(
        (m) => typeof m.clientMetadata === 'object' && m.clientMetadata !== null && 'camera' in m.clientMetadata,
      ),
    ).toBe(true)
    expect(rich.every((m) => m.workflowGraphNode === null)).toBe(true)
    expect(rich.every((m) => 'images_data' in m.raw)).toBe(true)
    // A second branch: its own rows, listed by name or together with main.
    const [first] = hashes
    const onBranch = await client.createLabelRows(project.projectHash, [first], { branchName: 'model-a' })
    expect(onBranch[0].branch_name).toBe('model-a')
    const branch = await client.listLabelRowMetadata(project.projectHash, {
      dataHashes: [first],
      branchName: 'model-a',
    })
    expect(branch.map((m) => [m.branchName, m.labelHash])).toEqual([['model-a', onBranch[0].label_hash]])
    const both = await client.listLabelRowMetadata(project.projectHash, {
      dataHashes: [first],
      includeAllLabelBranches: true,
    })
    expect(both.map((m) => m.branchName).sort()).toEqual(['main', 'model-a'])
    await expect(
      client.listLabelRowMetadata(project.projectHash, { branchName: 'x', includeAllLabelBranches: true }),
    ).rejects.toBeInstanceOf(EncordInvalidArgumentsError)
    // Title filters.
    const byTitle = await client.listLabelRowMetadata(project.projectHash, { dataTitleEq: tasks[1].dataTitle })
    expect(byTitle.map((m) => m.dataHash)).toEqual([tasks[1].dataHash])
  })

  it('sets priorities, 0 included', async () => {
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    const ps = tasks
      .slice(0, 130)
      .map((t, i) => ({ dataHash: t.dataHash, priority: i === 0 ? 0 : i % 2 === 0 ? 0.75 : 1 }))
    client.resetStats()
    await client.setPriorities(project.projectHash, ps)
    expect(client.stats().requests.setPriorities).toBe(2)
    const meta = await client.listLabelRowMetadata(project.projectHash, {
      dataHashes: [ps[0].dataHash, ps[2].dataHash, ps[3].dataHash],
    })
    const byHash = new Map(meta.map((m) => [m.dataHash, m.priority]))
    expect(byHash.get(ps[0].dataHash)).toBe(0)
    expect(byHash.get(ps[2].dataHash)).toBe(0.75)
    expect(byHash.get(ps[3].dataHash)).toBe(1)
    await expect(
      client.setPriorities(project.projectHash, [{ dataHash: ps[0].dataHash, priority: 1.5 }]),
    ).rejects.toBeInstanceOf(EncordInvalidArgumentsError)
  })

  it('sends priorities as Python floats: 0 as 0.0, never dropped', async () => {
    const bodies: string[] = []
    const e = await startEmulator({
      fixture: generateFixture({ tasks: 3, seed: 4, users: USERS }),
      register: (app) => {
        app.addHook('preHandler', async (req) => {
          if (req.url.endsWith('/priorities') && Buffer.isBuffer(req.body)) bodies.push(req.body.toString('utf8'))
        })
      },
    })
    const c = fastClient(e.domain)
    try {
      const p = e.state.projects.values().next().value!
      const [a, b] = [...p.dataUnits.keys()]
      await c.setPriorities(p.projectHash, [
        { dataHash: a, priority: 0 },
        { dataHash: b, priority: 1 },
      ])
      expect(bodies).toEqual([`{"priorities": [["${a}", 0.0], ["${b}", 1.0]]}`])
      const meta = await c.listLabelRowMetadata(p.projectHash, { dataHashes: [a, b] })
      expect(meta.map((m) => m.priority)).toEqual([0, 1])
    } finally {
      await c.close()
      await e.stop()
    }
  })

  it('gets storage items in the order asked, updates one, and downloads its media', async () => {
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    const meta = await client.listLabelRowMetadata(project.projectHash, {
      dataHashes: tasks.slice(0, 30).map((t) => t.dataHash),
    })
    const uuids = meta.map((m) => m.backingItemUuid as string).reverse()
    const items = await client.getStorageItems([...uuids, uuids[0]])
    expect(items.map((i) => i.uuid)).toEqual([...uuids, uuids[0]])
    expect(items[0].clientMetadata).toHaveProperty('camera')
    expect(items[0].signedUrl).toMatch(/^http:\/\/127\.0\.0\.1/)
    const unsigned = await client.getStorageItems(uuids.slice(0, 2), { signUrls: false })
    expect(unsigned[0].signedUrl).toBeNull()
    // Encord (and the emulator) refuse a bulk request naming an item the key cannot see.
    const missing = await client
      .getStorageItems([uuids[0], '00000000-0000-4000-8000-00000000beef'])
      .catch((e: unknown) => e)
    expect(missing instanceof EncordPermissionError || missing instanceof EncordNotFoundError).toBe(true)

    const updated = await client.updateStorageItem(items[0], {
      clientMetadata: { ...items[0].clientMetadata, reviewed: true },
    })
    expect(updated.clientMetadata).toMatchObject({ reviewed: true })
    const single = await client.getStorageItem(items[0].uuid, { signUrl: true })
    expect(single.clientMetadata).toMatchObject({ reviewed: true, camera: items[0].clientMetadata.camera })
    expect(single.signedUrl).toBeTruthy()

    const dir = mkdtempSync(join(tmpdir(), 'encord-dl-'))
    const file = join(dir, `${single.uuid}.png`)
    const result = await client.downloadToFile(single.signedUrl!, file)
    expect(result.contentType).toBe('image/png')
    const bytes = readFileSync(file)
    expect(bytes.length).toBe(result.bytes)
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
    const tampered = single.signedUrl!.replace(/sig=[^&]+/, 'sig=0000')
    const refused = await client.downloadToFile(tampered, join(dir, 'x.png')).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(EncordPermissionError)
    expect((refused as Error).message).not.toContain('sig=')
  })

  it('proceeds in bundles over the limit, by name and by uuid', async () => {
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    const batch = tasks.slice(0, 120)
    client.resetStats()
    const result = await client.proceedTasks(
      project.projectHash,
      agent.uuid,
      batch.map((t, i) => ({
        taskUuid: t.uuid,
        dataHash: t.dataHash,
        ...(i % 2 ? { pathwayName: 'complete' } : { pathwayUuid: agent.pathways[0].uuid }),
      })),
    )
    expect(result.stale).toEqual([])
    expect(result.proceeded.sort()).toEqual(batch.map((t) => t.uuid).sort())
    expect(client.stats().requests.proceed).toBe(3) // 50 + 50 + 20
    const left = await all(client.listTasks(project.projectHash, agent.uuid))
    expect(left).toHaveLength(TASKS - 120)
    const done = await all(
      client.listTasks(project.projectHash, complete.uuid, { dataHashes: batch.slice(0, 5).map((t) => t.dataHash) }),
    )
    expect(done).toHaveLength(5)
  })

  it('reports a stale task inside a bundle and proceeds the rest', async () => {
    const tasks = await all(client.listTasks(project.projectHash, agent.uuid))
    const [gone, a, b] = tasks
    await client.proceedTasks(project.projectHash, agent.uuid, [
      { taskUuid: gone.uuid, dataHash: gone.dataHash, pathwayName: 'needs review' },
    ])
    client.resetStats()
    const result = await client.proceedTasks(
      project.projectHash,
      agent.uuid,
      [gone, a, b].map((t) => ({ taskUuid: t.uuid, dataHash: t.dataHash, pathwayName: 'complete' })),
    )
    expect(result.proceeded.sort()).toEqual([a.uuid, b.uuid].sort())
    expect(result.stale).toHaveLength(1)
    expect(result.stale[0].taskUuid).toBe(gone.uuid)
    expect(result.stale[0].reason).toMatch(/not in stage/)
    expect(client.stats().requests.proceed).toBe(2)
    // The stale task stayed where it was moved to.
    expect(await all(client.listTasks(project.projectHash, review.uuid, { dataHashes: [gone.dataHash] }))).toHaveLength(
      1,
    )
  })

  it('an unknown pathway is an error, and nothing moves', async () => {
    const [t] = await all(client.listTasks(project.projectHash, agent.uuid))
    const error = await client
      .proceedTasks(project.projectHash, agent.uuid, [{ taskUuid: t.uuid, dataHash: t.dataHash, pathwayName: 'nope' }])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EncordInvalidArgumentsError)
    expect((error as Error).message).toMatch(/nope/)
    expect((error as EncordInvalidArgumentsError).data).toMatchObject({ proceeded: [], notProceeded: [t.uuid] })
    expect(await all(client.listTasks(project.projectHash, agent.uuid, { dataHashes: [t.dataHash] }))).toHaveLength(1)
  })

  it('fails clearly for an unknown project and an unregistered key', async () => {
    const missing = await client.getProject('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(EncordNotFoundError)
    expect((missing as EncordNotFoundError).exitCode).toBe(2)
    expect((missing as EncordNotFoundError).hint).toMatch(/project hash/)
    const { privateKey } = generateKeyPairSync('ed25519')
    const jwk = privateKey.export({ format: 'jwk' }) as { x: string }
    const stranger = new EncordClient({
      domain: emulator.domain,
      key: new SigningKey(privateKey, Buffer.from(jwk.x, 'base64url').toString('hex')),
      retries: 0,
    })
    const denied = await stranger.getProject(project.projectHash).catch((e: unknown) => e)
    expect(denied instanceof EncordAuthenticationError || denied instanceof EncordPermissionError).toBe(true)
    expect((denied as EncordAuthenticationError).exitCode).toBe(3)
    const legacyDenied = await stranger.listLabelRowMetadata(project.projectHash).catch((e: unknown) => e)
    expect(legacyDenied instanceof EncordAuthenticationError || legacyDenied instanceof EncordPermissionError).toBe(
      true,
    )
    await stranger.close()
  })

  it('keeps connections alive', () => {
    expect(client.stats().connections).toBeLessThanOrEqual(8)
  })
})

describe('EncordClient under injected faults', () => {
  async function withEmulator(
    faults: FaultConfig,
    seed: number,
    fn: (e: EmulatorHandle, c: EncordClient, p: Project) => Promise<void>,
    tasks = 30,
  ): Promise<void> {
    const e = await startEmulator({
      fixture: generateFixture({ tasks, seed: 5, users: USERS }),
      pageSize: 10,
      faults,
      seed,
      requestLog: true,
    })
    const c = fastClient(e.domain)
    try {
      const hash = e.state.projects.keys().next().value as string
      await fn(e, c, await c.getProject(hash)) // the rules below never target get-project
    } finally {
      await c.close()
      await e.stop()
    }
  }

  it('retries after 429 honouring Retry-After', async () => {
    // The first listing request is rate limited, every later one answered.
    const faults: FaultConfig = { rules: [{ endpoint: 'list-tasks', kind: '429', retryAfter: 1, times: 1 }] }
    await withEmulator(faults, 0, async (_e, c, p) => {
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      const started = Date.now()
      const tasks = await all(c.listTasks(p.projectHash, stage.uuid))
      expect(tasks).toHaveLength(30)
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      expect(c.stats().retries.listTasks).toBe(1)
    })
  })

  it('retries after 502', async () => {
    const faults: FaultConfig = { rules: [{ endpoint: 'get-storage-items', kind: '5xx', status: 502, times: 2 }] }
    await withEmulator(faults, 0, async (_e, c, p) => {
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      const tasks = await all(c.listTasks(p.projectHash, stage.uuid))
      const meta = await c.listLabelRowMetadata(p.projectHash, { dataHashes: tasks.map((t) => t.dataHash) })
      const items = await c.getStorageItems(meta.map((m) => m.backingItemUuid as string))
      expect(items).toHaveLength(30)
      expect(c.stats().retries.storageGetBulk).toBe(2)
    })
  })

  it('a dropped connection after the server applied a proceed: not resent, reported as proceeded', async () => {
    const faults: FaultConfig = { rules: [{ endpoint: 'proceed', kind: 'reset-after', rate: 1 }] }
    await withEmulator(faults, 0, async (e, c, p) => {
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      const tasks = (await all(c.listTasks(p.projectHash, stage.uuid))).slice(0, 12)
      c.resetStats()
      const result = await c.proceedTasks(
        p.projectHash,
        stage.uuid,
        tasks.map((t) => ({ taskUuid: t.uuid, dataHash: t.dataHash, pathwayName: 'complete' })),
      )
      expect(result.proceeded.sort()).toEqual(tasks.map((t) => t.uuid).sort())
      expect(result.stale).toEqual([])
      expect(c.stats().requests.proceed).toBe(1) // checked, not resent
      expect(c.stats().requests.listTasks).toBeGreaterThanOrEqual(1)
      expect(e.requests().filter((r) => r.endpoint === 'proceed')).toHaveLength(1)
      expect(await all(c.listTasks(p.projectHash, stage.uuid, { dataHashes: tasks.map((t) => t.dataHash) }))).toEqual(
        [],
      )
    })
  })

  it('a dropped connection before the server applied a proceed: resent once, only for tasks still there', async () => {
    const faults: FaultConfig = { rules: [{ endpoint: 'proceed', kind: 'reset-before', times: 1 }] }
    await withEmulator(faults, 0, async (e, c, p) => {
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      const tasks = (await all(c.listTasks(p.projectHash, stage.uuid))).slice(0, 12)
      const result = await c.proceedTasks(
        p.projectHash,
        stage.uuid,
        tasks.map((t) => ({ taskUuid: t.uuid, dataHash: t.dataHash, pathwayName: 'complete' })),
      )
      expect(result.proceeded.sort()).toEqual(tasks.map((t) => t.uuid).sort())
      expect(e.requests().filter((r) => r.endpoint === 'proceed')).toHaveLength(2)
      const history = e.state.projects.get(p.projectHash)!.history.filter((h) => h.kind === 'proceed')
      expect(history).toHaveLength(12) // each task moved exactly once
    })
  })

  it('a timeout after the server applied a proceed is checked like a dropped connection', async () => {
    const faults: FaultConfig = { rules: [{ endpoint: 'proceed', kind: 'slow', rate: 1, delayMs: 1500 }] }
    await withEmulator(faults, 0, async (e, _default, p) => {
      const c = fastClient(e.domain, { timeoutMs: 300 })
      try {
        const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
        const tasks = (await all(c.listTasks(p.projectHash, stage.uuid))).slice(0, 3)
        const result = await c.proceedTasks(
          p.projectHash,
          stage.uuid,
          tasks.map((t) => ({ taskUuid: t.uuid, dataHash: t.dataHash, pathwayName: 'complete' })),
        )
        expect(result.proceeded).toHaveLength(3)
        expect(c.stats().requests.proceed).toBe(1)
      } finally {
        await c.close()
      }
    })
  })

  it('label rows: a create whose answer was lost is recovered without creating twice; a save after a 503 is checked, not resent blindly', async () => {
    const faults: FaultConfig = {
      rules: [
        { endpoint: 'create-label-rows', kind: 'reset-after', rate: 1 },
        { endpoint: 'save-label-rows', kind: '5xx', status: 503, times: 1 },
      ],
    }
    await withEmulator(faults, 0, async (e, c, p) => {
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      const tasks = await all(c.listTasks(p.projectHash, stage.uuid))
      const meta = await c.listLabelRowMetadata(p.projectHash, { dataHashes: tasks.map((t) => t.dataHash) })
      const unlabelled = meta.filter((m) => m.labelHash === null).map((m) => m.dataHash)
      expect(unlabelled.length).toBeGreaterThan(3)
      c.resetStats()
      const rows = await c.createLabelRows(p.projectHash, unlabelled)
      expect(rows.map((r) => r.data_hash)).toEqual(unlabelled)
      expect(c.stats().requests.createLabelRows).toBe(1) // applied once; the rows were fetched instead
      expect(e.state.projects.get(p.projectHash)!.history.filter((h) => h.kind === 'create')).toHaveLength(
        unlabelled.length,
      )
      await c.saveLabelRows(
        p.projectHash,
        rows.map((r) => ({ labelHash: r.label_hash as string, labelRow: r })),
      )
      // After a 503 Encord may or may not have written the rows: they are read back first. These rows
      // already hold the labels sent (they were just created), so nothing is sent again.
      expect(c.stats().requests.saveLabelRows).toBe(1)
      expect(c.stats().requests.getLabelRows).toBe(2)
    })
  })

  it('media downloads are retried after a 503 and a dropped connection, leaving only the finished file', async () => {
    const faults: FaultConfig = {
      rules: [
        { endpoint: 'media', kind: '5xx', status: 503, times: 1 },
        { endpoint: 'media', kind: 'reset-after', times: 1 },
      ],
    }
    await withEmulator(faults, 0, async (e, c) => {
      const item = e.state.storageItems.values().next().value!
      const signed = await c.getStorageItem(item.uuid, { signUrl: true })
      const dir = mkdtempSync(join(tmpdir(), 'encord-dl-retry-'))
      const result = await c.downloadToFile(signed.signedUrl!, join(dir, 'media.png'))
      expect(c.stats().retries.download).toBe(2)
      expect(e.stats().faults.byEndpoint.media).toEqual({ '5xx': 1, 'reset-after': 1 })
      expect(readdirSync(dir)).toEqual(['media.png'])
      expect(readFileSync(join(dir, 'media.png')).length).toBe(result.bytes)
      expect(readFileSync(join(dir, 'media.png')).subarray(1, 4).toString('latin1')).toBe('PNG')
    })
  })

  it('gives up after the retries and says how far it got', async () => {
    const faults: FaultConfig = { rules: [{ endpoint: 'proceed', kind: 'reset-before', rate: 1 }] }
    await withEmulator(faults, 0, async (_e, c, p) => {
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      const tasks = (await all(c.listTasks(p.projectHash, stage.uuid))).slice(0, 2)
      const error = (await c
        .proceedTasks(
          p.projectHash,
          stage.uuid,
          tasks.map((t) => ({ taskUuid: t.uuid, dataHash: t.dataHash, pathwayName: 'complete' })),
        )
        .catch((x: unknown) => x)) as EncordNetworkError
      expect(error).toBeInstanceOf(EncordNetworkError)
      expect(error.exitCode).toBe(3)
      expect(error.data).toMatchObject({ proceeded: [], notProceeded: tasks.map((t) => t.uuid) })
    })
  })
})

describe('a workflow with stage types the client does not know', () => {
  /** The generated project with a PERCENTAGE_ROUTER after the agent's `complete` pathway. */
  function routedFixture() {
    const fixture = generateFixture({ tasks: 12, seed: 3, users: USERS })
    const stages = fixture.projects[0].workflow.stages
    const agentStage = stages.find((s) => s.stageType === 'AGENT')!
    const doneStage = stages.find((s) => s.stageType === 'DONE')!
    const reviewStage = stages.find((s) => s.stageType === 'REVIEW')!
    const router = {
      uuid: '00000000-0000-4000-8000-0000000000aa',
      title: 'Split 50/50',
      stageType: 'PERCENTAGE_ROUTER' as const,
      pathways: [
        { uuid: '00000000-0000-4000-8000-0000000000ab', title: 'done', destinationUuid: doneStage.uuid },
        { uuid: '00000000-0000-4000-8000-0000000000ac', title: 'check', destinationUuid: reviewStage.uuid },
      ],
    }
    agentStage.pathways = agentStage.pathways.map((p) =>
      p.title === 'complete' ? { ...p, destinationUuid: router.uuid } : p,
    )
    stages.splice(stages.indexOf(agentStage) + 1, 0, router)
    return fixture
  }

  it('keeps a router and an unknown node as OTHER: the project loads, lists and proceeds, and the runner runs', async () => {
    const e = await startEmulator({ fixture: routedFixture(), exposeAllStages: true })
    const c = fastClient(e.domain)
    try {
      const hash = e.state.projects.keys().next().value as string
      const p = await c.getProject(hash)
      // START is a node type no Encord SDK knows; the router is known by name but not supported.
      expect(p.workflow.stages.map((s) => [s.type, s.rawType])).toEqual([
        ['OTHER', 'START'],
        ['AGENT', 'AGENT'],
        ['OTHER', 'PERCENTAGE_ROUTER'],
        ['REVIEW', 'REVIEW'],
        ['DONE', 'DONE'],
      ])
      const router = p.workflow.stages.find((s) => s.rawType === 'PERCENTAGE_ROUTER')!
      expect(router.pathways.map((pw) => pw.name)).toEqual(['done', 'check'])
      const stage = p.workflow.stages.find((s) => s.type === 'AGENT')!
      expect(stage.pathways.find((pw) => pw.name === 'complete')!.destinationUuid).toBe(router.uuid)

      const runner = new Runner({ projectHash: hash, client: c })
      runner.stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      const result = await runner.run()
      expect(result.ok).toBe(true)
      expect(result.stages[0]).toMatchObject({ processed: 12, moved: { complete: 12 }, failed: 0 })
      // The router passed every task on: none rests in it, both of its destinations got some.
      const tasks = [...e.state.projects.get(hash)!.tasks.values()]
      const where = new Set(tasks.map((t) => e.state.projects.get(hash)!.stageByUuid.get(t.stageUuid)!.stageType))
      expect(where).toEqual(new Set(['DONE', 'REVIEW']))
    } finally {
      await c.close()
      await e.stop()
    }
  })
})

describe('typed errors carry the server message and the call, never the key', () => {
  /** Everything an error shows or serialises. */
  const everything = (e: EncordApiError) =>
    JSON.stringify({
      message: e.message,
      hint: e.hint,
      data: e.data,
      stack: e.stack,
      call: e.call,
      serverMessage: e.serverMessage,
      cause: String(e.cause),
    })
  /** Pieces of secret material: lines of the private key, a v2 signature, a legacy signature. */
  const keyLines = keyText.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))
  function expectNoSecrets(e: EncordApiError): void {
    const text = everything(e)
    expect(text).not.toMatch(/BEGIN OPENSSH|sig1=:|[0-9a-f]{128}/i)
    for (const line of keyLines) expect(text).not.toContain(line.slice(0, 24))
  }

  it('authentication, permission, not found, rate limited, server, network and protocol failures', async () => {
    const other = '00000000-0000-4000-8000-0000000000f1'
    const fixture = generateFixture({ tasks: 4, seed: 21, twin: true, users: USERS })
    const own = fixture.projects[0].projectHash
    const twin = fixture.projects[1].projectHash
    // A second key registered for the twin project only.
    const { privateKey } = generateKeyPairSync('ed25519')
    const jwk = privateKey.export({ format: 'jwk' }) as { x: string }
    const limitedKey = new SigningKey(privateKey, Buffer.from(jwk.x, 'base64url').toString('hex'))
    fixture.users.push({ email: 'limited@example.com', publicKeyHex: limitedKey.publicKeyHex, projects: [twin] })
    const e = await startEmulator({
      fixture,
      faults: {
        rules: [
          { endpoint: 'get-storage-item', kind: '429', retryAfter: 0 },
          { endpoint: 'set-priorities', kind: '5xx', status: 502 },
          { endpoint: 'list-tasks', kind: 'reset-before' },
        ],
      },
    })
    const c = fastClient(e.domain, { retries: 1 })
    const limited = fastClient(e.domain, { key: limitedKey, retries: 0 })
    const { privateKey: strangerKey } = generateKeyPairSync('ed25519')
    const sjwk = strangerKey.export({ format: 'jwk' }) as { x: string }
    const stranger = fastClient(e.domain, {
      key: new SigningKey(strangerKey, Buffer.from(sjwk.x, 'base64url').toString('hex')),
      retries: 0,
    })
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected a failure')
        },
        (x: unknown) => x as EncordApiError,
      )
    try {
      // Authentication, both transports: the emulator's own words reach the error.
      const v2Auth = await fail(stranger.getProject(own))
      expect(v2Auth).toBeInstanceOf(EncordAuthenticationError)
      expect(v2Auth.httpStatus).toBe(401)
      expect(v2Auth.serverMessage).toMatch(/Unknown public key/)
      expect(v2Auth.call).toMatchObject({
        endpoint: 'getProject',
        method: 'GET',
        path: `/v2/public/projects/${own}`,
        transport: 'rest-v2',
      })
      expect(v2Auth.message).toContain('Unknown public key')
      expect(v2Auth.message).toContain('getProject')
      const legacyAuth = await fail(stranger.listLabelRowMetadata(own))
      expect(legacyAuth).toBeInstanceOf(EncordAuthenticationError)
      expect(legacyAuth.legacyCode).toBe('SSH_KEY_NOT_FOUND_ERROR')
      expect(legacyAuth.serverMessage).toMatch(/SSH key does not exist/)
      expect(legacyAuth.call).toMatchObject({
        endpoint: 'labelRowMetadata',
        transport: 'legacy-rpc',
        queryType: 'labelrowmetadata',
        queryMethod: 'GET',
      })

      // Permission: a registered key without access to this project.
      const denied = await fail(limited.getProject(own))
      expect(denied).toBeInstanceOf(EncordPermissionError)
      expect(denied.httpStatus).toBe(403)
      expect(denied.serverMessage).toMatch(/not authorised to access this project/)
      expect(denied.call.endpoint).toBe('getProject')

      // Not found, both transports.
      const missingProject = await fail(c.getProject(other))
      expect(missingProject).toBeInstanceOf(EncordNotFoundError)
      expect(missingProject.httpStatus).toBe(404)
      expect(missingProject.call.path).toBe(`/v2/public/projects/${other}`)
      expect(missingProject.serverMessage).toBe('Not found')
      const missingRow = await fail(c.getLabelRows(own, ['00000000-0000-4000-8000-00000000dead']))
      expect(missingRow).toBeInstanceOf(EncordNotFoundError)
      expect(missingRow.legacyCode).toBe('RESOURCE_NOT_FOUND_ERROR')
      expect(missingRow.call).toMatchObject({ endpoint: 'getLabelRows', queryType: 'labelrow', queryMethod: 'GET' })

      // Rate limited after the retries (2 attempts).
      const item = fixture.storageItems[0].uuid
      const limitedError = await fail(c.getStorageItem(item))
      expect(limitedError).toBeInstanceOf(EncordRateLimitedError)
      expect(limitedError.attempts).toBe(2)
      expect(limitedError.serverMessage).toMatch(/Too many requests/)
      expect(limitedError.call).toMatchObject({ endpoint: 'getStorageItem', method: 'GET' })

      // Server error after the retries.
      const server = await fail(
        c.setPriorities(own, [{ dataHash: fixture.projects[0].dataUnits[0].dataHash, priority: 0.5 }]),
      )
      expect(server).toBeInstanceOf(EncordServerError)
      expect(server.httpStatus).toBe(502)
      expect(server.serverMessage).toMatch(/Service unavailable/)
      expect(server.call).toMatchObject({
        endpoint: 'setPriorities',
        method: 'POST',
        path: `/v2/public/projects/${own}/priorities`,
      })

      // Network: the connection dropped.
      const agentStage = fixture.projects[0].workflow.stages.find((st) => st.stageType === 'AGENT')!
      const network = await fail(all(c.listTasks(own, agentStage.uuid)))
      expect(network).toBeInstanceOf(EncordNetworkError)
      expect(network.httpStatus).toBeNull()
      expect(network.attempts).toBe(2)
      expect(network.call).toMatchObject({ endpoint: 'listTasks', method: 'GET' })

      for (const error of [v2Auth, legacyAuth, denied, missingProject, missingRow, limitedError, server, network]) {
        expect(error.traceId).toMatch(/^[0-9a-f]{32}$/)
        expectNoSecrets(error)
      }
    } finally {
      await Promise.all([c.close(), limited.close(), stranger.close()])
      await e.stop()
    }

    // Protocol: something that is not Encord answers (a proxy's HTML page).
    const html = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please sign in to the proxy</body></html>'),
    )
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', r))
    const port = (html.address() as { port: number }).port
    const confused = fastClient(`http://127.0.0.1:${port}`, { retries: 0 })
    try {
      const protocol = await fail(confused.getProject(own))
      expect(protocol).toBeInstanceOf(EncordProtocolError)
      expect(protocol.serverMessage).toMatch(/HTML page.*sign in to the proxy/)
      expect(protocol.call.endpoint).toBe('getProject')
      expectNoSecrets(protocol)
    } finally {
      await confused.close()
      await new Promise((r) => html.close(r))
    }
  })
})
