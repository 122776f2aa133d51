import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { readAhead, takeItems, windowsOf } from './streams.js'

/** `n` pages of `size` numbers (0, 1, 2, … across pages), each after a 1 ms wait, logging what was read. */
async function* pages(n: number, size: number, log: string[], failAt = -1): AsyncGenerator<number[]> {
  try {
    for (let p = 0; p < n; p++) {
      await sleep(1)
      if (p === failAt) throw new Error(`page ${p} failed`)
      log.push(`read ${p}`)
      yield Array.from({ length: size }, (_, i) => p * size + i)
    }
  } finally {
    log.push('closed')
  }
}

const reads = (log: string[]): number => log.filter((l) => l.startsWith('read')).length

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

describe('readAhead', () => {
  it('reads pages ahead of a slow consumer while fewer than max items are buffered', async () => {
    const log: string[] = []
    const out: number[] = []
    for await (const page of readAhead(pages(10, 2, log), 5)) {
      if (page[0] === 0) {
        await sleep(30)
        // While the consumer was busy with page 0, pages 1..3 were read: 6 items buffered, the
        // third page read while 4 (< 5) were; no more.
        expect(reads(log)).toBe(4)
      }
      out.push(...page)
    }
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(log.at(-1)).toBe('closed')
  })

  it('stops reading and closes the source when the consumer stops', async () => {
    const log: string[] = []
    for await (const page of readAhead(pages(100, 1, log), 2)) if (page[0] === 1) break
    expect(reads(log)).toBeLessThanOrEqual(5)
    expect(log.at(-1)).toBe('closed')
  })

  it('passes errors on after the pages read before them', async () => {
    const log: string[] = []
    const out: number[] = []
    await expect(
      (async () => {
        for await (const page of readAhead(pages(10, 1, log, 4), 8)) out.push(...page)
      })(),
    ).rejects.toThrow('page 4 failed')
    expect(out).toEqual([0, 1, 2, 3])
  })
})

describe('takeItems', () => {
  it('takes exactly max items, cutting the last page short, and reads no further', async () => {
    const log: string[] = []
    expect(await collect(takeItems(pages(10, 3, log), 7))).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    expect(reads(log)).toBe(3)
    expect(log.at(-1)).toBe('closed')
  })

  it('stops at a page that ends exactly at max', async () => {
    const log: string[] = []
    expect(await collect(takeItems(pages(10, 3, log), 6))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ])
    expect(reads(log)).toBe(2)
  })

  it('takes nothing for max 0 (no read) and everything by default', async () => {
    const log: string[] = []
    expect(await collect(takeItems(pages(10, 3, log), 0))).toEqual([])
    expect(reads(log)).toBe(0)
    expect((await collect(takeItems(pages(4, 3, [])))).flat()).toHaveLength(12)
  })
})

describe('windowsOf', () => {
  it('regroups pages into windows of the size, the last one shorter', async () => {
    expect(await collect(windowsOf(pages(3, 3, []), 4))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8]])
    expect(await collect(windowsOf(pages(2, 3, []), 3))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ])
    expect(await collect(windowsOf(pages(0, 3, []), 3))).toEqual([])
  })

  it('splits a page larger than a window over several windows', async () => {
    expect(await collect(windowsOf(pages(1, 7, []), 3))).toEqual([[0, 1, 2], [3, 4, 5], [6]])
  })

  it('hands a full window out before reading the next page', async () => {
    const log: string[] = []
    for await (const window of windowsOf(pages(10, 2, log), 4)) {
      expect(window).toEqual([0, 1, 2, 3])
      expect(reads(log)).toBe(2)
      break
    }
    expect(log.at(-1)).toBe('closed')
  })

  it('skips empty pages', async () => {
    async function* gappy(): AsyncGenerator<number[]> {
      yield []
      yield [0, 1]
      yield []
      yield [2]
    }
    expect(await collect(windowsOf(gappy(), 2))).toEqual([[0, 1], [2]])
  })
})
