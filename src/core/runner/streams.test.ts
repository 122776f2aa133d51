import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { readAhead, take } from './streams.js'

async function* source(n: number, log: string[], failAt = -1): AsyncGenerator<number> {
  try {
    for (let i = 0; i < n; i++) {
      await sleep(1)
      if (i === failAt) throw new Error(`page ${i} failed`)
      log.push(`read ${i}`)
      yield i
    }
  } finally {
    log.push('closed')
  }
}

describe('readAhead', () => {
  it('reads ahead of a slow consumer, up to the buffer size', async () => {
    const log: string[] = []
    const out: number[] = []
    for await (const item of readAhead(source(10, log), 3)) {
      if (item === 0) {
        await sleep(30)
        // While the consumer was busy with item 0, items 1..3 were read (buffer of 3), no more.
        expect(log.filter((l) => l.startsWith('read'))).toHaveLength(4)
      }
      out.push(item)
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(log.at(-1)).toBe('closed')
  })

  it('stops reading and closes the source when the consumer stops', async () => {
    const log: string[] = []
    for await (const item of readAhead(source(100, log), 2)) if (item === 1) break
    expect(log.filter((l) => l.startsWith('read')).length).toBeLessThanOrEqual(5)
    expect(log.at(-1)).toBe('closed')
  })

  it('passes errors on after the items read before them', async () => {
    const log: string[] = []
    const out: number[] = []
    await expect(
      (async () => {
        for await (const item of readAhead(source(10, log, 4), 8)) out.push(item)
      })(),
    ).rejects.toThrow('page 4 failed')
    expect(out).toEqual([0, 1, 2, 3])
  })
})

describe('take', () => {
  it('takes exactly max items and reads no further', async () => {
    const log: string[] = []
    const out: number[] = []
    for await (const item of take(source(10, log), 4)) out.push(item)
    expect(out).toEqual([0, 1, 2, 3])
    expect(log.filter((l) => l.startsWith('read'))).toHaveLength(4)
    expect(log.at(-1)).toBe('closed')
  })
})
