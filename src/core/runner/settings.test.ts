import { describe, expect, it } from 'vitest'
import { thrown } from '../../../test/helpers/thrown.js'
import { resolveRunSettings } from './settings.js'
import { backoffMs } from './backoff.js'
import { batchesOf } from './streams.js'

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

describe('batching', () => {
  async function* numbers(n: number, pulled: number[]): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      pulled.push(i)
      yield i
    }
  }

  async function collect(n: number, size: number, max?: number): Promise<{ batches: number[][]; pulled: number[] }> {
    const pulled: number[] = []
    const batches: number[][] = []
    for await (const b of batchesOf(numbers(n, pulled), size, max)) batches.push(b)
    return { batches, pulled }
  }

  it('splits into batches of the size, the last one shorter', async () => {
    expect((await collect(7, 3)).batches).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    expect((await collect(6, 3)).batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ])
    expect((await collect(0, 3)).batches).toEqual([])
  })

  it('takes exactly max tasks and reads no further', async () => {
    const { batches, pulled } = await collect(100, 3, 7)
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    expect(pulled).toHaveLength(7)
    const exact = await collect(100, 5, 5)
    expect(exact.batches).toEqual([[0, 1, 2, 3, 4]])
    expect(exact.pulled).toHaveLength(5)
  })

  it('backs off exponentially with equal jitter, capped', () => {
    expect(backoffMs(1, 1000, 30_000, () => 0)).toBe(500)
    expect(backoffMs(1, 1000, 30_000, () => 1)).toBe(1000)
    expect(backoffMs(3, 1000, 30_000, () => 1)).toBe(4000)
    expect(backoffMs(10, 1000, 30_000, () => 1)).toBe(30_000)
  })
})
