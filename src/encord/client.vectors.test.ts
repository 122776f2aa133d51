import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePrivateKey } from './auth/keys.js'
import { EncordClient } from './client.js'

/**
 * The client must put on the wire exactly what the Python SDK does for the same logical call: same
 * path and query, same body bytes, same signature headers. A capture server records what the client
 * sends (serving the spec's fixtures) and each request is compared with its vector.
 */
const dir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const fixture = (name: string): string => readFileSync(dir + 'fixtures/' + name, 'utf8')
interface Vector {
  id: string
  request: {
    method: string
    url: string
    path_and_query: string
    headers: Array<[string, string]>
    body_utf8: string | null
  }
}
const vectors = JSON.parse(readFileSync(dir + 'vectors.json', 'utf8')) as {
  clock: { frozen_unix_time: number }
  vectors: Vector[]
}
const vector = (id: string): Vector => vectors.vectors.find((v) => v.id === id)!
const key = parsePrivateKey(readFileSync(dir + 'test-key', 'utf8'))

interface Captured {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}
let captured: Captured[] = []
let server: Server
let client: EncordClient
const NEXT_TOKEN = 'a0000002-dddd-4eee-bfff-000000000002'

function respond(c: Captured): [number, string] {
  const u = c.url
  if (u.startsWith('/v2/public/projects/') && u.split('/').length === 5) return [200, fixture('project.json')]
  if (u.startsWith('/v2/public/ontologies/')) return [200, fixture('ontology.json')]
  if (u.includes('/tasks')) {
    if (u.includes('pageToken=')) return [200, fixture('agent_tasks_page2.json')]
    return [200, fixture('agent_tasks_page1.json').replace('cGFnZS0y', NEXT_TOKEN)]
  }
  if (u.endsWith('/actions')) return [204, '']
  if (u.endsWith('/get-bulk')) return [200, fixture('storage_items_get_bulk.json')]
  if (u === '/public') {
    const body = JSON.parse(c.body) as { query_type: string; query_method: string }
    if (body.query_type === 'labelrowmetadata') return [200, fixture('legacy_label_row_metadata_response.json')]
    if (body.query_method === 'GET') return [200, fixture('legacy_get_label_rows_response.json')]
    if (body.query_method === 'POST') return [200, fixture('legacy_save_label_rows_response.json')]
  }
  return [404, '{"message": "not found"}']
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const c: Captured = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      captured.push(c)
      const [status, body] = respond(c)
      res
        .writeHead(status, status === 204 ? {} : { 'content-type': 'application/json' })
        .end(status === 204 ? undefined : body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  client = new EncordClient({
    domain: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key,
    now: () => vectors.clock.frozen_unix_time * 1000,
  })
})
afterAll(async () => {
  await client.close()
  await new Promise<void>((r) => server.close(() => r()))
})

const SIGNED = [
  'Content-Digest',
  'Signature-Input',
  'Signature',
  'Authorization',
  'ResourceType',
  'ResourceID',
  'Content-Type',
]

function expectMatches(c: Captured, id: string): void {
  const v = vector(id)
  expect(c.method, id).toBe(v.request.method)
  expect(c.url, id).toBe(v.request.path_and_query)
  expect(c.body, id).toBe(v.request.body_utf8 ?? '')
  for (const [name, value] of v.request.headers) {
    if (SIGNED.includes(name)) expect(c.headers[name.toLowerCase()], `${id} ${name}`).toBe(value)
  }
}

describe('EncordClient sends exactly what the Python SDK sends (vectors.json)', () => {
  it('v2-get-project (then the ontology)', async () => {
    captured = []
    const project = await client.getProject('7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11')
    expectMatches(captured[0], 'v2-get-project')
    expect(captured[1].url).toBe('/v2/public/ontologies/3c9a6e2d-8b41-4f7a-a5d3-6e2b1c0f9d22')
    expect(project.workflow.stages.map((s) => s.type)).toEqual(['ANNOTATION', 'AGENT', 'REVIEW', 'DONE'])
    expect(project.workflow.stages[1].pathways.map((p) => p.name)).toEqual(['complete', 'needs review'])
    expect(project.ontology.structure).toHaveProperty('classifications')
  })

  it('v2-get-agent-tasks-first-page / next-page, fetched lazily', async () => {
    captured = []
    const it = client
      .listTasks('7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11', '1b2c3d4e-0002-4a00-8000-00000000a002')
      [Symbol.asyncIterator]()
    const first = await it.next()
    expect(first.value.dataTitle).toBe('street.jpg')
    expect(captured).toHaveLength(1)
    expectMatches(captured[0], 'v2-get-agent-tasks-first-page')
    await it.next()
    expect(captured).toHaveLength(1) // still on page 1
    const third = await it.next()
    expect(third.value.dataTitle).toBe('parking.jpg')
    expectMatches(captured[1], 'v2-get-agent-tasks-next-page')
    expect((await it.next()).done).toBe(true)
    expect(captured).toHaveLength(2)
  })

  it('v2-post-workflow-actions-proceed', async () => {
    captured = []
    const result = await client.proceedTasks(
      '7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11',
      '1b2c3d4e-0002-4a00-8000-00000000a002',
      [
        { taskUuid: 'a0000001-dddd-4eee-bfff-000000000001', pathwayName: 'complete' },
        { taskUuid: 'a0000002-dddd-4eee-bfff-000000000002', pathwayUuid: '9d8c7b6a-0002-4b00-9000-0000000000b2' },
      ],
    )
    expectMatches(captured[0], 'v2-post-workflow-actions-proceed')
    expect(result).toEqual({
      proceeded: ['a0000001-dddd-4eee-bfff-000000000001', 'a0000002-dddd-4eee-bfff-000000000002'],
      stale: [],
    })
  })

  it('v2-post-storage-items-get-bulk', async () => {
    captured = []
    const uuids = [
      'f0000001-cccc-4ddd-aeee-000000000001',
      'f0000002-cccc-4ddd-aeee-000000000002',
      'f0000003-cccc-4ddd-aeee-000000000003',
    ]
    const items = await client.getStorageItems(uuids, { signUrls: true })
    expectMatches(captured[0], 'v2-post-storage-items-get-bulk')
    expect(items.map((i) => i.uuid)).toEqual(uuids)
    expect(items[0].clientMetadata).toEqual({ camera: 'front', reviewed: false })
  })

  it('legacy-list-label-row-metadata', async () => {
    captured = []
    const rows = await client.listLabelRowMetadata('7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11', {
      dataHashes: [
        'd0000001-aaaa-4bbb-8ccc-000000000001',
        'd0000002-aaaa-4bbb-8ccc-000000000002',
        'd0000003-aaaa-4bbb-8ccc-000000000003',
      ],
      includeClientMetadata: true,
    })
    expectMatches(captured[0], 'legacy-list-label-row-metadata')
    expect(rows.map((r) => r.labelHash === null)).toEqual([false, false, true])
    expect(rows[0].workflowGraphNode?.title).toBe('Agent 1')
  })

  it('legacy-get-label-rows', async () => {
    captured = []
    const rows = await client.getLabelRows('7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11', [
      'e0000001-bbbb-4ccc-9ddd-000000000001',
      'e0000002-bbbb-4ccc-9ddd-000000000002',
    ])
    expectMatches(captured[0], 'legacy-get-label-rows')
    expect(rows.map((r) => r.label_hash)).toEqual([
      'e0000001-bbbb-4ccc-9ddd-000000000001',
      'e0000002-bbbb-4ccc-9ddd-000000000002',
    ])
  })

  it('legacy-save-label-rows', async () => {
    captured = []
    const body = JSON.parse(vector('legacy-save-label-rows').request.body_utf8!) as {
      values: { uid: string[]; payload: { labels: Array<Record<string, unknown>> } }
    }
    await client.saveLabelRows('7f1d3b52-4c2e-4a8b-9b1e-2f6c8d9a0e11', [
      { labelHash: body.values.uid[0], labelRow: body.values.payload.labels[0] },
    ])
    expectMatches(captured[0], 'legacy-save-label-rows')
  })

  it('counts requests per endpoint', () => {
    const stats = client.stats()
    expect(stats.requests).toMatchObject({
      getProject: 1,
      getOntology: 1,
      listTasks: 2,
      proceed: 1,
      storageGetBulk: 1,
      labelRowMetadata: 1,
      getLabelRows: 1,
      saveLabelRows: 1,
    })
    expect(stats.totalRetries).toBe(0)
  })
})
