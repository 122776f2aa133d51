import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  LABEL_ROW_METADATA_PAYLOAD_KEYS,
  LegacyEnvelope,
  LegacyErrorEnvelope,
  LegacyLabelRow,
  LegacyLabelRowGetPayload,
  LegacyLabelRowMetadataPayload,
  LegacyLabelRowMetadataResponse,
  LegacyLabelRowSavePayload,
  LegacyRequestBody,
  V2AgentTask,
  V2GetBulkBody,
  V2GetBulkResponse,
  V2Ontology,
  V2Project,
  V2Stage,
  V2TaskPage,
  V2WorkflowActionsBody,
  V2ErrorBody,
} from './models.js'

const dir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const fixture = (name: string): unknown => JSON.parse(readFileSync(dir + 'fixtures/' + name, 'utf8'))
const vectors = JSON.parse(readFileSync(dir + 'vectors.json', 'utf8')) as {
  vectors: Array<{ id: string; request: { body_utf8: string | null } }>
}
const body = (id: string): unknown => JSON.parse(vectors.vectors.find((v) => v.id === id)!.request.body_utf8!)

describe('wire models parse every fixture', () => {
  it('project with embedded workflow', () => {
    const p = V2Project.parse(fixture('project.json'))
    expect(p.workflow?.stages.map((s) => s.stageType)).toEqual(['ANNOTATION', 'AGENT', 'REVIEW', 'DONE'])
    expect(p.workflow?.stages[1].pathways?.map((x) => x.title)).toEqual(['complete', 'needs review'])
  })
  it('ontology', () => {
    expect(V2Ontology.parse(fixture('ontology.json')).editor).toHaveProperty('objects')
  })
  it('task pages; the last page has no token', () => {
    const p1 = V2TaskPage.parse(fixture('agent_tasks_page1.json'))
    const p2 = V2TaskPage.parse(fixture('agent_tasks_page2.json'))
    expect(p1.nextPageToken).toBe('cGFnZS0y')
    expect(p2.nextPageToken ?? null).toBeNull()
    for (const t of (fixture('agent_tasks_page1.json') as { results: unknown[] }).results) V2AgentTask.parse(t)
  })
  it('agent tasks require the SDK-required keys (present, maybe null)', () => {
    const t = { ...(fixture('agent_tasks_page1.json') as { results: Record<string, unknown>[] }).results[0] }
    delete t.lastActionedBy
    expect(V2AgentTask.safeParse(t).success).toBe(false)
  })
  it('stages: unknown types are kept, stage_type is accepted, AGENT requires pathways', () => {
    expect(V2Stage.parse({ stageType: 'PERCENTAGE_ROUTER', uuid: 'u', title: 't', extra: 1 })).toEqual({
      stageType: 'PERCENTAGE_ROUTER',
      uuid: 'u',
      title: 't',
    })
    expect(V2Stage.parse({ stage_type: 'REVIEW', uuid: 'u', title: 't' }).stageType).toBe('REVIEW')
    expect(V2Stage.safeParse({ stageType: 'AGENT', uuid: 'u', title: 't' }).success).toBe(false)
  })
  it('storage items (clientMetadata as a JSON string) and get-bulk body', () => {
    const r = V2GetBulkResponse.parse(fixture('storage_items_get_bulk.json'))
    expect(typeof r.results[0].clientMetadata).toBe('string')
    expect(V2GetBulkBody.parse(body('v2-post-storage-items-get-bulk')).signUrls).toBe(true)
  })
  it('proceed body: exactly one pathway key', () => {
    expect(V2WorkflowActionsBody.parse(body('v2-post-workflow-actions-proceed'))).toHaveLength(2)
    expect(V2WorkflowActionsBody.safeParse([{ taskUuid: 't', action: 'PATHWAY_ACTION' }]).success).toBe(false)
    expect(
      V2WorkflowActionsBody.safeParse([{ taskUuid: 't', action: 'PATHWAY_ACTION', pathwayName: 'a', pathwayUuid: 'b' }])
        .success,
    ).toBe(false)
  })
  it('legacy request bodies and payloads of the vectors', () => {
    const meta = LegacyRequestBody.parse(body('legacy-list-label-row-metadata'))
    expect(Object.keys(meta.values.payload as object)).toEqual([...LABEL_ROW_METADATA_PAYLOAD_KEYS])
    LegacyLabelRowMetadataPayload.parse(meta.values.payload)
    LegacyLabelRowGetPayload.parse(LegacyRequestBody.parse(body('legacy-get-label-rows')).values.payload)
    LegacyLabelRowSavePayload.parse(LegacyRequestBody.parse(body('legacy-save-label-rows')).values.payload)
  })
  it('legacy envelopes and rows', () => {
    const env = LegacyEnvelope.parse(fixture('legacy_label_row_metadata_response.json'))
    const rows = LegacyLabelRowMetadataResponse.parse(env.response)
    expect(rows).toHaveLength(3)
    expect(rows[2].label_hash ?? null).toBeNull()
    expect(rows[0]).toHaveProperty('assigned_user_email') // unknown/optional keys kept
    for (const f of ['legacy_get_label_rows_response.json', 'legacy_create_label_rows_response.json']) {
      const e = LegacyEnvelope.parse(fixture(f))
      for (const row of e.response as unknown[]) expect(LegacyLabelRow.parse(row)).toHaveProperty('data_units')
    }
    expect(LegacyEnvelope.parse(fixture('legacy_save_label_rows_response.json')).response).toBe(true)
  })
  it('error bodies of both transports', () => {
    const errors = fixture('errors.json') as { rest_v2: Record<string, unknown>; legacy_rpc: Record<string, unknown> }
    for (const v of Object.values(errors.rest_v2)) expect(V2ErrorBody.parse(v).message).toBeTypeOf('string')
    for (const v of Object.values(errors.legacy_rpc)) expect(LegacyErrorEnvelope.parse(v).response).toHaveLength(1)
  })
})
