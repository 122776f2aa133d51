import { randomUUID } from 'node:crypto'
import { createWriteStream, readFileSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { brotliDecompress, gunzip, inflate } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import createDebug from 'debug'
import { createRequire } from 'node:module'
import type { Agent, buildConnector, Dispatcher } from 'undici'
import { channel } from 'node:diagnostics_channel'
import { InterruptedError } from '../shared/errors.js'
import { withSpan } from '../shared/tracing.js'
import type { SigningKey } from './auth/keys.js'
import {
  CONNECT_ERROR_CODES,
  DEFAULT_RETRY_POLICY,
  errorCode,
  isPermanentNetworkError,
  RETRY_STATUSES,
  retryDelayMs,
  UNAPPLIED_RETRY_STATUSES,
  type RetryClass,
  type RetryPolicy,
} from './retry.js'
import { signRequest } from './auth/sign.js'
import { warmFirst, WarmSockets } from './warm-sockets.js'
import { baselineParserConnector } from './baseline-parser.js'
import {
  EncordNetworkError,
  EncordPermissionError,
  EncordNotFoundError,
  errorFromV2Response,
  parseRetryAfter,
  type EncordCall,
  type NetworkInit,
} from './errors.js'
import { requestDispatched, turnAfterPendingWrites } from '../shared/event-loop-turn.js'

type Undici = typeof import('undici')
let undiciModule: Undici | undefined
/**
 * undici (about a hundred modules) is loaded with the first client, not by `import 'encord-agents'`:
 * defining agents and configs stays cheap. It is CommonJS, so a synchronous require does it.
 */
function undici(): Undici {
  undiciModule ??= createRequire(import.meta.url)('undici') as Undici
  return undiciModule
}

const log = createDebug('encord-agents:http')

/** How long an idle keep-alive connection (or a warmed one never used) is kept open. */
const KEEP_ALIVE_MS = 10_000

/**
 * What one attempt of a request came to, published on `requestChannel` for metrics and health checks
 * (src/observability). Publishing costs nothing while nobody subscribes.
 */
export interface RequestOutcome {
  endpoint: string
  method: string
  /** The HTTP status, or null when no response arrived (`networkCode` says why). */
  status: number | null
  networkCode?: string | null
  durationMs: number
  attempt: number
  /** No retry follows: this outcome is the call's (a final network error means Encord is unreachable). */
  final: boolean
}

export const requestChannel = channel('encord-agents:encord-request')

/** Requests, retries and connections, as the bench reports them. */
export interface TransportStats {
  /** HTTP requests sent per endpoint name (each retry counts as a request). */
  requests: Record<string, number>
  /** Of those, how many were retries. */
  retries: Record<string, number>
  /** New TCP/TLS connections opened (keep-alive reuse keeps this low). */
  connections: number
  totalRequests: number
  totalRetries: number
}

export interface TransportOptions {
  /** API origin, e.g. `https://api.encord.com` (no trailing slash, no path). */
  domain: string
  /** The signing key (see `parsePrivateKey`, `resolveSigningKey`). */
  key: SigningKey
  /** Retries after the first attempt, for retryable failures. @default 3 */
  retries?: number
  /** Per-request timeout in ms: connect, time to response headers, and idle time between body chunks. @default 180000 (as the SDK) */
  timeoutMs?: number
  /** @default `encord-agents-ts/<version> node/<version>` */
  userAgent?: string
  /** Keep-alive connections per origin. @default 8 */
  connections?: number
  /** Base of the exponential backoff in ms. @default 1500 */
  backoffBaseMs?: number
  /** Longest sleep before a retry; a longer `Retry-After` fails the call at once. @default 60000 */
  maxRetryDelayMs?: number
  /** For tests: randomness of the jitter, and the sleep function. */
  random?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Clock in ms, used for signatures and `Retry-After` dates. @default Date.now */
  now?: () => number
  /**
   * Send every request (API calls and media downloads) through this undici dispatcher instead of the
   * transport's own keep-alive pool, which is then not made. The caller owns it: `close()` leaves it open.
   * `encord-agents/testing` passes the in-process emulator's, which hands requests over without a socket.
   * @default a keep-alive pool of `connections` per origin
   */
  dispatcher?: Dispatcher
}

/** One request to the Encord API. */
export interface ApiRequest {
  /** Our endpoint name for stats, logs and errors, e.g. `getProject`. */
  endpoint: string
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Path plus query, starting with `/` (e.g. `/v2/public/projects/P`, or `/public`). */
  path: string
  /** The exact body text (already serialised with pythonJson), or null for none. */
  body?: string | null
  /** Extra headers (legacy `ResourceType`/`ResourceID`), in order. */
  headers?: Array<[string, string]>
  retry: RetryClass
  transport: 'rest-v2' | 'legacy-rpc'
  queryType?: string
  queryMethod?: string
  signal?: AbortSignal
  timeoutMs?: number
  /**
   * The caller sends its next request from this reply's own callback (the listing's next page): the
   * reply is handed over at once when another connection of the pool is idle (that request goes out on
   * it), instead of after the socket that answered is free again (see `#attempt`).
   */
  nextAtOnce?: boolean
}

/** A complete response (body read and decompressed). */
export interface ApiResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  bodyText: string
  traceId: string
  /** How many times the request was sent. */
  attempts: number
  call: EncordCall
}

let cachedVersion: string | undefined
/** Our package version, read once from package.json (found upwards from this file). */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion
  cachedVersion = 'unknown'
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'encord-agents' && pkg.version) {
        cachedVersion = pkg.version
        break
      }
    } catch {
      // not here; look further up
    }
    dir = dirname(dir)
  }
  return cachedVersion
}

export function defaultUserAgent(): string {
  return `encord-agents-ts/${packageVersion()} node/${process.versions.node}`
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError())
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new InterruptedError())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The HTTP layer of the Encord client: undici keep-alive pool, signing, retries, timeouts, stats.
 * One instance per client; `close()` releases the sockets.
 */
export class Transport {
  readonly origin: string
  readonly policy: RetryPolicy
  readonly timeoutMs: number
  readonly userAgent: string
  readonly #key: SigningKey
  /** Our own pool, or null when the caller gave a dispatcher. */
  readonly #agent: Agent | null
  readonly #api: Dispatcher
  readonly #download: Dispatcher
  readonly #random: () => number
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly #now: () => number
  /** Sockets opened ahead of need (`preconnect`), or null with a caller's dispatcher. */
  readonly #warm: WarmSockets | null = null
  readonly #poolSize: number
  #stats: TransportStats = emptyStats()

  constructor(options: TransportOptions) {
    const url = new URL(options.domain)
    this.origin = url.origin
    this.#key = options.key
    this.policy = {
      retries: options.retries ?? DEFAULT_RETRY_POLICY.retries,
      backoffBaseMs: options.backoffBaseMs ?? DEFAULT_RETRY_POLICY.backoffBaseMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULT_RETRY_POLICY.maxRetryDelayMs,
    }
    this.timeoutMs = options.timeoutMs ?? 180_000
    this.userAgent = options.userAgent ?? defaultUserAgent()
    this.#random = options.random ?? Math.random
    this.#sleep = options.sleep ?? defaultSleep
    this.#now = options.now ?? Date.now
    this.#poolSize = options.connections ?? 8
    const { Agent: UndiciAgent, buildConnector: connectorFactory, interceptors } = undici()
    if (options.dispatcher !== undefined) {
      this.#agent = null
      this.#api = options.dispatcher
    } else {
      // Count every new socket: the connector is called once per connection the pool opens, and the
      // warm-up's own sockets are counted when they are opened (see `preconnect`).
      const connector = connectorFactory({ timeout: this.timeoutMs })
      const fresh: buildConnector.connector = (opts, callback) => {
        this.#stats.connections++
        log('new connection to %s//%s:%s', opts.protocol, opts.hostname, opts.port)
        connector(opts, callback)
      }
      this.#warm = new WarmSockets({
        connect: connector,
        origin: this.origin,
        idleMs: KEEP_ALIVE_MS,
        onOpen: () => {
          this.#stats.connections++
          log('warming a connection to %s', this.origin)
        },
      })
      // An Agent keeps one Pool per origin, each with keep-alive connections (parser: baseline-parser.ts).
      this.#agent = new UndiciAgent({
        connections: this.#poolSize,
        connect: baselineParserConnector(warmFirst(this.#warm, fresh)),
        keepAliveTimeout: KEEP_ALIVE_MS,
      })
      this.#api = this.#agent
    }
    // Responses are decompressed by hand (see `decompress`): undici's interceptor warns as experimental.
    this.#download = this.#api.compose(interceptors.redirect({ maxRedirections: 5 }))
  }

  /** A copy of the counters. */
  stats(): TransportStats {
    return structuredClone(this.#stats)
  }

  /** Sleep the backoff delay before retry number `retry` (1-based); used by the client's own retry loops. */
  async backoff(retry: number, signal?: AbortSignal): Promise<void> {
    await this.#sleep(retryDelayMs(retry, null, this.policy, this.#random) ?? 0, signal)
  }

  /** Start a fresh measurement window (all counters to zero). */
  resetStats(): void {
    this.#stats = emptyStats()
  }

  async close(): Promise<void> {
    this.#warm?.close()
    await this.#agent?.close()
  }

  /**
   * Open connections to the API now until `connections` (capped by the pool's size) are open, counting
   * the pool's own, so their handshakes are done by the time requests need them. Sends no request; a
   * socket not used within the keep-alive time is closed. Does nothing with a caller's dispatcher.
   */
  preconnect(connections: number): void {
    this.#warm?.fill(Math.min(Math.floor(connections), this.#poolSize))
  }

  /**
   * Send an API request, signed, with retries per its `retry` class. Resolves with the final response
   * whatever its status (mapping statuses to errors is the caller's job, as the SDK's
   * `raise_on_status=False`); rejects with `EncordNetworkError` when no response arrived.
   */
  send(req: ApiRequest): Promise<ApiResponse> {
    return withSpan(
      `encord ${req.endpoint}`,
      { kind: 'client', attributes: { 'encord.endpoint': req.endpoint, 'http.request.method': req.method } },
      async (span) => {
        const response = await this.#send(req)
        span?.setAttribute('http.response.status_code', response.status)
        return response
      },
    )
  }

  async #send(req: ApiRequest): Promise<ApiResponse> {
    const call: EncordCall = {
      endpoint: req.endpoint,
      method: req.method,
      path: req.path,
      transport: req.transport,
      queryType: req.queryType,
      queryMethod: req.queryMethod,
    }
    const traceId = randomUUID().replace(/-/g, '')
    let attempt = 0
    for (;;) {
      attempt++
      this.#count(req.endpoint, attempt > 1)
      const started = Date.now()
      log('→ %s %s %s%s', req.endpoint, req.method, req.path, attempt > 1 ? ` (attempt ${attempt})` : '')
      let response: ApiResponse
      try {
        response = await this.#attempt(req, call, traceId, attempt)
      } catch (error) {
        if (error instanceof InterruptedError) throw error
        if (req.signal?.aborted) throw new InterruptedError()
        const code = errorCode(error)
        const beforeSend = code !== null && CONNECT_ERROR_CODES.has(code)
        log('✗ %s %s after %d ms: %s', req.endpoint, code ?? 'error', Date.now() - started, (error as Error)?.message)
        const retryable = !isPermanentNetworkError(code) && (beforeSend || req.retry === 'idempotent')
        const retrying = retryable && attempt <= this.policy.retries
        publishOutcome({
          endpoint: req.endpoint,
          method: req.method,
          status: null,
          networkCode: code,
          durationMs: Date.now() - started,
          attempt,
          final: !retrying,
        })
        if (retrying) {
          const delay = retryDelayMs(attempt, null, this.policy, this.#random) ?? 0
          await this.#sleep(delay, req.signal)
          continue
        }
        const origin = new URL(this.origin + '/').origin
        throw new EncordNetworkError(
          networkFailure({ call, traceId, attempts: attempt, ambiguous: !beforeSend, origin }, error),
        )
      }
      const durationMs = Date.now() - started
      log('← %s %d in %d ms', req.endpoint, response.status, durationMs)
      const statuses =
        req.retry === 'idempotent' ? RETRY_STATUSES : req.retry === 'unapplied' ? UNAPPLIED_RETRY_STATUSES : undefined
      let delay: number | null = null
      if (statuses?.has(response.status) && attempt <= this.policy.retries) {
        const header = response.headers['retry-after']
        const retryAfter = parseRetryAfter(Array.isArray(header) ? header[0] : header, this.#now())
        delay = retryDelayMs(attempt, retryAfter, this.policy, this.#random)
        if (delay === null) log('not retrying %s: Retry-After %s s exceeds the cap', req.endpoint, retryAfter)
      }
      publishOutcome({
        endpoint: req.endpoint,
        method: req.method,
        status: response.status,
        durationMs,
        attempt,
        final: delay === null,
      })
      if (delay !== null) {
        log('retrying %s after HTTP %d in %d ms', req.endpoint, response.status, Math.round(delay))
        await this.#sleep(delay, req.signal)
        continue
      }
      return response
    }
  }

  async #attempt(req: ApiRequest, call: EncordCall, traceId: string, attempt: number): Promise<ApiResponse> {
    const url = this.origin + req.path
    const body = req.body == null ? null : Buffer.from(req.body, 'utf8')
    // Signed per attempt: `created` stays fresh across long Retry-After waits.
    const signed = signRequest({
      method: req.method,
      url,
      body,
      privateKey: this.#key,
      now: this.#now() / 1000,
      transport: req.transport,
    })
    const headers: string[] = []
    const add = (name: string, value: string): void => void headers.push(name, value)
    if (req.transport === 'legacy-rpc') {
      add('Accept', 'application/json')
      add('Content-Type', 'application/json')
      add('Accept-Encoding', 'gzip')
      for (const [n, v] of req.headers ?? []) add(n, v)
      for (const [n, v] of signed) add(n, v)
      add('User-Agent', this.userAgent)
      add('X-Cloud-Trace-Context', `${traceId}/1;o=1`)
    } else {
      if (body !== null) add('Content-Type', 'application/json')
      add('User-Agent', this.userAgent)
      add('X-Cloud-Trace-Context', `${traceId}/1;o=1`)
      add('Accept-Encoding', 'gzip')
      for (const [n, v] of req.headers ?? []) add(n, v)
      for (const [n, v] of signed) add(n, v)
    }
    const timeout = req.timeoutMs ?? this.timeoutMs
    requestDispatched()
    const res = await undici().request(url, {
      dispatcher: this.#api,
      method: req.method,
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: req.signal,
    })
    const raw = Buffer.from(await res.body.arrayBuffer())
    // undici keeps a socket that just answered busy until its next check phase (it validates idle
    // keep-alive sockets there), so a request sent at once by our caller would make the pool open a
    // NEW connection, a full handshake on a WAN. One turn of the loop lets the socket be reused (bench:
    // 5–8 connections per run → 1–2, ~50 ms saved on each link that opened one) and lets a request
    // dispatched meanwhile be written first. A caller whose next request is on a chain
    // (`nextAtOnce`) does not wait when another connection is idle: in the check phase the listing's
    // next page queued behind the handlers' turns (issue 21: −60 to −90 ms over 30 pages).
    if (req.nextAtOnce !== true || !this.#anotherIdle()) await turnAfterPendingWrites()
    const encoding = res.headers['content-encoding']
    const bodyText = (await decompress(raw, Array.isArray(encoding) ? encoding.join(',') : encoding)).toString('utf8')
    return { status: res.statusCode, headers: res.headers, bodyText, traceId, attempts: attempt, call }
  }

  /** Whether a request sent now finds a connection needing no handshake: an idle one, or a warmed socket. */
  #anotherIdle(): boolean {
    if (this.#agent === null || this.#warm === null) return false
    if (this.#warm.size > 0) return true
    const pool = this.#agent.stats[this.origin]
    return pool !== undefined && 'free' in pool && pool.free > 0
  }

  #count(endpoint: string, isRetry: boolean): void {
    this.#stats.requests[endpoint] = (this.#stats.requests[endpoint] ?? 0) + 1
    this.#stats.totalRequests++
    if (isRetry) {
      this.#stats.retries[endpoint] = (this.#stats.retries[endpoint] ?? 0) + 1
      this.#stats.totalRetries++
    }
  }

  /**
   * Stream an unauthenticated GET of `url` (a signed media URL) to `path`. No Encord headers are sent.
   * Written to `<path>.part` and renamed when complete, so `path` never holds a partial file. Retried
   * (from the start) on connection errors, timeouts and 429/5xx.
   */
  async download(
    url: string,
    path: string,
    options: { signal?: AbortSignal; endpoint?: string } = {},
  ): Promise<{ bytes: number; contentType: string | null }> {
    const endpoint = options.endpoint ?? 'download'
    const parsed = new URL(url)
    const shown = `${parsed.origin}${parsed.pathname}` // signed URLs carry credentials in the query: never show it
    const call: EncordCall = { endpoint, method: 'GET', path: shown, transport: 'download' }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new EncordNotFoundError('downloadScheme', { protocol: parsed.protocol }, { call })
    }
    const part = `${path}.part`
    let attempt = 0
    for (;;) {
      attempt++
      this.#count(endpoint, attempt > 1)
      const retryLeft = attempt <= this.policy.retries
      let res: Dispatcher.ResponseData
      try {
        res = await undici().request(url, {
          dispatcher: this.#download,
          method: 'GET',
          headers: { 'user-agent': this.userAgent },
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          signal: options.signal,
        })
      } catch (error) {
        if (options.signal?.aborted) throw new InterruptedError()
        const code = errorCode(error)
        if (!isPermanentNetworkError(code) && retryLeft) {
          await this.#sleep(retryDelayMs(attempt, null, this.policy, this.#random) ?? 0, options.signal)
          continue
        }
        throw new EncordNetworkError(
          networkFailure({ call, attempts: attempt, ambiguous: false, origin: parsed.origin }, error),
        )
      }
      const status = res.statusCode
      if (status < 200 || status >= 300) {
        const text = await res.body.text().catch(() => '')
        const header = res.headers['retry-after']
        const retryAfter = Array.isArray(header) ? header[0] : header
        if (RETRY_STATUSES.has(status) && retryLeft) {
          const delay = retryDelayMs(attempt, parseRetryAfter(retryAfter, this.#now()), this.policy, this.#random)
          if (delay !== null) {
            await this.#sleep(delay, options.signal)
            continue
          }
        }
        const error = errorFromV2Response({
          call,
          httpStatus: status,
          bodyText: text.slice(0, 2000),
          retryAfter,
          attempts: attempt,
        })
        if (status === 401 || status === 403) {
          throw new EncordPermissionError(
            'mediaRefused',
            {},
            { call, httpStatus: status, attempts: attempt, serverMessage: error.serverMessage },
          )
        }
        throw error
      }
      const header = res.headers['content-type']
      const contentType = (Array.isArray(header) ? header[0] : header) ?? null
      let bytes = 0
      res.body.on('data', (chunk: Buffer) => {
        bytes += chunk.length
      })
      try {
        await pipeline(res.body, createWriteStream(part))
        await rename(part, path)
        return { bytes, contentType }
      } catch (error) {
        await rm(part, { force: true }).catch(() => undefined)
        if (options.signal?.aborted) throw new InterruptedError()
        const code = errorCode(error)
        // File-system errors carry the path they concern; socket errors do not.
        if (error !== null && typeof error === 'object' && 'path' in error) {
          throw new EncordNotFoundError('downloadWrite', { path, code }, { call, cause: error })
        }
        if (retryLeft) {
          await this.#sleep(retryDelayMs(attempt, null, this.policy, this.#random) ?? 0, options.signal)
          continue
        }
        throw new EncordNetworkError(
          'downloadBrokeOff',
          {},
          networkFailure({ call, attempts: attempt, ambiguous: false, origin: parsed.origin }, error),
        )
      }
    }
  }
}

/** A network error's init: what the request was, and the low-level `error` (its code, its message, as cause). */
function networkFailure(
  init: Omit<NetworkInit, 'networkCode' | 'serverMessage' | 'cause'>,
  error: unknown,
): NetworkInit {
  return {
    ...init,
    networkCode: errorCode(error),
    serverMessage: (error as Error)?.message ?? String(error),
    cause: error,
  }
}

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)
const brotliAsync = promisify(brotliDecompress)

/** Publishes a request's outcome (nothing is built or sent while nobody subscribes). */
function publishOutcome(outcome: RequestOutcome): void {
  if (requestChannel.hasSubscribers) requestChannel.publish(outcome)
}

/** Undo `Content-Encoding` (we ask for gzip; deflate and br are handled in case a proxy picks them). */
async function decompress(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  let out = body
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out = await gunzipAsync(out)
    else if (coding === 'deflate') out = await inflateAsync(out)
    else if (coding === 'br') out = await brotliAsync(out)
  }
  return out
}

function emptyStats(): TransportStats {
  return { requests: {}, retries: {}, connections: 0, totalRequests: 0, totalRetries: 0 }
}
