import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../encord/auth/keys.js'
import {
  LegacyLabelRowMetadataRow,
  V2AgentTask,
  V2FinalTask,
  V2Ontology,
  V2Project,
  V2ReviewTask,
  V2StorageItem,
} from '../encord/models.js'
import { generateFixture } from './generate.js'
import { startEmulator, type EmulatorHandle } from './index.js'
import { legacyCall, signedRequest } from './testing.js'

/** The HTTP API through raw signed requests: shapes, pagination, workflow, label rows, storage, media. */

const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
const fixture = generateFixture({
  tasks: 35,
  seed: 3,
  stages: ['Pre-label', 'QA'],
  users: [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }],
  twin: true,
})
const main = fixture.projects[0]
const P = main.projectHash
const stage = (title: string) => main.workflow.stages.find((s) => s.title === title)!
const PRE = stage('Pre-label')
const QA = stage('QA')
const REVIEW = stage('Review 1')
const DONE = stage('Complete')
const pathway = (s: typeof PRE, title: string) => s.pathways.find((p) => p.title === title)!

let emulator: EmulatorHandle
const v2 = (method: string, path: string, body?: unknown) => signedRequest(emulator.domain, key, method, path, { body })
const legacy = (type: string, method: string, uid: unknown, payload: unknown, project = P) =>
  legacyCall(emulator.domain, key, project, type, method, uid, payload)
const tasksPath = (s: { uuid: string }, query = '') =>
  `/v2/public/projects/${P}/workflow/stages/${s.uuid}/tasks${query}`
const actionsPath = (s: { uuid: string }) => `/v2/public/projects/${P}/workflow/stages/${s.uuid}/actions`
const proceed = (s: typeof PRE, taskUuid: string, pathwayName: string) =>
  v2('POST', actionsPath(s), [{ taskUuid, action: 'PATHWAY_ACTION', pathwayName }])

async function listAll(s: { uuid: string }, query = ''): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = []
  let token: string | undefined
  do {
    const sep = query === '' ? '?' : '&'
    const res = await v2('GET', tasksPath(s, query + (token ? `${query === '' ? '?' : sep}pageToken=${token}` : '')))
    expect(res.status).toBe(200)
    out.push(...res.json.results)
    token = res.json.nextPageToken
  } while (token)
  return out
}

const METADATA_DEFAULTS: Record<string, unknown> = {
  edited_before: null,
  edited_after: null,
  label_statuses: null,
  shadow_data_state: null,
  include_uninitialised_labels: true,
  data_hashes: null,
  label_hashes: null,
  data_title_eq: null,
  data_title_like: null,
  workflow_graph_node_title_eq: null,
  workflow_graph_node_title_like: null,
  include_client_metadata: false,
  include_images_data: false,
  include_children: false,
  include_workflow_graph_node: true,
  include_all_label_branches: false,
  branch_name: null,
}
const metadata = (payload: Record<string, unknown>, project = P) =>
  legacy('labelrowmetadata', 'GET', null, { ...METADATA_DEFAULTS, ...payload }, project)

beforeAll(async () => {
  emulator = await startEmulator({ fixture, pageSize: 4, requestLog: 50 })
})
afterAll(() => emulator.stop())

describe('project and ontology', () => {
  it('GET project: workflow embedded, no START node, agent pathways, nullable keys present', async () => {
    const res = await v2('GET', `/v2/public/projects/${P}`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const project = V2Project.parse(res.json)
    expect(project.workflow!.stages.map((s) => s.stageType)).toEqual(['AGENT', 'AGENT', 'REVIEW', 'DONE'])
    expect(project.workflow!.stages[0].pathways).toEqual([
      { uuid: pathway(PRE, 'complete').uuid, title: 'complete', destinationUuid: QA.uuid },
      { uuid: pathway(PRE, 'needs review').uuid, title: 'needs review', destinationUuid: REVIEW.uuid },
    ])
    expect('pathways' in res.json.workflow.stages[2]).toBe(false)
    for (const k of ['userRole', 'sourceProjects', 'workflowManagerUuid']) expect(k in res.json).toBe(true)
    expect(res.json.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/)
  })

  it('GET ontology', async () => {
    const res = await v2('GET', `/v2/public/ontologies/${main.ontologyHash}`)
    expect(res.status).toBe(200)
    const ontology = V2Ontology.parse(res.json)
    expect(ontology.ontologyUuid).toBe(main.ontologyHash)
    expect(ontology.editor).toHaveProperty('objects')
  })
})

describe('task listing', () => {
  it('pages with cursor tokens that stay valid while tasks leave the stage (lazy, like the Python runner)', async () => {
    const seen: string[] = []
    let token: string | undefined
    do {
      const res = await v2('GET', tasksPath(PRE, token ? `?pageToken=${token}` : ''))
      expect(res.status).toBe(200)
      for (const t of res.json.results) {
        expect(Object.keys(t).sort()).toEqual(Object.keys(V2AgentTask.shape).sort())
        seen.push(t.uuid)
      }
      token = res.json.nextPageToken
      if (token) expect(token).toBe(res.json.results.at(-1).uuid)
      else expect('nextPageToken' in res.json).toBe(false)
      // Move the whole page out before asking for the next one.
      const moved = await v2(
        'POST',
        actionsPath(PRE),
        res.json.results.map((t: { uuid: string }) => ({
          taskUuid: t.uuid,
          action: 'PATHWAY_ACTION',
          pathwayName: 'complete',
        })),
      )
      expect(moved.status).toBe(204)
    } while (token)
    expect(seen).toHaveLength(35)
    expect(new Set(seen).size).toBe(35)
    expect(await listAll(PRE)).toEqual([])
    const inQa = await listAll(QA)
    expect(inQa).toHaveLength(35)
    expect(inQa.every((t) => t.status === 'NEW' && t.lastActionedBy === 'agent@example.com')).toBe(true)
  })

  it('filters: dataHashes, dataTitleContains, datasetHashes, statuses, userEmails', async () => {
    const all = await listAll(QA)
    const [a, b] = all
    const byHash = await listAll(
      QA,
      `?dataHashes=${a.dataHash}&dataHashes=${b.dataHash}&dataHashes=00000000-0000-4000-8000-000000000000`,
    )
    expect(byHash.map((t) => t.uuid).sort()).toEqual([a.uuid, b.uuid].sort())
    const title = String(a.dataTitle)
    expect(
      (await listAll(QA, `?dataTitleContains=${encodeURIComponent(title.slice(3).toUpperCase())}`)).map((t) => t.uuid),
    ).toEqual([a.uuid])
    expect(await listAll(QA, `?datasetHashes=${fixture.datasets[0].datasetHash}`)).toHaveLength(35)
    expect(await listAll(QA, '?datasetHashes=nope')).toHaveLength(0)
    const assign = await v2('POST', actionsPath(QA), [
      { taskUuid: a.uuid, action: 'ASSIGN', assignee: 'ann@example.com' },
    ])
    expect(assign.status).toBe(204)
    expect((await listAll(QA, '?statuses=ASSIGNED')).map((t) => t.uuid)).toEqual([a.uuid])
    expect((await listAll(QA, '?userEmails=ann%40example.com')).map((t) => t.assignee)).toEqual(['ann@example.com'])
    expect(await listAll(QA, '?statuses=NEW&statuses=ASSIGNED')).toHaveLength(35)
    expect((await v2('POST', actionsPath(QA), [{ taskUuid: a.uuid, action: 'RELEASE' }])).status).toBe(204)
  })

  it('task shapes per stage type (REVIEW, DONE)', async () => {
    const [a, b] = await listAll(QA)
    expect((await proceed(QA, a.uuid as string, 'needs review')).status).toBe(204)
    expect((await proceed(QA, b.uuid as string, 'complete')).status).toBe(204)
    const review = await listAll(REVIEW)
    expect(review.map((t) => t.uuid)).toEqual([a.uuid])
    expect(Object.keys(review[0]).sort()).toEqual(Object.keys(V2ReviewTask.shape).sort())
    const done = await listAll(DONE)
    expect(done.map((t) => t.uuid)).toEqual([b.uuid])
    expect(Object.keys(done[0]).sort()).toEqual(Object.keys(V2FinalTask.shape).sort())
  })

  it('404 for an unknown stage or the START node', async () => {
    expect((await v2('GET', tasksPath({ uuid: '00000000-0000-4000-8000-000000000000' }))).status).toBe(404)
    expect((await v2('GET', tasksPath(main.workflow.stages[0]))).status).toBe(404)
  })
})

describe('proceed', () => {
  it('by pathway uuid; atomic bundles; stale task named; repeated identical proceed not applied twice', async () => {
    const [a, b, c] = await listAll(QA)
    const done = pathway(QA, 'complete')
    const before = emulator.stats().proceeds.byTask
    // c is moved; then a bundle with a (fine) and c (stale) is rejected as a whole.
    expect(
      (await v2('POST', actionsPath(QA), [{ taskUuid: c.uuid, action: 'PATHWAY_ACTION', pathwayUuid: done.uuid }]))
        .status,
    ).toBe(204)
    const stale = await v2('POST', actionsPath(QA), [
      { taskUuid: a.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' },
      { taskUuid: c.uuid, action: 'PATHWAY_ACTION', pathwayName: 'needs review' },
    ])
    expect(stale.status).toBe(400)
    expect(stale.json.message).toContain(c.uuid as string)
    expect(stale.json.message).not.toContain(a.uuid as string)
    expect((await listAll(QA)).map((t) => t.uuid)).toContain(a.uuid)
    // Repeating c's proceed along the same pathway (a retry after a lost response) is accepted, not re-applied.
    const again = await v2('POST', actionsPath(QA), [
      { taskUuid: c.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' },
      { taskUuid: b.uuid, action: 'PATHWAY_ACTION', pathwayName: 'complete' },
    ])
    expect(again.status).toBe(204)
    const after = emulator.stats().proceeds.byTask
    expect(after[c.uuid as string]).toBe((before[c.uuid as string] ?? 0) + 1)
    expect(after[b.uuid as string]).toBe((before[b.uuid as string] ?? 0) + 1)
  })

  it('rejects unknown pathways, both/neither pathway keys, unknown tasks, bad JSON', async () => {
    const [a] = await listAll(QA)
    const unknown = await v2('POST', actionsPath(QA), [
      { taskUuid: a.uuid, action: 'PATHWAY_ACTION', pathwayName: 'nope' },
    ])
    expect(unknown).toMatchObject({
      status: 400,
      json: { message: `Pathway 'nope' does not exist on stage 'QA' (task ${String(a.uuid)})` },
    })
    const both = await v2('POST', actionsPath(QA), [
      {
        taskUuid: a.uuid,
        action: 'PATHWAY_ACTION',
        pathwayName: 'complete',
        pathwayUuid: pathway(QA, 'complete').uuid,
      },
    ])
    expect(both.status).toBe(400)
    expect(both.json.message).toContain(a.uuid as string)
    expect((await v2('POST', actionsPath(QA), [{ taskUuid: a.uuid, action: 'PATHWAY_ACTION' }])).status).toBe(400)
    expect(
      (
        await v2('POST', actionsPath(QA), [
          { taskUuid: '00000000-0000-4000-8000-000000000000', action: 'PATHWAY_ACTION', pathwayName: 'complete' },
        ])
      ).status,
    ).toBe(400)
    expect((await signedRequest(emulator.domain, key, 'POST', actionsPath(QA), { rawBody: '[{' })).status).toBe(400)
    expect((await listAll(QA)).map((t) => t.uuid)).toContain(a.uuid)
  })
})

describe('label rows (legacy)', () => {
  it('metadata: one row per data unit, UPPER data_type, label_hash null until created, workflow node follows the task', async () => {
    const res = await metadata({})
    expect(res.status).toBe(200)
    expect(res.json.status).toBe(200)
    const rows = res.json.response as Array<Record<string, unknown>>
    expect(rows).toHaveLength(35)
    for (const row of rows) LegacyLabelRowMetadataRow.parse(row)
    expect(rows.every((r) => r.data_type === 'IMAGE' && r.branch_name === 'main')).toBe(true)
    const labelled = main.labelRows.map((r) => r.dataHash)
    expect(
      rows
        .filter((r) => r.label_hash !== null)
        .map((r) => r.data_hash)
        .sort(),
    ).toEqual([...labelled].sort())
    const review = (await listAll(REVIEW))[0]
    const row = rows.find((r) => r.data_hash === review.dataHash)!
    expect(row.workflow_graph_node).toEqual({ uuid: REVIEW.uuid, title: 'Review 1' })
    expect(row.task_uuid).toBe(review.uuid)
    expect(row.backing_item_uuid).toBe(main.dataUnits.find((d) => d.dataHash === review.dataHash)!.backingItemUuid)
  })

  it('create on PUT, get, save replaces (history keeps the row before), branches', async () => {
    const unlabelled = main.dataUnits.find((d) => !main.labelRows.some((r) => r.dataHash === d.dataHash))!
    const created = await legacy('labelrow', 'PUT', [unlabelled.dataHash], {
      multi_request: true,
      get_signed_url: false,
      branch_name: 'main',
    })
    expect(created.status).toBe(200)
    const row = created.json.response[0]
    expect(row).toMatchObject({
      data_hash: unlabelled.dataHash,
      data_type: 'image',
      label_status: 'LABEL_IN_PROGRESS',
      branch_name: 'main',
    })
    expect(row.label_hash).toMatch(/^[0-9a-f-]{36}$/)
    expect(row.data_units[unlabelled.dataHash].labels).toEqual({ objects: [], classifications: [] })
    expect(row.created_at).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d UTC$/)
    const again = await legacy('labelrow', 'PUT', [unlabelled.dataHash], {
      multi_request: true,
      get_signed_url: false,
      branch_name: 'main',
    })
    expect(again.json).toMatchObject({ status: 400, response: ['RESOURCE_EXISTS_ERROR'] })
    const listed = (await metadata({ data_hashes: [unlabelled.dataHash] })).json.response
    expect(listed).toHaveLength(1)
    expect(listed[0].label_hash).toBe(row.label_hash)

    const saved = {
      ...row,
      data_units: {
        [unlabelled.dataHash]: {
          ...row.data_units[unlabelled.dataHash],
          labels: { objects: [{ objectHash: 'newObj01', featureHash: 'bX7kQ2pL', name: 'Box' }], classifications: [] },
        },
      },
    }
    const save = await legacy('labelrow', 'POST', [row.label_hash], {
      multi_request: true,
      labels: [saved],
      validate_before_saving: false,
    })
    expect(save.json).toEqual({ status: 200, response: true })
    const got = await legacy('labelrow', 'GET', [row.label_hash], {
      get_signed_url: false,
      multi_request: true,
      include_object_feature_hashes: null,
      include_classification_feature_hashes: null,
      include_reviews: false,
      include_export_history: false,
      include_archived: false,
    })
    expect(got.json.response[0].data_units[unlabelled.dataHash].labels.objects).toEqual([
      { objectHash: 'newObj01', featureHash: 'bX7kQ2pL', name: 'Box' },
    ])
    const events = emulator.state.historyOf(emulator.state.projects.get(P)!, unlabelled.dataHash)
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['create', 'save']))
    const saveEvent = events.find((e) => e.kind === 'save')!
    expect(
      (saveEvent.before as { data_units: Record<string, { labels: unknown }> }).data_units[unlabelled.dataHash].labels,
    ).toEqual({ objects: [], classifications: [] })

    // Another branch starts uninitialised; include_all_label_branches lists both.
    const branch = (await metadata({ data_hashes: [unlabelled.dataHash], branch_name: 'alt' })).json.response
    expect(branch).toEqual([expect.objectContaining({ branch_name: 'alt', label_hash: null })])
    await legacy('labelrow', 'PUT', [unlabelled.dataHash], {
      multi_request: true,
      get_signed_url: false,
      branch_name: 'alt',
    })
    const all = (await metadata({ data_hashes: [unlabelled.dataHash], include_all_label_branches: true })).json.response
    expect(all.map((r: { branch_name: string }) => r.branch_name).sort()).toEqual(['alt', 'main'])
    expect(
      (await metadata({ data_hashes: [unlabelled.dataHash], include_uninitialised_labels: false, branch_name: 'nope' }))
        .json.response,
    ).toEqual([])
  })

  it('GET by label hash: feature filters, signed data_link on request, unknown hash → RESOURCE_NOT_FOUND_ERROR, limit → MULTI_LABEL_LIMIT_ERROR', async () => {
    const existing = main.labelRows[0]
    const base = {
      get_signed_url: true,
      multi_request: true,
      include_object_feature_hashes: null,
      include_classification_feature_hashes: null,
      include_reviews: false,
      include_export_history: false,
      include_archived: false,
    }
    const full = (await legacy('labelrow', 'GET', [existing.labelHash], base)).json.response[0]
    const unit = full.data_units[existing.dataHash]
    expect(unit.labels.objects).toHaveLength(1)
    expect(unit.data_link).toMatch(new RegExp(`^${emulator.domain}/_emulator/media/`))
    const filtered = (
      await legacy('labelrow', 'GET', [existing.labelHash], { ...base, include_object_feature_hashes: ['pL9yG0n4'] })
    ).json.response[0]
    expect(filtered.data_units[existing.dataHash].labels.objects).toEqual([])
    expect(filtered.object_answers).toEqual({})
    expect(filtered.data_units[existing.dataHash].labels.classifications).toHaveLength(1)
    const missing = await legacy('labelrow', 'GET', ['00000000-0000-4000-8000-000000000000'], base)
    expect(missing).toMatchObject({ status: 404, json: { status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] } })
    const limited = await startEmulator({ fixture, maxLabelRowsPerRequest: 1 })
    try {
      const res = await legacyCall(
        limited.domain,
        key,
        P,
        'labelrow',
        'GET',
        [existing.labelHash, main.labelRows[1].labelHash],
        base,
      )
      expect(res.json).toEqual({
        status: 400,
        response: ['MULTI_LABEL_LIMIT_ERROR'],
        payload: { maximum_labels_allowed: 1 },
      })
    } finally {
      await limited.stop()
    }
  })

  it('priorities by data hash are reflected in metadata; a bad pair rejects the whole request', async () => {
    const [d1, d2] = main.dataUnits
    expect(
      (
        await v2('POST', `/v2/public/projects/${P}/priorities`, {
          priorities: [
            [d1.dataHash, 0],
            [d2.dataHash, 0.75],
          ],
        })
      ).status,
    ).toBe(204)
    const rows = (await metadata({ data_hashes: [d1.dataHash, d2.dataHash] })).json.response
    expect(
      Object.fromEntries(rows.map((r: { data_hash: string; priority: number }) => [r.data_hash, r.priority])),
    ).toEqual({ [d1.dataHash]: 0, [d2.dataHash]: 0.75 })
    const bad = await v2('POST', `/v2/public/projects/${P}/priorities`, {
      priorities: [
        [d1.dataHash, 0.5],
        ['00000000-0000-4000-8000-000000000000', 0.5],
      ],
    })
    expect(bad.status).toBe(400)
    expect((await metadata({ data_hashes: [d1.dataHash] })).json.response[0].priority).toBe(0)
  })

  it('twin project: same data hashes, its own label rows and workflow', async () => {
    const twin = fixture.projects[1]
    const rows = (await metadata({ data_hashes: [main.dataUnits[0].dataHash] }, twin.projectHash)).json.response
    expect(rows).toHaveLength(1)
    expect(rows[0].label_hash).toBe(twin.labelRows[0].labelHash)
    expect(rows[0].workflow_graph_node.title).toBe('Annotate 1')
  })
})

describe('storage', () => {
  const items = fixture.storageItems
  it('get-bulk keeps the order; signedUrl only when asked; clientMetadata is a JSON string', async () => {
    const uuids = [items[5].uuid, items[0].uuid, items[3].uuid]
    const unsigned = await v2('POST', '/v2/public/storage/items/get-bulk', { itemUuids: uuids, signUrls: false })
    expect(unsigned.status).toBe(200)
    expect(unsigned.json.results.map((i: { uuid: string }) => i.uuid)).toEqual(uuids)
    for (const item of unsigned.json.results) {
      expect(Object.keys(item).sort()).toEqual(Object.keys(V2StorageItem.shape).sort())
      expect(item.signedUrl).toBeNull()
    }
    expect(JSON.parse(unsigned.json.results[0].clientMetadata)).toEqual(items[5].clientMetadata)
    const signed = await v2('POST', '/v2/public/storage/items/get-bulk', { itemUuids: uuids, signUrls: true })
    expect(
      signed.json.results.every((i: { signedUrl: string }) =>
        i.signedUrl.startsWith(`${emulator.domain}/_emulator/media/`),
      ),
    ).toBe(true)
    const missing = await v2('POST', '/v2/public/storage/items/get-bulk', {
      itemUuids: [items[0].uuid, '00000000-0000-4000-8000-000000000000'],
      signUrls: true,
    })
    expect(missing.status).toBe(403)
  })

  it('GET item with signUrl=True/False; PATCH clientMetadata (object) is stored and listed', async () => {
    const item = items[1]
    expect((await v2('GET', `/v2/public/storage/items/${item.uuid}?signUrl=False`)).json.signedUrl).toBeNull()
    const signed = await v2('GET', `/v2/public/storage/items/${item.uuid}?signUrl=True`)
    expect(signed.json.signedUrl).toContain(item.uuid)
    expect((await v2('GET', `/v2/public/storage/items/${item.uuid}?signUrl=maybe`)).status).toBe(400)
    const patched = await v2('PATCH', `/v2/public/storage/folders/${item.parent}/items/${item.uuid}`, {
      clientMetadata: { reviewed: true, score: 0.5 },
    })
    expect(patched.status).toBe(200)
    expect(JSON.parse(patched.json.clientMetadata)).toEqual({ reviewed: true, score: 0.5 })
    const unit = main.dataUnits.find((d) => d.backingItemUuid === item.uuid)!
    const row = (await metadata({ data_hashes: [unit.dataHash], include_client_metadata: true })).json.response[0]
    expect(row.client_metadata).toEqual({ reviewed: true, score: 0.5 })
    expect(
      (
        await v2('PATCH', `/v2/public/storage/folders/00000000-0000-4000-8000-000000000000/items/${item.uuid}`, {
          name: 'x',
        })
      ).status,
    ).toBe(404)
  })

  it('media at signed URLs, unauthenticated; a tampered URL is refused', async () => {
    const signed = await v2('POST', '/v2/public/storage/items/get-bulk', { itemUuids: [items[0].uuid], signUrls: true })
    const url = signed.json.results[0].signedUrl as string
    const res = await request(url)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    const bytes = Buffer.from(await res.body.arrayBuffer())
    expect(bytes.subarray(1, 4).toString()).toBe('PNG')
    expect(bytes.readUInt32BE(16)).toBe(items[0].width)
    const tampered = await request(url.replace(/sig=./, 'sig=x'))
    expect(tampered.statusCode).toBe(403)
    await tampered.body.dump()
  })

  it('video media is a real MP4', async () => {
    const video = generateFixture({
      tasks: 1,
      seed: 1,
      dataType: 'video',
      users: [{ email: 'a@b', publicKeyHex: key.publicKeyHex }],
    })
    const e = await startEmulator({ fixture: video })
    try {
      const signed = await signedRequest(
        e.domain,
        key,
        'GET',
        `/v2/public/storage/items/${video.storageItems[0].uuid}?signUrl=True`,
      )
      const res = await request(signed.json.signedUrl)
      const bytes = Buffer.from(await res.body.arrayBuffer())
      expect(res.headers['content-type']).toBe('video/mp4')
      expect(bytes.subarray(4, 8).toString()).toBe('ftyp')
    } finally {
      await e.stop()
    }
  })
})

describe('/_emulator endpoints', () => {
  it('stats: requests by endpoint and status, proceeds per task, connections', async () => {
    const res = await request(`${emulator.domain}/_emulator/stats`)
    const stats = (await res.body.json()) as ReturnType<EmulatorHandle['stats']>
    expect(stats.requests.byEndpoint['list-tasks']['200']).toBeGreaterThan(5)
    expect(stats.requests.byEndpoint['proceed']['400']).toBeGreaterThan(0)
    expect(stats.connections.opened).toBeGreaterThan(0)
    expect(Math.max(...Object.values(stats.proceeds.byTask))).toBe(2) // Pre-label → QA → (Review|Complete)
    // Unsigned, so loopback clients only (an emulator started with --host 0.0.0.0 keeps them private).
    for (const url of ['/_emulator/stats', '/_emulator/requests', `/_emulator/api/projects/${P}`]) {
      const remote = await emulator.app.inject({ method: 'GET', url, remoteAddress: '192.0.2.7' })
      expect(remote.statusCode, url).toBe(403)
      expect(remote.json()).toEqual({ message: 'The /_emulator endpoints answer loopback clients only' })
      expect((await emulator.app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1' })).statusCode, url).toBe(200)
    }
  })

  it('request log never holds signature values', async () => {
    const res = await request(`${emulator.domain}/_emulator/requests`)
    const body = (await res.body.json()) as {
      enabled: boolean
      requests: Array<{ headers: Record<string, string>; keyId: string | null }>
    }
    expect(body.enabled).toBe(true)
    expect(body.requests.length).toBe(50)
    const text = JSON.stringify(body)
    expect(text).not.toMatch(/encord-sig=:/)
    expect(text).not.toMatch(/[0-9a-f]{64}:[0-9a-f]{128}/)
    expect(
      body.requests.some((r) => r.headers['signature'] === '[redacted]' || r.headers['authorization'] === '[redacted]'),
    ).toBe(true)
  })

  it('dashboard state: projects, workflow with counts, tasks by stage and text, task detail with history', async () => {
    const projects = (await (await request(`${emulator.domain}/_emulator/api/projects`)).body.json()) as Array<{
      projectHash: string
    }>
    expect(projects.map((p) => p.projectHash)).toEqual([P, fixture.projects[1].projectHash])
    const detail = (await (await request(`${emulator.domain}/_emulator/api/projects/${P}`)).body.json()) as {
      workflow: { stages: Array<{ title: string; taskCount: number }> }
    }
    expect(detail.workflow.stages.map((s) => s.title)).toEqual(['Start', 'Pre-label', 'QA', 'Review 1', 'Complete'])
    expect(detail.workflow.stages.reduce((n, s) => n + s.taskCount, 0)).toBe(35)
    const review = (await (
      await request(`${emulator.domain}/_emulator/api/projects/${P}/tasks?stage=Review%201`)
    ).body.json()) as { results: Array<{ uuid: string; dataTitle: string }> }
    expect(review.results.length).toBe(detail.workflow.stages.find((s) => s.title === 'Review 1')!.taskCount)
    const t = review.results[0]
    const byText = (await (
      await request(`${emulator.domain}/_emulator/api/projects/${P}/tasks?q=${t.dataTitle}`)
    ).body.json()) as { results: Array<{ uuid: string }> }
    expect(byText.results.map((r) => r.uuid)).toEqual([t.uuid])
    const one = (await (
      await request(`${emulator.domain}/_emulator/api/projects/${P}/tasks/${t.uuid}`)
    ).body.json()) as { history: Array<{ kind: string }>; task: { proceeds: number } }
    expect(one.history.filter((e) => e.kind === 'proceed')).toHaveLength(2)
    expect(one.task.proceeds).toBe(2)
    expect((await request(`${emulator.domain}/_emulator/api/projects/nope`)).statusCode).toBe(404)
  })

  it('unknown paths: v2 404 {message}, legacy envelope', async () => {
    const v2res = await request(`${emulator.domain}/v2/public/nothing/here`)
    expect(v2res.statusCode).toBe(404)
    expect(await v2res.body.json()).toEqual({ message: 'Not found' })
    const leg = await request(`${emulator.domain}/public/user`, { method: 'POST', body: '{}' })
    expect(await leg.body.json()).toMatchObject({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] })
  })
})

describe('less common calls', () => {
  it('move-tasks, datasets, patch-bulk, unimplemented legacy calls', async () => {
    const [t] = await listAll(QA)
    const move = await v2('POST', `/v2/public/projects/${P}/workflow/stages/${QA.uuid}/move-tasks`, {
      taskUuids: [t.uuid],
      destinationStageUuid: PRE.uuid,
    })
    expect(move.status).toBe(204)
    expect((await listAll(PRE)).map((x) => x.uuid)).toEqual([t.uuid])
    const stale = await v2('POST', `/v2/public/projects/${P}/workflow/stages/${QA.uuid}/move-tasks`, {
      taskUuids: [t.uuid],
      destinationStageUuid: PRE.uuid,
    })
    expect(stale.status).toBe(400)

    const datasets = await v2('GET', `/v2/public/projects/${P}/datasets`)
    expect(datasets.json).toEqual({
      results: [{ datasetHash: fixture.datasets[0].datasetHash, title: fixture.datasets[0].title, description: '' }],
    })

    const [a, b] = fixture.storageItems
    const bulk = await v2('PATCH', '/v2/public/storage/items/patch-bulk', {
      itemPatches: { [a.uuid]: { description: 'first' }, [b.uuid]: { name: 'renamed.png' } },
    })
    expect(bulk.status).toBe(200)
    expect(bulk.json.results.map((i: { description: string; name: string }) => [i.description, i.name])).toEqual([
      ['first', a.name],
      ['', 'renamed.png'],
    ])

    const complete = await legacy('labelworkflowgraphnode', 'POST', [main.labelRows[0].labelHash], {
      action: 'complete',
    })
    expect(complete.json).toMatchObject({ status: 405, response: ['METHOD_NOT_ALLOWED_ERROR'] })
    const noHeaders = await signedRequest(emulator.domain, key, 'POST', '/public', {
      body: { query_type: 'labelrow', query_method: 'GET', values: { uid: [], payload: {} } },
    })
    expect(noHeaders.json).toMatchObject({ status: 400, response: ['INVALID_ARGUMENTS_ERROR'] })
  })

  it('image groups: child items in order, no signed URL for the group, a data unit per child in new label rows', async () => {
    const f = generateFixture({
      tasks: 3,
      seed: 8,
      users: [{ email: 'a@b', publicKeyHex: key.publicKeyHex }],
      labelledFraction: 0,
    })
    const children = f.storageItems.slice(0, 2)
    const group = {
      ...f.storageItems[2],
      uuid: '6a000000-0000-4000-8000-000000000001',
      itemType: 'imageGroup',
      name: 'group',
      mimeType: null,
      media: undefined,
      children: children.map((c) => c.uuid),
    }
    f.storageItems.push(group)
    const project = f.projects[0]
    project.dataUnits.push({
      ...project.dataUnits[0],
      dataHash: '6b000000-0000-4000-8000-000000000001',
      dataTitle: 'group',
      dataType: 'IMG_GROUP',
      backingItemUuid: group.uuid,
      numberOfFrames: 2,
    })
    const e = await startEmulator({ fixture: f })
    try {
      const kids = await signedRequest(
        e.domain,
        key,
        'GET',
        `/v2/public/storage/folders/${group.parent}/items/${group.uuid}/child-items?signUrls=True`,
      )
      expect(kids.json.results.map((i: { uuid: string }) => i.uuid)).toEqual(group.children)
      expect(kids.json.results.every((i: { signedUrl: string | null }) => i.signedUrl !== null)).toBe(true)
      const bulk = await signedRequest(e.domain, key, 'POST', '/v2/public/storage/items/get-bulk', {
        body: { itemUuids: [group.uuid], signUrls: true },
      })
      expect(bulk.json.results[0].signedUrl).toBeNull()
      const row = (
        await legacyCall(
          e.domain,
          key,
          project.projectHash,
          'labelrow',
          'PUT',
          ['6b000000-0000-4000-8000-000000000001'],
          { multi_request: true, get_signed_url: false, branch_name: 'main' },
        )
      ).json.response[0]
      expect(row.data_type).toBe('img_group')
      expect(Object.keys(row.data_units)).toEqual(group.children)
      expect(row.data_units[group.children[1]].data_sequence).toBe('1')
      const meta = await legacyCall(e.domain, key, project.projectHash, 'labelrowmetadata', 'GET', null, {
        ...METADATA_DEFAULTS,
        data_hashes: ['6b000000-0000-4000-8000-000000000001'],
        include_images_data: true,
      })
      expect(meta.json.response[0].images_data.map((i: { image_hash: string }) => i.image_hash)).toEqual(group.children)
    } finally {
      await e.stop()
    }
  })
})

describe('malformed requests', () => {
  it('a bad query string or a body over the limit gets the transport error shape', async () => {
    const bad = await v2('GET', tasksPath(QA, '?pageToken=%zz'))
    expect(bad).toMatchObject({ status: 400, json: { message: 'Malformed query string' } })
    const small = await startEmulator({ fixture, bodyLimit: 100 })
    try {
      const big = await signedRequest(small.domain, key, 'POST', '/public', {
        body: { query_type: 'labelrow', query_method: 'POST', values: { uid: [], payload: { pad: 'x'.repeat(500) } } },
      })
      expect(big.status).toBe(413)
      expect(big.json).toMatchObject({ status: 413, response: ['PAYLOAD_TOO_LARGE'] })
      const bigV2 = await signedRequest(small.domain, key, 'POST', `/v2/public/projects/${P}/priorities`, {
        body: { priorities: [], pad: 'x'.repeat(500) },
      })
      expect(bigV2).toMatchObject({ status: 413, json: { message: expect.any(String) } })
    } finally {
      await small.stop()
    }
  })
})
