/**
 * Bodies are refused before they are read when the headers already fail (issue 14, item 5): four
 * concurrent unsigned 250 MB POSTs used to take the emulator to 2 GB, because every body was read whole
 * before the signature was checked. Now a request with no or a malformed signature, an unknown key, or a
 * Content-Length over its route's limit is answered as soon as its headers arrive, and the connection is
 * closed so the rest of the body is never read. Each route has a limit that fits what it takes.
 *
 * The requests are written by hand on a socket, a slow trickle of a body announced as 250 MB: the answer
 * must come while only a small part was sent. Loopback only; every request is bounded in bytes and time.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey, type SigningKey } from '../../src/encord/auth/keys.js'
import { signRequest } from '../../src/encord/auth/sign.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { signedRequest } from '../../src/emulator/testing.js'

const MB = 1024 * 1024
const ANNOUNCED = 250 * MB
const key = parsePrivateKey(generateOpenSshKey('body limits').privateKeyText)
const stranger = parsePrivateKey(generateOpenSshKey('stranger').privateKeyText)

interface Probe {
  status: number | null
  headers: Record<string, string>
  body: string
  /** Body bytes the client had written when the answer arrived (or when it gave up). */
  sent: number
  ms: number
}

/**
 * Send `head` (request line and headers), then a body trickle (`chunk` bytes every `intervalMs`, or as
 * fast as the socket takes it when `intervalMs` is 0) until the answer arrives, `maxBytes` are sent or
 * `timeoutMs` passes. Never sends more than `maxBytes`.
 */
function probe(
  port: number,
  head: string,
  options: { chunk?: number; intervalMs?: number; maxBytes?: number; timeoutMs?: number } = {},
): Promise<Probe> {
  const { chunk = 16 * 1024, intervalMs = 20, maxBytes = 8 * MB, timeoutMs = 4_000 } = options
  const started = performance.now()
  const filler = Buffer.alloc(chunk, 0x20)
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let sent = 0
    let received = Buffer.alloc(0)
    let done = false
    let timer: NodeJS.Timeout | undefined
    const finish = (status: number | null, headers: Record<string, string> = {}, body = '') => {
      if (done) return
      done = true
      clearInterval(timer)
      clearTimeout(deadline)
      socket.destroy()
      resolve({ status, headers, body, sent, ms: performance.now() - started })
    }
    const deadline = setTimeout(() => finish(null), timeoutMs)
    const parse = (): boolean => {
      const end = received.indexOf('\r\n\r\n')
      if (end === -1) return false
      const lines = received.subarray(0, end).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':')
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      const length = Number(headers['content-length'] ?? 0)
      if (received.length - end - 4 < length) return false
      const body = received.subarray(end + 4, end + 4 + length).toString('utf8')
      finish(Number(lines[0].split(' ')[1]), headers, body)
      return true
    }
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data])
      parse()
    })
    socket.on('error', () => finish(null))
    socket.on('close', () => finish(null))
    const pump = () => {
      while (!done && sent < maxBytes) {
        sent += filler.length
        if (!socket.write(filler)) {
          socket.once('drain', pump)
          return
        }
      }
    }
    socket.write(head, () => {
      if (intervalMs === 0) pump()
      else
        timer = setInterval(() => {
          if (!done && sent < maxBytes) {
            sent += filler.length
            socket.write(filler)
          }
        }, intervalMs)
    })
  })
}

/** A request head announcing `length` body bytes. */
function head(method: string, path: string, headers: Record<string, string>, length = ANNOUNCED): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${length}`]
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    lines.push('Content-Type: application/json')
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** Headers signed for a small body (valid signature headers; the body sent is another). */
const signedHeaders = (signer: SigningKey, method: string, url: string) =>
  Object.fromEntries(signRequest({ method, url, body: '{}', privateKey: signer }))

describe('bodies refused before they are read (item 5)', () => {
  const fixture = generateFixture({
    tasks: 3,
    seed: 14,
    users: [{ email: 'me@localhost', publicKeyHex: key.publicKeyHex }],
  })
  const project = fixture.projects[0]
  const stage = project.workflow.stages.find((s) => s.stageType === 'AGENT')!
  const prioritiesPath = `/v2/public/projects/${project.projectHash}/priorities`
  const actionsPath = `/v2/public/projects/${project.projectHash}/workflow/stages/${stage.uuid}/actions`
  let emulator: EmulatorHandle
  beforeAll(async () => {
    emulator = await startEmulator({ fixture, inMemory: true, requestLog: true })
  })
  afterAll(() => emulator.stop())

  /** Answered at once: while under 1 MB of the 250 MB was sent, and the server closes the connection. */
  const expectAtOnce = (r: Probe, what: string) => {
    expect(r.status, `${what}: no answer after ${r.sent} bytes in ${Math.round(r.ms)} ms`).not.toBeNull()
    expect(r.sent, what).toBeLessThan(MB)
    expect(r.headers.connection, what).toBe('close')
  }

  it('unsigned, malformed and unknown-key requests announcing 250 MB get 401/400 at once', async () => {
    const legacyResource = { ResourceType: 'project', ResourceID: project.projectHash }
    const cases: Array<{ what: string; head: string; status: number; body: unknown }> = [
      {
        what: 'unsigned v2 POST',
        head: head('POST', actionsPath, {}),
        status: 401,
        body: { message: expect.stringContaining('Missing request signature') },
      },
      {
        what: 'v2 with a malformed Signature-Input',
        head: head('POST', prioritiesPath, {
          'Content-Digest': 'sha-256=:AAAA:',
          'Signature-Input': '((',
          Signature: 'x',
        }),
        status: 401,
        body: { message: expect.stringContaining('Malformed') },
      },
      {
        what: 'v2 signed by an unknown key',
        head: head('POST', prioritiesPath, signedHeaders(stranger, 'POST', emulator.domain + prioritiesPath)),
        status: 401,
        body: { message: expect.stringContaining('Unknown public key') },
      },
      {
        what: 'unsigned legacy POST',
        head: head('POST', '/public', legacyResource),
        status: 401,
        body: { status: 401, response: ['AUTHENTICATION_ERROR'] },
      },
      {
        what: 'legacy with a malformed Authorization',
        head: head('POST', '/public', { ...legacyResource, Authorization: 'not-a-key' }),
        status: 401,
        body: { status: 401, response: ['AUTHENTICATION_ERROR'] },
      },
      {
        what: 'legacy with an unknown key',
        head: head('POST', '/public', {
          ...legacyResource,
          Authorization: `${stranger.publicKeyHex}:${'ab'.repeat(64)}`,
        }),
        status: 400,
        body: { status: 400, response: ['SSH_KEY_NOT_FOUND_ERROR'] },
      },
    ]
    const failures = emulator.stats().authFailures
    for (const c of cases) {
      const r = await probe(emulator.port, c.head)
      expectAtOnce(r, c.what)
      expect(r.status, c.what).toBe(c.status)
      expect(JSON.parse(r.body), c.what).toMatchObject(c.body as object)
    }
    // Counted and logged like any refused request (no signature headers in the log).
    expect(emulator.stats().authFailures).toBe(failures + cases.length)
    const logged = emulator.requests().slice(-cases.length)
    expect(logged.map((l) => l.status)).toEqual(cases.map((c) => c.status))
    for (const entry of logged)
      for (const name of ['authorization', 'signature', 'signature-input'])
        if (name in entry.headers) expect(entry.headers[name]).toBe('[redacted]')
  })

  it('a Content-Length over the route limit gets 413 at once, in the transport error shape', async () => {
    // A good signature (over another body: the digest is checked once the body is read, which it never is).
    const v2 = await probe(
      emulator.port,
      head('POST', prioritiesPath, signedHeaders(key, 'POST', emulator.domain + prioritiesPath)),
    )
    expectAtOnce(v2, 'signed v2 POST announcing 250 MB')
    expect(v2.status).toBe(413)
    expect(JSON.parse(v2.body)).toEqual({ message: expect.stringContaining("this endpoint's limit of 1 MiB") })

    const legacy = await probe(
      emulator.port,
      head(
        'POST',
        '/public',
        {
          ResourceType: 'project',
          ResourceID: project.projectHash,
          Authorization: `${key.publicKeyHex}:${'ab'.repeat(64)}`,
        },
        300 * MB,
      ),
    )
    expectAtOnce(legacy, 'known-key legacy POST announcing 300 MB')
    expect(legacy.status).toBe(413)
    expect(JSON.parse(legacy.body)).toEqual({
      status: 413,
      response: ['PAYLOAD_TOO_LARGE'],
      payload: expect.stringContaining("this endpoint's limit of 256 MiB"),
    })
  })

  it('unknown paths and the unsigned /_emulator routes answer at once too', async () => {
    for (const path of ['/v2/public/nothing-here', '/public/nothing', '/_emulator/health', '/_emulator/api/projects']) {
      const r = await probe(emulator.port, head('POST', path, {}))
      expectAtOnce(r, `POST ${path}`)
      expect(r.status, path).toBe(404)
    }
  })

  it('a signed body over its route limit, sent whole, gets 413 with the JSON error shape and changes nothing', async () => {
    const revision = emulator.state.revision
    const pad = 'x'.repeat(2 * MB)
    const big = await signedRequest(emulator.domain, key, 'POST', prioritiesPath, { body: { priorities: [], pad } })
    expect(big.status, big.text).toBe(413)
    expect(big.json).toEqual({ message: expect.stringContaining("this endpoint's limit of 1 MiB") })
    expect(emulator.state.revision).toBe(revision)
    // Under the limit, the same route works.
    const small = await signedRequest(emulator.domain, key, 'POST', prioritiesPath, {
      body: { priorities: [[project.tasks[0].dataHash, 0.25]] },
    })
    expect(small.status, small.text).toBe(204)
    // A label save may be large: the legacy API takes far more than the small routes.
    const save = await signedRequest(emulator.domain, key, 'POST', '/public', {
      body: { query_type: 'labelrow', query_method: 'POST', values: { uid: [], payload: { pad } } },
      resource: { type: 'project', id: project.projectHash },
    })
    expect(save.status, save.text).not.toBe(413)
  })

  it('four concurrent unsigned 250 MB POSTs sent as fast as the socket takes them do not grow memory', async () => {
    const before = process.memoryUsage()
    let peak = 0
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      peak = Math.max(peak, m.arrayBuffers - before.arrayBuffers + (m.heapUsed - before.heapUsed))
    }, 5)
    try {
      const results = await Promise.all(
        ['/public', actionsPath, prioritiesPath, '/public'].map((path) =>
          probe(emulator.port, head('POST', path, {}), { chunk: 64 * 1024, intervalMs: 0, maxBytes: 48 * MB }),
        ),
      )
      for (const r of results) {
        expect(r.status).toBe(401)
        // Loopback socket buffers take a few MB before the answer is read; never the body.
        expect(r.sent).toBeLessThan(16 * MB)
      }
    } finally {
      clearInterval(sampler)
    }
    expect(peak).toBeLessThan(64 * MB)
  })
})
