import { describe, expect, it } from 'vitest'
import { labelsFingerprint } from '../encord/labels-fingerprint.js'
import { completionResult, type TaskReport } from './executor.js'
import { DEFAULT_REDIS_URL, redactRedisUrl, resolveRedisUrl } from './redis.js'
import { parseTaskSpec, serializeTaskSpec } from './spec.js'

describe('task specs (Python AgentTaskConfig fields)', () => {
  const spec = {
    uuid: 'a6f5e9a2-0000-4000-8000-000000000001',
    data_hash: 'b6f5e9a2-0000-4000-8000-000000000002',
    data_title: 'image-1.png',
    label_branch_name: 'main',
  }

  it('serialises exactly the four fields and reads them back', () => {
    const json = serializeTaskSpec(spec)
    expect(Object.keys(JSON.parse(json))).toEqual(['uuid', 'data_hash', 'data_title', 'label_branch_name'])
    expect(parseTaskSpec(json)).toEqual(spec)
  })

  it('reads a whole Python AgentTask dump and the older task_uuid key', () => {
    const dump = { ...spec, created_at: '2024-01-01T00:00:00', status: 'NEW', assignee: null, last_actioned_by: null }
    expect(parseTaskSpec(JSON.stringify(dump))).toEqual(spec)
    const { uuid, ...rest } = spec
    expect(parseTaskSpec({ ...rest, task_uuid: uuid })).toEqual(spec)
    expect(parseTaskSpec({ uuid, data_hash: spec.data_hash })).toEqual({
      uuid,
      data_hash: spec.data_hash,
      data_title: '',
      label_branch_name: 'main',
    })
  })

  it('rejects bad specs with what is wrong', () => {
    expect(() => parseTaskSpec('{')).toThrow(/not valid JSON/)
    expect(() => parseTaskSpec({ data_hash: 'x' })).toThrow(/uuid: needs "uuid"/)
    expect(() => parseTaskSpec({ uuid: 'x' })).toThrow(/data_hash/)
    expect(() => parseTaskSpec('[]')).toThrow(/task spec is invalid/)
  })
})

describe('completion results (Python TaskCompletionResult fields)', () => {
  const base: TaskReport = {
    taskUuid: 't',
    stageUuid: 's',
    dataHash: 'd',
    dataTitle: 'x',
    status: 'moved',
    pathway: { uuid: 'p', name: 'complete' },
    retryable: false,
    replayed: false,
    settled: true,
    durationMs: 1,
  }
  it('says success for moved and stayed tasks, with the pathway UUID', () => {
    expect(completionResult(base)).toEqual({
      task_uuid: 't',
      stage_uuid: 's',
      success: true,
      pathway: 'p',
      error: null,
    })
    expect(completionResult({ ...base, status: 'stayed', pathway: undefined })).toEqual({
      task_uuid: 't',
      stage_uuid: 's',
      success: true,
      pathway: null,
      error: null,
    })
  })
  it('carries the error of the others, and the onFailure pathway a failed task took', () => {
    expect(completionResult({ ...base, status: 'failed', error: { code: 'Boom', message: 'no' } })).toEqual({
      task_uuid: 't',
      stage_uuid: 's',
      success: false,
      pathway: 'p',
      error: 'Boom: no',
    })
    expect(
      completionResult({
        ...base,
        status: 'gone',
        pathway: undefined,
        error: { code: 'TaskNotInStage', message: 'gone' },
      }).success,
    ).toBe(false)
  })
})

describe('labelsFingerprint', () => {
  it('ignores key order and what a save does not write, and sees any label change', () => {
    const a = {
      label_hash: 'l',
      last_edited_at: 'x',
      data_units: { d: { data_link: 'u1', labels: { objects: [{ a: 1, b: 2 }] } } },
      object_answers: {},
      classification_answers: { c: { x: 1 } },
    }
    const b = {
      classification_answers: { c: { x: 1 } },
      object_answers: {},
      data_units: { d: { labels: { objects: [{ b: 2, a: 1 }] }, data_link: 'u2' } },
      last_edited_at: 'y',
    }
    expect(labelsFingerprint(a)).toBe(labelsFingerprint(b))
    expect(labelsFingerprint(a)).not.toBe(labelsFingerprint({ ...b, classification_answers: { c: { x: 2 } } }))
  })
})

describe('Redis URL', () => {
  it('takes --redis, then REDIS_URL, then the default', () => {
    expect(resolveRedisUrl('redis://a:1', { REDIS_URL: 'redis://b:2' })).toBe('redis://a:1')
    expect(resolveRedisUrl(undefined, { REDIS_URL: 'redis://b:2' })).toBe('redis://b:2')
    expect(resolveRedisUrl(undefined, { REDIS_URL: ' ' })).toBe(DEFAULT_REDIS_URL)
    expect(resolveRedisUrl(undefined, {})).toBe('redis://127.0.0.1:6379')
  })
  it('never shows a password', () => {
    expect(redactRedisUrl('redis://user:s3cret@host:6379/2')).toBe('redis://user:***@host:6379/2')
    expect(redactRedisUrl('redis://host:6379')).toBe('redis://host:6379')
    expect(redactRedisUrl('not a url //user:s3cret@x')).not.toContain('s3cret')
  })
})
