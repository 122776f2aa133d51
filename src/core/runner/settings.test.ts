import { describe, expect, it } from 'vitest'
import { thrown } from '../../../test/helpers/thrown.js'
import { resolveRunSettings } from './settings.js'
import { backoffMs } from './backoff.js'

describe('resolveRunSettings', () => {
  it('fills defaults and lets later layers win, ignoring undefined', () => {
    const s = resolveRunSettings({ taskBatchSize: 10, concurrency: 4 }, { taskBatchSize: 20, concurrency: undefined })
    expect(s).toMatchObject({ taskBatchSize: 20, concurrency: 4, numRetries: 3, dryRun: false })
  })

  it('accepts numRetries 0 (one attempt)', () => {
    expect(resolveRunSettings({ numRetries: 0 }).numRetries).toBe(0)
  })

  it('rejects zero, negative and fractional values, all at once', () => {
    const e = thrown(() =>
      resolveRunSettings({
        taskBatchSize: 0,
        concurrency: -1,
        numRetries: -1,
        maxTasksPerStage: 2.5,
        refreshEvery: 0,
        taskTimeout: -5,
      }),
    )
    expect(e.code).toBe('InvalidRunSettings')
    expect(e.exitCode).toBe(2)
    for (const name of [
      'taskBatchSize',
      'concurrency',
      'numRetries',
      'maxTasksPerStage',
      'refreshEvery',
      'taskTimeout',
    ])
      expect(e.message).toContain(name)
  })

  it('checks filter types', () => {
    expect(() => resolveRunSettings({ filters: { dataHashes: 'abc' as never } })).toThrow(/filters.dataHashes/)
  })
})

describe('backoff', () => {
  it('backs off exponentially with equal jitter, capped', () => {
    expect(backoffMs(1, 1000, 30_000, () => 0)).toBe(500)
    expect(backoffMs(1, 1000, 30_000, () => 1)).toBe(1000)
    expect(backoffMs(3, 1000, 30_000, () => 1)).toBe(4000)
    expect(backoffMs(10, 1000, 30_000, () => 1)).toBe(30_000)
  })
})
