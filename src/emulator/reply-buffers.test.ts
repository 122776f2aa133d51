import { describe, expect, it } from 'vitest'
import { ReplyBuffers } from './reply-buffers.js'

const pieces = (...texts: string[]) => texts.map((t) => Buffer.from(t))

describe('ReplyBuffers', () => {
  it('joins pieces (one-byte pieces too) into the same bytes as Buffer.concat', () => {
    const buffers = new ReplyBuffers()
    const list = pieces('{"response":[', '{"a":"é"}', ',', '{}', ']}')
    const { bytes } = buffers.join(list)
    expect(bytes.toString()).toBe(Buffer.concat(list).toString())
    expect(buffers.join([]).bytes.length).toBe(0)
  })

  it('reuses a buffer only once it is given back, the smallest that fits', () => {
    const buffers = new ReplyBuffers()
    const big = buffers.join(pieces('x'.repeat(200_000)))
    const small = buffers.join(pieces('y'))
    expect(buffers.allocated).toBe(2)
    expect(big.buffer).not.toBe(small.buffer)
    buffers.release(big.buffer)
    buffers.release(small.buffer)
    expect(buffers.free).toBe(2)
    const again = buffers.join(pieces('z'.repeat(10)))
    expect(again.buffer).toBe(small.buffer)
    expect(again.bytes.toString()).toBe('z'.repeat(10))
    expect(buffers.join(pieces('w'.repeat(100_000))).buffer).toBe(big.buffer)
    expect(buffers.allocated).toBe(2)
    expect(buffers.free).toBe(0)
  })

  it('keeps a bounded number of buffers (the larger ones) and none over the size bound', () => {
    const buffers = new ReplyBuffers()
    const taken = Array.from({ length: 10 }, (_, i) => buffers.join(pieces('x'.repeat((i + 1) * 70_000))).buffer)
    for (const buffer of taken) buffers.release(buffer)
    expect(buffers.free).toBe(8)
    // The two smallest went: a reply needing the largest finds it.
    expect(buffers.join(pieces('x'.repeat(700_000))).buffer).toBe(taken[9])
    buffers.release(buffers.join(pieces('x'.repeat(9 * 1024 * 1024))).buffer)
    expect(buffers.free).toBe(7)
  })
})
