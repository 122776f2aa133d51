import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isLabelRowMetadataRows, isLabelRows, isTaskPage } from './fast-check.js'
import { LegacyLabelRowMetadataResponse, LegacyLabelRowsResponse, V2TaskPage } from './models.js'

const metadata: Record<string, unknown> = {
  data_hash: 'd1',
  dataset_hash: 'ds',
  dataset_title: 'Dataset',
  data_title: 'a.jpg',
  data_type: 'IMAGE',
  data_link: null,
  label_status: 'LABELLED',
  number_of_frames: 1,
  branch_name: 'main',
  spaces: {},
  label_hash: 'l1',
  created_at: null,
  workflow_graph_node: { uuid: 'u', title: 'Agent' },
  priority: 0.5,
  is_shadow_data: false,
  client_metadata: { a: 1 },
  images_data: [{ x: 1 }],
  unknown_key: [1, 2],
}
const labelRow: Record<string, unknown> = {
  label_hash: 'l1',
  data_hash: 'd1',
  data_type: 'image',
  branch_name: 'main',
  data_units: { d1: {} },
  object_answers: {},
}
const task: Record<string, unknown> = {
  uuid: 't1',
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  dataHash: 'd1',
  dataTitle: 'a.jpg',
  labelBranchName: 'main',
  assignee: null,
  unknownKey: 1,
}
// Wrong values for each key (and absent, and null): the hand check and zod must agree on every one.
const variants: unknown[] = [undefined, null, 'text', 1, Number.MAX_VALUE, true, {}, [], [{}], ['x'], { uuid: 'u' }]

function agree(
  base: Record<string, unknown>,
  check: (v: unknown) => boolean,
  schema: { safeParse(v: unknown): { success: boolean } },
  optionalKeys: readonly string[] = ['duration', 'width', 'height', 'file_type', 'is_valid', 'task_uuid'],
) {
  expect(check([base])).toBe(true)
  expect(schema.safeParse([base]).success).toBe(true)
  const keys = [...Object.keys(base), ...optionalKeys]
  for (const key of keys) {
    for (const value of variants) {
      const row = { ...base }
      if (value === undefined) delete row[key]
      else row[key] = value
      expect(check([row]), `${key} = ${JSON.stringify(value)}`).toBe(schema.safeParse([row]).success)
    }
  }
  for (const value of [null, 'x', {}, [null], [[]]]) expect(check(value)).toBe(schema.safeParse(value).success)
}

describe('hand checks of the hottest wire shapes', () => {
  it('accept and reject label row metadata exactly as the zod schema does', () => {
    agree(metadata, isLabelRowMetadataRows, LegacyLabelRowMetadataResponse)
  })
  it('accept and reject label rows exactly as the zod schema does', () => {
    agree(labelRow, isLabelRows, LegacyLabelRowsResponse)
  })
  it('accept and reject task listing pages exactly as the zod schema does', () => {
    // The task check sees one page of one task; the page's own keys are varied too.
    const page = (results: unknown) => ({ results, nextPageToken: 'next' })
    agree(task, (rows) => isTaskPage(page(rows)), { safeParse: (rows: unknown) => V2TaskPage.safeParse(page(rows)) }, [
      'status',
      'labelBranchName',
      'assignee',
      'lastActionedBy',
    ])
    agree(
      { results: [task], nextPageToken: null },
      (pages) => Array.isArray(pages) && pages.every(isTaskPage),
      { safeParse: (pages: unknown) => z.array(V2TaskPage).safeParse(pages) },
      [],
    )
  })
})
