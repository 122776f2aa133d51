import { connect } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { replyBuffers, send, type JsonPieces, type Result } from './server-pipeline.js'

/**
 * `send`: a JSON reply in pieces (the wire cache's bulk replies) goes out byte for byte as the same
 * JSON in one buffer goes out through Fastify: status line, headers in their order, body; and the
 * buffer it is joined into is reused only once the reply has left.
 */
const apps: FastifyInstance[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
})

/** Two routes answering the same JSON: joined into one buffer, and in pieces. */
async function serve(pieces: JsonPieces, extra: Partial<Result> = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  apps.push(app)
  app.get('/whole', (_req, reply) => send(reply, { status: 200, ...extra, body: Buffer.concat(pieces), json: true }))
  app.get('/pieces', (_req, reply) => send(reply, { status: 200, ...extra, body: pieces, json: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

/**
 * The whole reply as it crossed the socket, as latin1 text (the Date header blanked: it is the clock's).
 * `readAfter`: the reply is not read until it settles (the server's writes wait for the client).
 */
function rawGet(app: FastifyInstance, path: string, readAfter?: Promise<unknown>): Promise<string> {
  const { port } = app.server.address() as { port: number }
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
    )
    if (readAfter) {
      socket.pause()
      void readAfter.then(() => socket.resume())
    }
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      resolve(
        Buffer.concat(chunks)
          .toString('latin1')
          .replace(/\r\ndate: [^\r]*/i, '\r\ndate: -'),
      )
    })
  })
}

/** About `size` bytes of a JSON list of strings of `fill`, in pieces of about 4 KB. */
const bigList = (size: number, fill = 'x') => {
  const pieces = Array.from({ length: Math.ceil(size / 4000) }, (_, i) =>
    Buffer.from(`${i === 0 ? '[' : ','}"${fill.repeat(4000)}${i}"`),
  )
  return [...pieces, Buffer.from(']')]
}

const small = ['{"status":200,"response":[', '{"a":"é"}', ',', '{"b":[1,2]}', ']}'].map((s) => Buffer.from(s))

describe('send: a JSON reply in pieces', () => {
  it('goes out byte for byte as the joined JSON does (head and body)', async () => {
    const app = await serve(small)
    const whole = await rawGet(app, '/whole')
    expect(whole).toContain('content-type: application/json; charset=utf-8')
    expect(whole).toContain(`content-length: ${Buffer.concat(small).length}\r\n`)
    expect(await rawGet(app, '/pieces')).toBe(whole)
  })

  it('with its own headers and status, and larger than one socket write takes', async () => {
    // About 4 MB: more than the socket accepts at once.
    const app = await serve(bigList(4_000_000), { status: 429, headers: { 'retry-after': '3' } })
    const whole = await rawGet(app, '/whole')
    expect(whole).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\nretry-after: 3\r\n/)
    expect(await rawGet(app, '/pieces')).toBe(whole)
  })

  it('is answered the same through inject (the in-process transport)', async () => {
    const app = await serve(small)
    const [whole, pieces] = [await app.inject('/whole'), await app.inject('/pieces')]
    expect(pieces.statusCode).toBe(200)
    expect(pieces.rawPayload).toEqual(whole.rawPayload)
    expect({ ...pieces.headers, date: '-' }).toEqual({ ...whole.headers, date: '-' })
    expect(pieces.json()).toEqual({ status: 200, response: [{ a: 'é' }, { b: [1, 2] }] })
  })

  it('never reuses a buffer a reply still being sent is joined into', async () => {
    const app = Fastify({ logger: false })
    apps.push(app)
    app.get('/:fill', (req, reply) => {
      const { fill } = req.params as { fill: string }
      return send(reply, { status: 200, body: bigList(4_000_000, fill), json: true })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const body = (reply: string) => reply.slice(reply.indexOf('\r\n\r\n') + 4)
    const expected = (fill: string) => Buffer.concat(bigList(4_000_000, fill)).toString('latin1')
    // `a` is read only after `b` and `c` were answered in full: its buffer stays taken until then.
    let released = () => {}
    const a = rawGet(app, '/a', new Promise<void>((resolve) => (released = resolve)))
    const b = await rawGet(app, '/b')
    const c = await rawGet(app, '/c')
    released()
    expect(body(await a) === expected('a')).toBe(true)
    expect(body(b) === expected('b')).toBe(true)
    expect(body(c) === expected('c')).toBe(true)
    expect(replyBuffers.free).toBeGreaterThanOrEqual(2)
  })
})
