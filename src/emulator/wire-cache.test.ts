import { describe, expect, it } from 'vitest'
import { EncordClient } from '../encord/client.js'
import { generateFixture } from './generate.js'
import { startEmulator, type EmulatorHandle } from './index.js'
import { ok } from './server-pipeline.js'
import { legacyCall, signedRequest } from './testing.js'
import { WireCache, warmWireCache } from './wire-cache.js'
import { wireLabelRow, wireMetadataRow } from './wire.js'
import { closedAfterEach, GET_ROWS, key, users } from './client.test-kit.js'

/**
 * The cached JSON text of label rows and metadata rows (wire-cache.ts), through the real emulator over
 * HTTP: replies byte for byte what serialising the whole reply gives, and never stale after a change.
 */
const open = closedAfterEach()

async function setup(dataType: 'image' | 'mixed', options: { twin?: boolean } = {}) {
  const fixture = generateFixture({ tasks: 24, seed: 5, users, dataType, labelledFraction: 0.5, ...options })
  const emulator = await startEmulator({ fixture })
  const client = new EncordClient({ domain: emulator.domain, key, backoffBaseMs: 5 })
  open.push(emulator, client)
  return { fixture, emulator, client, projectHash: fixture.projects[0].projectHash }
}

const METADATA = {
  include_uninitialised_labels: true,
  include_client_metadata: false,
  include_images_data: false,
  include_workflow_graph_node: true,
  include_all_label_branches: false,
}

const project = (emulator: EmulatorHandle, projectHash: string) => emulator.state.project(projectHash)
const responseOf = (res: { json: unknown }) => (res.json as { response: unknown }).response
const legacy = (
  emulator: EmulatorHandle,
  projectHash: string,
  type: string,
  method: string,
  uid: unknown,
  payload: unknown,
) => legacyCall(emulator.domain, key, projectHash, type, method, uid, payload)

/** What the emulator sent before the cache: the whole reply through JSON.stringify. */
function expectedMetadata(emulator: EmulatorHandle, projectHash: string, flags: Record<string, boolean>): string {
  const { state } = emulator
  const project = state.project(projectHash)
  const inc = {
    includeClientMetadata: flags.include_client_metadata,
    includeImagesData: flags.include_images_data,
    includeWorkflowGraphNode: flags.include_workflow_graph_node,
  }
  const rows = state.labelRowMetadata(projectHash, {
    includeAllLabelBranches: flags.include_all_label_branches,
    includeUninitialisedLabels: true,
  })
  return JSON.stringify(ok(rows.map((row) => wireMetadataRow(state, project, row, inc))).body)
}

function expectedRows(emulator: EmulatorHandle, projectHash: string, labelHashes: string[]): string {
  const { state } = emulator
  const project = state.project(projectHash)
  const rows = labelHashes.map((h) => wireLabelRow(state, project, state.labelRow(project, h), { sign: null }))
  return JSON.stringify(ok(rows).body)
}

describe('wire cache: replies byte for byte as before', () => {
  for (const dataType of ['image', 'mixed'] as const) {
    it(`${dataType}: metadata (every include flag) and label rows, cold and cached`, async () => {
      const { emulator, projectHash } = await setup(dataType, { twin: true })
      for (const clientMetadata of [false, true])
        for (const imagesData of [false, true])
          for (const node of [false, true]) {
            const flags = {
              ...METADATA,
              include_client_metadata: clientMetadata,
              include_images_data: imagesData,
              include_workflow_graph_node: node,
            }
            const expected = expectedMetadata(emulator, projectHash, flags)
            for (let pass = 0; pass < 2; pass++) {
              const res = await legacy(emulator, projectHash, 'labelrowmetadata', 'GET', null, flags)
              expect(res.status).toBe(200)
              expect(res.text).toBe(expected)
            }
          }
      // Created rows (every data type of the mix): the reply of the PUT, then the same rows read back.
      const record = emulator.state.project(projectHash)
      const unlabelled = [...record.dataUnits.keys()].filter((h) => !record.labelRowsByData.has(h))
      expect(unlabelled.length).toBeGreaterThan(3)
      const created = await legacy(emulator, projectHash, 'labelrow', 'PUT', unlabelled, { branch_name: 'main' })
      expect(created.status).toBe(200)
      const createdHashes = (responseOf(created) as Array<{ label_hash: string }>).map((r) => r.label_hash)
      expect(created.text).toBe(expectedRows(emulator, projectHash, createdHashes))
      const back = await legacy(emulator, projectHash, 'labelrow', 'GET', createdHashes, GET_ROWS)
      expect(back.text).toBe(created.text)
      const labelHashes = [...record.labelRows.keys()]
      for (let pass = 0; pass < 2; pass++) {
        const res = await legacy(emulator, projectHash, 'labelrow', 'GET', labelHashes, GET_ROWS)
        expect(res.text).toBe(expectedRows(emulator, projectHash, labelHashes))
        // One row asked as a string (not a list): the row itself, not a list of one.
        const one = await legacy(emulator, projectHash, 'labelrow', 'GET', labelHashes[1], GET_ROWS)
        const row = wireLabelRow(emulator.state, record, emulator.state.labelRow(record, labelHashes[1]), {
          sign: null,
        })
        expect(one.text).toBe(JSON.stringify(ok(row).body))
      }
      expect(emulator.state.wireCache.hits).toBeGreaterThan(0)
      // And the metadata again, now that every data unit has a row.
      expect((await legacy(emulator, projectHash, 'labelrowmetadata', 'GET', null, METADATA)).text).toBe(
        expectedMetadata(emulator, projectHash, METADATA),
      )
    })
  }

  it('an empty list is `[]`', async () => {
    const { emulator, projectHash } = await setup('image')
    const res = await legacy(emulator, projectHash, 'labelrowmetadata', 'GET', null, {
      ...METADATA,
      data_title_eq: 'no such title',
    })
    expect(res.text).toBe('{"status":200,"response":[]}')
  })

  it('signed URLs and feature filters are served as before (not from the cache)', async () => {
    const { emulator, projectHash, fixture } = await setup('image', {})
    const labelHashes = [...emulator.state.project(projectHash).labelRows.keys()]
    const signed = await legacy(emulator, projectHash, 'labelrow', 'GET', labelHashes, {
      ...GET_ROWS,
      get_signed_url: true,
    })
    const rows = responseOf(signed) as Array<{ data_units: Record<string, { data_link: string }> }>
    expect(Object.values(rows[0].data_units)[0].data_link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    const structure = fixture.ontologies[0].structure as { objects: Array<{ featureNodeHash: string }> }
    const box = structure.objects[0].featureNodeHash
    const filtered = await legacy(emulator, projectHash, 'labelrow', 'GET', labelHashes, {
      ...GET_ROWS,
      include_object_feature_hashes: ['no such feature'],
    })
    const project = emulator.state.project(projectHash)
    const expected = labelHashes.map((h) =>
      wireLabelRow(emulator.state, project, emulator.state.labelRow(project, h), {
        sign: null,
        objectFeatureHashes: ['no such feature'],
      }),
    )
    expect(filtered.text).toBe(JSON.stringify(ok(expected).body))
    expect(filtered.text).not.toContain(box)
    expect(emulator.state.wireCache.size).toBe(0)
    // The same headers as a reply from the cache (bytes) as for one serialised now (a string).
    const cached = await legacy(emulator, projectHash, 'labelrow', 'GET', labelHashes, GET_ROWS)
    expect(cached.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(filtered.headers['content-type']).toBe(cached.headers['content-type'])
    expect(Number(cached.headers['content-length'])).toBe(Buffer.byteLength(cached.text))
  })
})

describe('wire cache: never stale (the real client over HTTP)', () => {
  it('a saved row reads back with its new content and last edit', async () => {
    const { client, projectHash, emulator } = await setup('image')
    const labelHash = [...project(emulator, projectHash).labelRows.keys()][0]
    const [before] = await client.getLabelRows(projectHash, [labelHash])
    const dataHash = String(before.data_hash)
    const [metaBefore] = await client.listLabelRowMetadata(projectHash, { dataHashes: [dataHash] })
    const [again] = await client.getLabelRows(projectHash, [labelHash])
    expect(again).toEqual(before)
    expect(emulator.state.wireCache.hits).toBeGreaterThan(0)
    const edited = structuredClone(before)
    const answers = edited.object_answers as Record<string, unknown>
    edited.object_answers = { ...answers, added: { objectHash: 'added', classifications: [] } }
    await client.saveLabelRows(projectHash, [{ labelHash, labelRow: edited }])
    const [after] = await client.getLabelRows(projectHash, [labelHash])
    expect(after.object_answers).toHaveProperty('added')
    expect(after.last_edited_at).not.toBe(before.last_edited_at)
    const [meta] = await client.listLabelRowMetadata(projectHash, { dataHashes: [dataHash] })
    expect(meta.lastEditedAt).not.toBe(metaBefore.lastEditedAt)
  })

  it('metadata follows a proceed, an assignment, a priority, a created row and a storage change', async () => {
    const { client, projectHash, emulator } = await setup('image')
    const p = await client.getProject(projectHash)
    const agent = p.workflow.stages.find((s) => s.type === 'AGENT')!
    const record = project(emulator, projectHash)
    const task = [...record.tasks.values()].find((t) => !record.labelRowsByData.has(t.dataHash))!
    const read = async (options = {}) =>
      (await client.listLabelRowMetadata(projectHash, { dataHashes: [task.dataHash], ...options }))[0]

    const first = await read()
    expect(first.workflowGraphNode?.title).toBe('Agent 1')
    expect(first.labelHash).toBeNull()
    expect(await read()).toEqual(first)

    await client.setPriorities(projectHash, [{ dataHash: task.dataHash, priority: 0.9 }])
    expect((await read()).priority).toBe(0.9)

    const [created] = await client.createLabelRows(projectHash, [task.dataHash])
    expect((await read()).labelHash).toBe(created.label_hash)

    const item = emulator.state.storageItems.get(record.dataUnits.get(task.dataHash)!.backingItemUuid!)!
    expect((await read({ includeClientMetadata: true })).clientMetadata).toEqual(item.clientMetadata)
    await client.updateStorageItem(item, { clientMetadata: { changed: true } })
    expect((await read({ includeClientMetadata: true })).clientMetadata).toEqual({ changed: true })

    const assign = await signedRequest(
      emulator.domain,
      key,
      'POST',
      `/v2/public/projects/${projectHash}/workflow/stages/${agent.uuid}/actions`,
      { body: [{ taskUuid: task.uuid, action: 'ASSIGN', assignee: 'someone@example.com' }] },
    )
    expect(assign.status).toBe(204)
    const assigned = await read()
    expect(assigned.raw.assigned_user_email).toBe('someone@example.com')
    expect(assigned.raw.last_actioned_by_user_email).toBeNull()

    const result = await client.proceedTasks(projectHash, agent.uuid, [
      { taskUuid: task.uuid, pathwayName: 'complete' },
    ])
    expect(result.proceeded).toEqual([task.uuid])
    const moved = await read()
    expect(moved.workflowGraphNode?.title).toBe('Complete')
    expect(moved.raw.last_actioned_by_user_email).toBe('agent@example.com')
    expect(moved.raw.assigned_user_email).toBeNull()
  })
})

describe('WireCache', () => {
  it('is bounded: the oldest piece goes first', () => {
    const cache = new WireCache(10)
    const text = (key: unknown, stamp: unknown[], built: string) => cache.piece(key, stamp, () => built).toString()
    text('a', [1], 'aaaa')
    text('b', [1], 'bbbb')
    expect(text('a', [1], 'changed')).toBe('aaaa') // a hit
    text('c', [1], 'cccc')
    expect(cache.bytes).toBe(8)
    expect(cache.size).toBe(2)
    expect(cache.evictions).toBe(1)
    expect(text('a', [1], 'new a')).toBe('new a') // evicted (the first kept)
    expect(text('c', [1], 'changed')).toBe('cccc') // kept
    expect(text('c', [2], 'new c')).toBe('new c') // another stamp: rebuilt
    expect(text('x', [1], 'longer than the bound')).toBe('longer than the bound') // never kept
    expect(cache.bytes).toBeLessThanOrEqual(10)
    expect(text('é', [1], 'éé')).toBe('éé') // UTF-8: four bytes
    expect(cache.bytes).toBeLessThanOrEqual(10)
    expect(text('é', [1], 'changed')).toBe('éé')
  })

  it('warmWireCache fills the cache up to its bound and no further', async () => {
    const { emulator, projectHash } = await setup('mixed')
    const all = warmWireCache(emulator.state, projectHash)
    expect(all.rows).toBe(24)
    const full = emulator.state.wireCache.bytes
    const small = emulator.state.wireCache
    small.clear()
    small.maxBytes = Math.floor(full / 3)
    const some = warmWireCache(emulator.state, projectHash)
    expect(some.rows).toBeGreaterThan(2)
    expect(some.rows).toBeLessThan(12)
    expect(small.bytes).toBeLessThanOrEqual(small.maxBytes)
  })
})
