import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { readReplyBody } from './reply-body.js'

/** A response stream delivering `text`'s UTF-8 bytes in chunks of `size` bytes. */
function stream(text: string | Buffer, size: number): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  const chunks: Buffer[] = []
  for (let at = 0; at < bytes.length; at += size) chunks.push(Buffer.from(bytes.subarray(at, at + size)))
  return Readable.from(chunks)
}

describe('reply bodies', () => {
  it('joins the chunks of a body into its text and its JSON', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ i, title: `image-${i}.png`, note: 'é日🙂' }))
    const text = JSON.stringify({ status: 200, response: rows })
    const body = await readReplyBody(stream(text, 65_536), undefined)
    expect(body.chunks.length).toBeGreaterThan(1)
    expect(body.json()).toEqual({ status: 200, response: rows })
    expect(body.text).toBe(text)
  })

  it('decodes a character whose bytes are split between two chunks', async () => {
    for (const size of [1, 2, 3, 5]) {
      const body = await readReplyBody(stream('"é日🙂"', size), undefined)
      expect(body.json()).toBe('é日🙂')
    }
  })

  it('reads each body to its own end when a longer one was decoded before (the join buffer is reused)', async () => {
    const longer = await readReplyBody(stream(JSON.stringify({ a: 'x'.repeat(300_000), b: 1 }), 65_536), undefined)
    expect(longer.json()).toMatchObject({ b: 1 })
    const shorter = await readReplyBody(stream('{"a": [1, 2', 4), undefined)
    expect(shorter.text).toBe('{"a": [1, 2')
    expect(() => shorter.json()).toThrow(SyntaxError)
  })

  it('undoes gzip, and reads an empty body as empty text', async () => {
    const zipped = await readReplyBody(stream(gzipSync('{"status": 200, "response": true}'), 7), 'gzip')
    expect(zipped.json()).toEqual({ status: 200, response: true })
    const empty = await readReplyBody(Readable.from([]), undefined)
    expect(empty.text).toBe('')
    expect(() => empty.json()).toThrow(SyntaxError)
  })
})
