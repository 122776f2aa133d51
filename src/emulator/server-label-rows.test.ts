import { describe, expect, it } from 'vitest'
import { startEmulator } from './index.js'
import { legacyCall } from './testing.js'
import { GET_ROWS } from './client.test-kit.js'
import { LegacyLabelRowMetadataRow } from '../encord/models.js'
import {
  emulator,
  fixture,
  key,
  legacy,
  listAll,
  proceed,
  PRE,
  main,
  metadata,
  P,
  REVIEW,
  useEmulator,
  v2,
} from './server.test-kit.js'

/** The legacy label-row calls through raw signed requests: metadata filters, get, create, save. */

useEmulator()

describe('label rows (legacy)', () => {
  it('metadata: one row per data unit, UPPER data_type, label_hash null until created, workflow node follows the task', async () => {
    const [first] = await listAll(PRE)
    expect((await proceed(PRE, first.uuid as string, 'needs review')).status).toBe(204)
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
    const got = await legacy('labelrow', 'GET', [row.label_hash], { ...GET_ROWS, get_signed_url: false })
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
    const base = { ...GET_ROWS, get_signed_url: true }
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
