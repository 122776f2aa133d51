import { describe, expect, it } from 'vitest'
import { isLabelRowMetadataRows, isLabelRows } from './fast-check.js'
import { LegacyLabelRowMetadataResponse, LegacyLabelRowsResponse } from './models.js'

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
// Wrong values for each key (and absent, and null): the hand check and zod must agree on every one.
const variants: unknown[] = [undefined, null, 'text', 1, Number.MAX_VALUE, true, {}, [], [{}], ['x'], { uuid: 'u' }]

function agree(
  base: Record<string, unknown>,
  check: (v: unknown) => boolean,
  schema: { safeParse(v: unknown): { success: boolean } },
) {
  expect(check([base])).toBe(true)
  expect(schema.safeParse([base]).success).toBe(true)
  const keys = [...Object.keys(base), 'duration', 'width', 'height', 'file_type', 'is_valid', 'task_uuid']
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
})
