import { createRequire } from 'node:module'
import type { Dispatcher } from 'undici'
import type { FastifyInstance } from 'fastify'

/**
 * An undici dispatcher that hands each request to the emulator's own request handler in this process
 * (Fastify's `inject`, light-my-request), without a socket or a port. Given to the Encord client as its
 * `dispatcher`, the client's real code runs unchanged, signing, retries, parsing and all, and the
 * emulator's real handlers verify the signatures and answer; only TCP is skipped. This is not a mock
 * of the client: nothing in it knows an endpoint or a response.
 *
 * undici calls `dispatch` with one of two handler shapes: the legacy callbacks (`onConnect`,
 * `onHeaders`, `onData`, `onComplete`, `onError`) from `request()`, and the controller-based ones
 * (`onRequestStart`, `onResponseStart`, ...) from composed interceptors such as `redirect`. Both get the
 * same answer.
 */

// Either shape; the callbacks are looked up by name (see the note above).
type Handler = Record<string, ((...args: any[]) => unknown) | undefined>
type Headers = Record<string, string | string[]>

interface Controller {
  readonly aborted: boolean
  readonly paused: boolean
  readonly reason: Error | null
  abort(reason?: Error): void
  pause(): void
  resume(): void
}

// undici is CommonJS and heavy; the Transport loads it the same way (see transport.ts).
const { Dispatcher: DispatcherBase, errors } = createRequire(import.meta.url)('undici') as typeof import('undici')

/** Requests to any origin are answered by `app`; the origin only sets the Host header (signed URLs use it). */
export class InProcessDispatcher extends DispatcherBase {
  readonly #app: FastifyInstance
  #closed = false

  constructor(app: FastifyInstance) {
    super()
    this.#app = app
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    void this.#answer(options, handler as unknown as Handler)
    return true
  }

  override close(): Promise<void>
  override close(callback: () => void): void
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true
    if (callback) return void queueMicrotask(callback)
    return Promise.resolve()
  }

  override destroy(): Promise<void>
  override destroy(err: Error | null): Promise<void>
  override destroy(callback: () => void): void
  override destroy(err: Error | null, callback: () => void): void
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    this.#closed = true
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback
    if (cb) return void queueMicrotask(cb)
    return Promise.resolve()
  }

  async #answer(options: Dispatcher.DispatchOptions, handler: Handler): Promise<void> {
    const modern = typeof handler.onRequestStart === 'function'
    let aborted: Error | null = null
    const controller: Controller = {
      get aborted() {
        return aborted !== null
      },
      paused: false,
      get reason() {
        return aborted
      },
      abort: (reason) => {
        aborted ??= reason ?? new errors.RequestAbortedError()
      },
      pause: () => {},
      resume: () => {},
    }
    const fail = (error: Error): void => {
      if (modern) handler.onResponseError?.(controller, error)
      else handler.onError?.(error)
    }
    try {
      if (this.#closed) throw new errors.ClientClosedError()
      if (modern) handler.onRequestStart?.(controller, {})
      else handler.onConnect?.((reason?: Error) => controller.abort(reason))
      if (aborted) return fail(aborted)

      const origin = new URL(String(options.origin))
      const headers = toHeaderObject(options.headers)
      headers['host'] = origin.host
      const body = await readBody(options.body)
      const res = await this.#app.inject({
        method: options.method as 'GET',
        url: options.path,
        headers,
        payload: body ?? undefined,
      })
      if (aborted) return fail(aborted)

      const responseHeaders: Headers = {}
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined)
          responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value)
      }
      const payload = res.rawPayload
      if (modern) {
        handler.onResponseStart?.(controller, res.statusCode, responseHeaders, res.statusMessage)
        if (payload.length > 0 && !aborted) handler.onResponseData?.(controller, payload)
        if (!aborted) handler.onResponseEnd?.(controller, {})
      } else {
        const raw: Buffer[] = []
        for (const [name, value] of Object.entries(responseHeaders)) {
          for (const v of Array.isArray(value) ? value : [value])
            raw.push(Buffer.from(name, 'latin1'), Buffer.from(v, 'latin1'))
        }
        handler.onHeaders?.(res.statusCode, raw, () => {}, res.statusMessage)
        if (payload.length > 0 && !aborted) handler.onData?.(payload)
        if (!aborted) handler.onComplete?.([])
      }
      if (aborted) fail(aborted)
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)))
    }
  }
}

/** undici takes headers as a flat [name, value, ...] array, an object, or pairs; inject takes an object. */
function toHeaderObject(input: Dispatcher.DispatchOptions['headers']): Headers {
  const out: Headers = {}
  const add = (name: string, value: unknown): void => {
    if (value === undefined || value === null) return
    const key = name.toLowerCase()
    const previous = out[key]
    const text = Array.isArray(value) ? value.map(String) : String(value)
    out[key] =
      previous === undefined
        ? text
        : [...(Array.isArray(previous) ? previous : [previous]), ...(Array.isArray(text) ? text : [text])]
  }
  if (input == null) return out
  if (Array.isArray(input)) {
    if (input.length > 0 && Array.isArray(input[0]))
      for (const [n, v] of input as unknown as Array<[string, string]>) add(n, v)
    else for (let i = 0; i + 1 < input.length; i += 2) add(String(input[i]), input[i + 1])
    return out
  }
  if (typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [n, v] of input as Iterable<[string, string]>) add(n, v)
    return out
  }
  for (const [n, v] of Object.entries(input)) add(n, v)
  return out
}

async function readBody(body: Dispatcher.DispatchOptions['body']): Promise<Buffer | null> {
  if (body == null) return null
  if (typeof body === 'string') return Buffer.from(body, 'utf8')
  if (Buffer.isBuffer(body)) return body
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = []
    for await (const chunk of body as AsyncIterable<Buffer | string>)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    return Buffer.concat(chunks)
  }
  throw new errors.InvalidArgumentError('The in-process emulator takes string, Buffer or stream bodies only.')
}
