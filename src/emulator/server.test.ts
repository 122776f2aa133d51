import { createRequire } from 'node:module'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { generateFixture } from './generate.js'
import { startEmulator, type EmulatorHandle } from './index.js'
import { legacyCall, signedRequest } from './testing.js'
import { V2AgentTask, V2FinalTask, V2Ontology, V2Project, V2ReviewTask, V2StorageItem } from '../encord/models.js'
import {
  actionsPath,
  DONE,
  emulator,
  fixture,
  key,
  legacy,
  listAll,
  main,
  METADATA_DEFAULTS,
  metadata,
  P,
  pathway,
  PRE,
  proceed,
  QA,
  REVIEW,
  tasksPath,
  useEmulator,
  v2,
} from './server.test-kit.js'

/** The HTTP API through raw signed requests: shapes, pagination, workflow, storage, media. */

useEmulator()

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
    // Change the signature's first character (to another one: 'x' would be no change one time in 64).
    const tampered = await request(url.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'x' ? 'y' : 'x'}`))
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
    const leg = await request(`${emulator.domain}/public/nothing`, { method: 'POST', body: '{}' })
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

describe('start-up', () => {
  it('Fastify is built without Ajv or fast-json-stringify: requests are checked with zod, replies written as JSON', () => {
    // The emulator of useEmulator() is up and has served the requests above; Node's module cache is
    // per test file (vitest forks), so only what this file's emulator loaded is there.
    const loaded = Object.keys(createRequire(import.meta.url).cache)
    expect(loaded.some((file) => file.includes('/node_modules/fastify/'))).toBe(true)
    expect(loaded.filter((file) => /\/node_modules\/(ajv|@fastify\/ajv-compiler)\//.test(file))).toEqual([])
    expect(loaded.filter((file) => file.includes('/node_modules/@fastify/fast-json-stringify-compiler/'))).toEqual([])
  })
})
