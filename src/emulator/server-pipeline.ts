/**
 * The request pipeline every Encord route goes through: signature headers (before the body is read:
 * a request without a well-formed signature of a known key is refused at once, see below) → body, up
 * to the route's limit (413 before reading when Content-Length is over it) → connection latency (until the
 * socket's handshake time is over, counted from its TCP accept) → latency + jitter → injected fault (before) → the rest of the signature check
 * (the body's digest) → authorisation → handler (state mutation, synchronous) → injected fault (after:
 * reset or slow) → response; and the helpers handlers share (parsing bodies and queries, access checks,
 * the error shape of each transport).
 *
 * A request refused before its body is read is answered with `Connection: close` when it announced a
 * body, so the server never reads the rest (issue 14, item 5: unsigned 250 MB bodies used to be read
 * whole before the signature was checked).
 */
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import { parsePythonQuery } from '../encord/query.js'
import { canAccessProject, verifyLegacyHeaders, verifyV2Headers, type HeaderOutcome, type Principal } from './auth.js'
import type { FaultDecision } from './faults.js'
import { formatPath } from './fixture-load.js'
import { exceedsJsonDepth, tooDeep } from './json-body.js'
import { announcesBody, type SignedRouteConfig } from './loopback-guard.js'
import { ReplyBuffers } from './reply-buffers.js'
import { badRequest, EmulatorHttpError } from './http-error.js'
import type { ServerOptions } from './server.js'
import type { ProjectRecord, StorageItemRecord } from './state.js'
import { redactHeaders } from './stats.js'
import type { SignUrl } from './wire.js'

export type Transport = 'v2' | 'legacy' | 'media'

const KiB = 1024
const MiB = 1024 * KiB

/**
 * Request body limits, bytes (each route's own; the `bodyLimit` option caps them all). A body over its
 * route's limit gets 413 in the transport's error shape, before it is read when Content-Length says so.
 */
export const BODY_LIMITS = {
  /** The legacy API (`POST /public`): label-row saves of long videos are the largest bodies Encord takes. */
  legacy: 256 * MiB,
  /** Storage item PATCHes (one item, or up to 1000 in `patch-bulk`): client metadata of any size. */
  storage: 16 * MiB,
  /** Every other signed call with a body: workflow actions, priorities, get-bulk (≤ 1000 entries each). */
  small: 1 * MiB,
  /** Routes that take no body (`/_emulator/*`, the dashboard, unknown paths). */
  unsigned: 64 * KiB,
} as const

export interface Result {
  status: number
  body?: unknown
  /** Raw bytes (media) instead of JSON. */
  raw?: Buffer
  headers?: Record<string, string>
  /**
   * `body` is already JSON, sent as is: text, UTF-8 bytes, or UTF-8 bytes in pieces (`JsonPieces`: a
   * reply assembled from the wire cache, joined when sent).
   */
  json?: boolean
}

/** A JSON reply's bytes in order, joined only when sent (into a reused buffer: see `sendPieces`). */
export type JsonPieces = readonly Buffer[]

export interface Call {
  req: FastifyRequest
  params: Record<string, string>
  body: Buffer
  query: Map<string, string[]>
  principal: Principal | null
  /** `http://host:port` the client used; signed URLs point there. */
  origin: string
  /** The legacy body, parsed once when the endpoint id is read (a label save's body is megabytes). */
  legacyJson?: { ok: true; value: unknown } | { ok: false }
}

/** What the route modules get: the server's parts, the route registrar and the access checks. */
export interface RouteContext extends ServerOptions {
  app: FastifyInstance
  /** Add an Encord route: `endpoint` names it in stats, logs and fault rules (or reads it off the call). */
  route(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    endpoint: string | ((call: Call) => string),
    transport: Transport,
    handler: (call: Call) => Result | Promise<Result>,
    /** `bodyLimit`: bytes (default: the legacy API's for `/public`, else `BODY_LIMITS.small`). */
    routeOptions?: { bodyLimit?: number },
  ): void
  /** The project, when the caller may see it (404 / 403 otherwise). */
  projectFor(call: Call, projectHash: string): ProjectRecord
  /** The storage item, when the caller may see it (`missingStatus` when it does not exist). */
  itemFor(call: Call, uuid: string, missingStatus: 403 | 404): StorageItemRecord
  /** Signs media URLs for the origin the client used. */
  signer(origin: string): SignUrl
}

export function createRouteContext(app: FastifyInstance, options: ServerOptions): RouteContext {
  const { state, keys, faults, stats, media } = options
  // When each connection's handshake is over (TCP accept + `connectionLatencyMs`): a request on it is
  // served no earlier, so a connection the client opened ahead of time (warmed) costs it nothing.
  const handshakeDone = new WeakMap<Socket, number>()
  app.server.on('connection', (socket: Socket) => {
    stats.connectionOpened()
    if (faults.connectionLatencyMs > 0) handshakeDone.set(socket, performance.now() + faults.connectionLatencyMs)
    socket.once('close', () => stats.connectionClosed())
  })
  /** When each request arrived (its first hook): with `overlapService` the latency counts from there. */
  const arrivals = new WeakMap<FastifyRequest, number>()

  const signer =
    (origin: string): SignUrl =>
    (item) =>
      media.signedUrl(origin, item)

  /** The header part of the signature check, passed from the `onRequest` hook to the handler. */
  const checkedHeaders = new WeakMap<FastifyRequest, Extract<HeaderOutcome, { ok: true }>>()

  function record(
    req: FastifyRequest,
    id: string,
    status: number | 'reset',
    started: number,
    principal: Principal | null,
    fault: FaultDecision | null,
  ): void {
    stats.request(id, status)
    if (!stats.logging) return
    stats.log({
      at: new Date().toISOString(),
      method: req.method,
      url: req.raw.url ?? req.url,
      endpoint: id,
      status: status === 'reset' ? 0 : status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      keyId: principal?.publicKeyHex ?? null,
      fault: fault?.kind ?? null,
      headers: redactHeaders(req.headers),
    })
  }

  const authError = (transport: Transport, auth: { message: string; unknownKey: boolean }) =>
    errorResult(
      transport,
      transport === 'legacy' && auth.unknownKey
        ? new EmulatorHttpError(400, auth.message, { code: 'SSH_KEY_NOT_FOUND_ERROR' })
        : new EmulatorHttpError(401, auth.message, { code: 'AUTHENTICATION_ERROR', payload: null }),
    )

  function route(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    endpoint: string | ((call: Call) => string),
    transport: Transport,
    handler: (call: Call) => Result | Promise<Result>,
    routeOptions: { bodyLimit?: number } = {},
  ): void {
    const ownLimit = routeOptions.bodyLimit ?? (transport === 'legacy' ? BODY_LIMITS.legacy : BODY_LIMITS.small)
    app.route({
      method,
      url,
      config: { signed: true } satisfies SignedRouteConfig,
      bodyLimit: Math.min(ownLimit, options.bodyLimit),
      // The signature's header part, before the body is read: refused requests never have it read.
      onRequest:
        transport === 'media'
          ? (req, _reply, done) => {
              arrivals.set(req, performance.now())
              done()
            }
          : async (req, reply) => {
              const started = performance.now()
              arrivals.set(req, started)
              const outcome =
                transport === 'v2'
                  ? await verifyV2Headers(
                      keys,
                      { method: req.method, rawTarget: req.raw.url ?? req.url, headers: req.headers },
                      state.now() / 1000,
                    )
                  : verifyLegacyHeaders(keys, { headers: req.headers })
              if (outcome.ok) {
                checkedHeaders.set(req, outcome)
                return
              }
              stats.authFailure()
              const result = authError(transport, outcome)
              if (announcesBody(req.raw)) void reply.header('connection', 'close')
              // The endpoint of a legacy call is in its body, which is not read.
              record(req, typeof endpoint === 'string' ? endpoint : transport, result.status, started, null, null)
              return send(reply, result)
            },
      handler: async (req, reply) => {
        const started = performance.now()
        const call: Call = {
          req,
          params: req.params as Record<string, string>,
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          query: new Map(),
          principal: null,
          origin: `http://${req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`}`,
        }
        const id = typeof endpoint === 'string' ? endpoint : endpoint(call)
        let status: number | 'reset' = 500
        let fault: FaultDecision | null = null
        // With `overlapService`, the reply waits for the latency timer started when the request arrived.
        let due: Promise<unknown> | null = null
        const respond = async (result: Result): Promise<FastifyReply> => {
          const body = serialise(result)
          if (due) await due
          return send(reply, result, body)
        }
        try {
          call.query = parseQuery(req.raw.url ?? '')
          // The handshake of a new connection (if not over yet), then the round trip's latency; with
          // `overlapService` both count from the request's arrival and the work below runs meanwhile.
          const arrived = arrivals.get(req) ?? started
          const ready = Math.max(arrived, handshakeDone.get(req.raw.socket) ?? 0)
          const latency = faults.latency()
          if (faults.overlapService) {
            const wait = ready + latency - performance.now()
            if (wait > 0) due = sleep(wait)
          } else {
            const handshake = ready - performance.now()
            if (handshake > 0) await sleep(handshake)
            if (latency > 0) await sleep(latency)
          }
          fault = faults.decide(id)
          if (fault) stats.fault(id, fault.kind)
          if (fault?.kind === 'reset-before') {
            status = 'reset'
            if (due) await due
            return reset(req, reply)
          }
          if (fault?.kind === '5xx' || fault?.kind === '429') {
            const code = fault.kind === '429' ? 429 : fault.status
            const message = fault.kind === '429' ? 'Too many requests' : 'Service unavailable'
            const retryAfter = fault.kind === '429' ? fault.retryAfter : fault.retryAfter
            const result = errorResult(
              transport,
              new EmulatorHttpError(code, `${message} (injected fault)`, {
                code: fault.kind === '429' ? 'RATE_LIMIT_EXCEEDED' : 'UNKNOWN_ERROR',
                payload: null,
              }),
            )
            if (retryAfter !== undefined) result.headers = { 'retry-after': String(retryAfter) }
            status = result.status
            return respond(result)
          }
          if (transport !== 'media') {
            const checked = checkedHeaders.get(req)
            const auth = checked
              ? await checked.finish(call.body)
              : { ok: false as const, message: 'Missing request signature', unknownKey: false }
            if (!auth.ok) {
              stats.authFailure()
              const result = authError(transport, auth)
              status = result.status
              return respond(result)
            }
            call.principal = auth.principal
          }
          const result = await handler(call)
          status = result.status
          if (fault?.kind === 'reset-after') {
            status = 'reset'
            if (due) await due
            return reset(req, reply)
          }
          if (fault?.kind === 'slow') {
            // A slow answer is slow after the round trip, overlapped or not.
            if (due) await due
            await sleep(fault.delayMs)
          }
          return respond(result)
        } catch (error) {
          const known =
            error instanceof EmulatorHttpError
              ? error
              : new EmulatorHttpError(500, `Emulator bug: ${(error as Error).message}`)
          if (known.status === 403) stats.authFailure()
          const result = errorResult(transport, known)
          status = result.status
          return respond(result)
        } finally {
          record(req, id, status, started, call.principal, fault)
        }
      },
    })
  }

  function projectFor(call: Call, projectHash: string): ProjectRecord {
    const project = state.projects.get(projectHash)
    if (!project) throw new EmulatorHttpError(404, 'Not found', { payload: `Project ${projectHash} not found` })
    if (!canAccessProject(call.principal!, projectHash)) {
      throw new EmulatorHttpError(403, 'You are not authorised to access this project', { payload: null })
    }
    return project
  }

  function itemFor(call: Call, uuid: string, missingStatus: 403 | 404): StorageItemRecord {
    const item = state.storageItems.get(uuid)
    if (!item)
      throw new EmulatorHttpError(
        missingStatus,
        missingStatus === 404 ? 'Not found' : `Storage item ${uuid} does not exist or you do not have access to it`,
      )
    const principal = call.principal!
    if (principal.projects !== '*') {
      const projects = state.itemProjects.get(uuid)
      if (!projects || ![...projects].some((p) => canAccessProject(principal, p))) {
        throw new EmulatorHttpError(403, `You are not authorised to access storage item ${uuid}`)
      }
    }
    return item
  }

  return { ...options, app, route, projectFor, itemFor, signer }
}

/** Who did it, as the history records it: the key's email, else its public key. */
export const by = (call: Call) => call.principal?.email ?? call.principal?.publicKeyHex ?? null
/** The user a workflow action is attributed to. */
export const actor = (call: Call) => call.principal?.email ?? null

export function ok(response: unknown): Result {
  return { status: 200, body: { status: 200, response } }
}

/** The reply's bytes: raw media, JSON text or bytes (whole or in pieces), or nothing (204 / no body). */
export function serialise(result: Result): Buffer | string | JsonPieces | undefined {
  if (result.raw) return result.raw
  if (result.status === 204 || result.body === undefined) return undefined
  const body = result.body
  if (result.json && (typeof body === 'string' || Buffer.isBuffer(body) || Array.isArray(body)))
    return body as string | Buffer | JsonPieces
  return JSON.stringify(body)
}

// Fastify adds the charset to a string's JSON type itself, not to bytes'.
const JSON_BYTES = 'application/json; charset=utf-8'

export function send(reply: FastifyReply, result: Result, body = serialise(result)): FastifyReply {
  void reply.code(result.status)
  if (result.headers) void reply.headers(result.headers)
  if (result.raw) return reply.send(result.raw)
  if (body === undefined) return reply.send()
  if (Buffer.isBuffer(body)) return reply.type(JSON_BYTES).send(body)
  if (typeof body !== 'string') return sendPieces(reply, body)
  return reply.type('application/json').send(body)
}

/** Every emulator in the process joins its replies in pieces into these (see reply-buffers.ts). */
export const replyBuffers = new ReplyBuffers()

/**
 * A JSON reply in pieces: joined into a reused buffer (a fresh one costs page faults), sent as Fastify
 * sends bytes, and the buffer given back once the reply has left.
 */
function sendPieces(reply: FastifyReply, pieces: JsonPieces): FastifyReply {
  const { buffer, bytes } = replyBuffers.join(pieces)
  reply.raw.once('finish', () => replyBuffers.release(buffer))
  return reply.type(JSON_BYTES).send(bytes)
}

export function reset(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  req.raw.socket.destroy()
  return reply
}

export function errorResult(transport: Transport, error: EmulatorHttpError): Result {
  if (transport === 'legacy') {
    const body: Record<string, unknown> = { status: error.status, response: [error.code] }
    if (error.payload !== null && error.payload !== undefined) body.payload = error.payload
    return { status: error.status, body }
  }
  if (transport === 'media')
    return { status: error.status, raw: Buffer.from(`${error.message}\n`), headers: { 'content-type': 'text/plain' } }
  return { status: error.status, body: { message: error.message, ...error.extra } }
}

export function parseQuery(url: string): Map<string, string[]> {
  const q = url.indexOf('?')
  const out = new Map<string, string[]>()
  if (q === -1) return out
  let pairs: Array<[string, string]>
  try {
    pairs = parsePythonQuery(url.slice(q + 1))
  } catch {
    throw badRequest('Malformed query string')
  }
  for (const [k, v] of pairs) {
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}

/** Python `True`/`False` (any case; `1`/`0` too). */
export function queryBool(query: Map<string, string[]>, key: string): boolean {
  const value = query.get(key)?.[0]
  if (value === undefined) return false
  const v = value.toLowerCase()
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw badRequest(`Query parameter ${key} must be True or False, got ${JSON.stringify(value)}`)
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('A JSON body is required')
  if (exceedsJsonDepth(body)) throw tooDeep()
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw badRequest('The request body is not valid JSON')
  }
}

export function describeIssues(error: z.ZodError, root: string, suffix?: (path: PropertyKey[]) => string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = formatPath(issue.path)
      return `${path === '(root)' ? root : `${root}${path.startsWith('[') ? '' : '.'}${path}`}${suffix ? suffix(issue.path) : ''}: ${issue.message}`
    })
    .join('; ')
}

export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  root: string,
  suffix?: (path: PropertyKey[]) => string,
): z.output<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw badRequest(describeIssues(parsed.error, root, suffix))
  return parsed.data
}

/** Legacy `uid`: a list, or one string (the single-row variants answer one object). */
export function uidList(uid: unknown, what: string): { list: string[]; single: boolean } {
  if (typeof uid === 'string') return { list: [uid], single: true }
  if (Array.isArray(uid) && uid.every((u) => typeof u === 'string')) return { list: uid, single: false }
  throw badRequest(`values.uid must be a list of ${what}`)
}
