import { describe, type ErrorCode, type ErrorParams, type ErrorRef } from '../shared/error-catalogue/index.js'
import { ConnectionError, UserError, type ErrorDetails } from '../shared/errors.js'

/**
 * Typed errors of the Encord client. Each one carries what the server said (`serverMessage`), the
 * call that failed (`call`: endpoint name, method, path — never headers, the key or a signature), the
 * HTTP status, the legacy error code and the trace id we sent (Encord support can look it up).
 *
 * Exit codes follow src/shared/exit-codes.ts: authentication, permission, rate limits, server, network
 * and protocol failures are `ConnectionError`s (exit 3, after retries); a missing resource or a request
 * the server rejected as invalid is a `UserError` (exit 2, with a hint to fix the input).
 */

/** The call that failed. Safe to print: it never holds secrets. */
export interface EncordCall {
  /** Our name for the endpoint, e.g. `getProject`, `proceed`, `labelRowMetadata`. */
  endpoint: string
  /** HTTP method on the wire (legacy calls are always POST). */
  method: string
  /** Path (and query) of the request, e.g. `/v2/public/projects/<hash>`; `/public` for legacy calls. */
  path: string
  transport: 'rest-v2' | 'legacy-rpc' | 'download'
  /** Legacy calls: `query_type` / `query_method` of the body, e.g. `labelrow` / `PUT`. */
  queryType?: string
  queryMethod?: string
}

/** What every Encord client error carries (on top of EncordAgentsError's code/message/hint). */
export interface EncordErrorInfo {
  call: EncordCall
  /** The HTTP status, or null when no response arrived. */
  httpStatus: number | null
  /** The legacy envelope's error code, e.g. `RESOURCE_NOT_FOUND_ERROR`. */
  legacyCode: string | null
  /** The server's own message (`message`/`detail` for v2, `payload` for legacy), if any. */
  serverMessage: string | null
  /** The trace id sent in `X-Cloud-Trace-Context`. */
  traceId: string | null
  /** How many times the request was sent (1 = no retries). */
  attempts: number
}

/** What a throw site knows about the call that failed (the texts come from the catalogue). */
export interface EncordErrorInit extends Partial<Omit<EncordErrorInfo, 'call'>> {
  call: EncordCall
  cause?: unknown
  data?: Record<string, unknown>
}

/** The catalogue's codes of the Encord client errors (src/shared/error-catalogue/encord.ts). */
type EncordCode =
  | 'EncordAuthentication'
  | 'EncordPermission'
  | 'EncordNotFound'
  | 'EncordRateLimited'
  | 'EncordServer'
  | 'EncordNetwork'
  | 'EncordProtocol'
  | 'EncordInvalidArguments'
/** Facts the classes fill in themselves: the call's, and the network and rate-limit fields. */
type ClassFacts = 'call' | 'origin' | 'networkCode' | 'retryAfterSeconds'
type RefsOf<C extends EncordCode> = Extract<ErrorRef, C | `${C}.${string}`>
type SituationOf<R, C extends EncordCode> = R extends `${C}.${infer S}` ? S : never
/** The facts a throw site passes: the message's, less the ones the class fills in (`{}` when there are none). */
type SiteFacts<R extends ErrorRef> =
  Omit<ErrorParams<R>, ClassFacts> extends infer F ? ([keyof F] extends [never] ? Record<string, never> : F) : never

/**
 * A situation of catalogue entry `C` other than its `default`, with the facts its message needs:
 * `['project', { projectHash }]` for EncordNotFound.project.
 */
export type EncordSituation<C extends EncordCode> = {
  [R in RefsOf<C>]: R extends `${C}.${string}` ? [situation: SituationOf<R, C>, facts: SiteFacts<R>] : never
}[RefsOf<C>]

/**
 * How an Encord error class is called: with the call alone for its code's `default` message,
 * `new EncordNotFoundError({ call })`, or with a situation and its facts first,
 * `new EncordNotFoundError('project', { projectHash }, { call })`. A wrong situation or a missing fact does
 * not compile; the texts are the catalogue's.
 */
export type EncordErrorArgs<C extends EncordCode, I extends EncordErrorInit = EncordErrorInit> =
  (C extends RefsOf<C> ? [init: I] : never) | [...EncordSituation<C>, init: I]

const MAX_MESSAGE = 600

function describeCall(call: EncordCall): string {
  const legacy = call.queryType ? ` ${call.queryType}/${call.queryMethod}` : ''
  return `${call.endpoint}: ${call.method} ${call.path}${legacy}`
}

function clip(s: string): string {
  const oneLine = s.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_MESSAGE ? oneLine.slice(0, MAX_MESSAGE) + '…' : oneLine
}

/** The call's facts and what the server said, after the summary: `(getProject: GET /v2/..., HTTP 404): "..."`. */
function callFacts(init: EncordErrorInit): string {
  const facts = [describeCall(init.call)]
  if (init.httpStatus != null) facts.push(`HTTP ${init.httpStatus}`)
  if (init.legacyCode) facts.push(init.legacyCode)
  if (init.attempts !== undefined && init.attempts > 1) facts.push(`${init.attempts} attempts`)
  const said = init.serverMessage ? `: ${JSON.stringify(clip(init.serverMessage))}` : ''
  return `(${facts.join(', ')})${said}`
}

function details(init: EncordErrorInit, hint: string | undefined): ErrorDetails {
  return {
    hint,
    cause: init.cause,
    data: {
      endpoint: init.call.endpoint,
      method: init.call.method,
      path: init.call.path,
      httpStatus: init.httpStatus ?? null,
      legacyCode: init.legacyCode ?? null,
      serverMessage: init.serverMessage ?? null,
      traceId: init.traceId ?? null,
      attempts: init.attempts ?? 1,
      ...init.data,
    },
  }
}

function assignInfo(target: EncordErrorInfo, init: EncordErrorInit): void {
  target.call = init.call
  target.httpStatus = init.httpStatus ?? null
  target.legacyCode = init.legacyCode ?? null
  target.serverMessage = init.serverMessage ?? null
  target.traceId = init.traceId ?? null
  target.attempts = init.attempts ?? 1
}

/** What a class adds to its situation's facts (`facts`) and to `data` in `--json`. */
interface Own {
  facts?: Record<string, unknown>
  data?: Record<string, unknown>
}

/** The call's init: the last argument of every EncordErrorArgs. */
function initOf<I extends EncordErrorInit>(args: readonly unknown[]): I {
  return args[args.length - 1] as I
}

/** What the bases build an error from: the catalogue's code and message, the details, and the call's init. */
interface Situated {
  code: ErrorCode
  message: string
  details: ErrorDetails
  init: EncordErrorInit
}

/** The catalogue's code, message and hint for a class called with `args`, and the error's details. */
function situated(code: EncordCode, args: readonly unknown[], own: Own = {}): Situated {
  const init = initOf(args)
  const [situation, facts] = args.length === 1 ? ['default', {}] : (args as [string, object])
  const ref = (situation === 'default' ? code : `${code}.${situation}`) as ErrorRef
  const described = describe(ref, { ...facts, ...own.facts, call: callFacts(init) } as never)
  const full = own.data === undefined ? init : { ...init, data: { ...init.data, ...own.data } }
  return { code: described.code, message: described.message, details: details(full, described.hint), init }
}

// The fields of EncordErrorInfo are set by assignInfo, so each base declares them by merging the interface.
/* eslint-disable @typescript-eslint/no-unsafe-declaration-merging */

/** The Encord client errors that exit 3: the service refused our key, failed, or could not be reached. */
interface EncordConnectionFailure extends EncordErrorInfo {}
abstract class EncordConnectionFailure extends ConnectionError {
  protected constructor(e: Situated) {
    super(e.code, e.message, e.details)
    assignInfo(this, e.init)
  }
}

/** The Encord client errors that exit 2: the request named something missing or was invalid. */
interface EncordRequestRefused extends EncordErrorInfo {}
abstract class EncordRequestRefused extends UserError {
  protected constructor(e: Situated) {
    super(e.code, e.message, e.details)
    assignInfo(this, e.init)
  }
}
/* eslint-enable @typescript-eslint/no-unsafe-declaration-merging */

/** The server did not accept our key or signature (HTTP 401, `AUTHENTICATION_ERROR`, `SSH_KEY_NOT_FOUND_ERROR`). Exit 3. */
export class EncordAuthenticationError extends EncordConnectionFailure {
  constructor(...args: EncordErrorArgs<'EncordAuthentication'>) {
    super(situated('EncordAuthentication', args))
  }
}

/** The key is valid but may not do this (HTTP 403, `AUTHORISATION_ERROR`, `OPERATION_NOT_ALLOWED`). Exit 3. */
export class EncordPermissionError extends EncordConnectionFailure {
  constructor(...args: EncordErrorArgs<'EncordPermission'>) {
    super(situated('EncordPermission', args))
  }
}

/** A project, ontology, label row or storage item does not exist, or is not visible to the key (404). Exit 2. */
export class EncordNotFoundError extends EncordRequestRefused {
  constructor(...args: EncordErrorArgs<'EncordNotFound'>) {
    super(situated('EncordNotFound', args))
  }
}

/** Still rate-limited (HTTP 429) after the retries. Exit 3. */
export class EncordRateLimitedError extends EncordConnectionFailure {
  /** Seconds the server asked us to wait (`Retry-After`), if it said. */
  readonly retryAfterSeconds: number | null
  constructor(...args: EncordErrorArgs<'EncordRateLimited', EncordErrorInit & { retryAfterSeconds?: number | null }>) {
    const retryAfterSeconds =
      initOf<{ retryAfterSeconds?: number | null } & EncordErrorInit>(args).retryAfterSeconds ?? null
    super(situated('EncordRateLimited', args, { facts: { retryAfterSeconds }, data: { retryAfterSeconds } }))
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** Encord failed (5xx, or a legacy error code we do not know) after the retries. Exit 3. */
export class EncordServerError extends EncordConnectionFailure {
  constructor(...args: EncordErrorArgs<'EncordServer'>) {
    super(situated('EncordServer', args))
  }
}

/** What a network failure's throw site knows besides the call. */
export interface NetworkInit extends EncordErrorInit {
  /** True when the request may have been received (and applied) before the failure. */
  ambiguous: boolean
  networkCode?: string | null
  /** The origin we could not reach, said in the message. */
  origin?: string
}

/**
 * No usable response: connection refused, DNS failure, TLS error, connection dropped, timeout. Exit 3.
 * `ambiguous` is true when the request may have reached the server (and may have been applied).
 */
export class EncordNetworkError extends EncordConnectionFailure {
  /** True when the request may have been received (and applied) before the failure. */
  readonly ambiguous: boolean
  /** The low-level error code, e.g. `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`. */
  readonly networkCode: string | null
  constructor(...args: EncordErrorArgs<'EncordNetwork', NetworkInit>) {
    const init = initOf<NetworkInit>(args)
    const networkCode = init.networkCode ?? null
    super(
      situated('EncordNetwork', args, {
        facts: { origin: init.origin, networkCode },
        data: { ambiguous: init.ambiguous, networkCode },
      }),
    )
    this.ambiguous = init.ambiguous
    this.networkCode = networkCode
  }
}

/** The response was not what Encord's API sends (not JSON, an HTML page, an unexpected shape). Exit 3. */
export class EncordProtocolError extends EncordConnectionFailure {
  constructor(...args: EncordErrorArgs<'EncordProtocol'>) {
    super(situated('EncordProtocol', args))
  }
}

/**
 * The server rejected the request as invalid (HTTP 400/405/413, `INVALID_ARGUMENTS_ERROR`,
 * `CORRUPTED_LABEL_ERROR`, `RESOURCE_EXISTS_ERROR`, `MULTI_LABEL_LIMIT_ERROR`, ...), or the client
 * refused arguments before sending. Exit 2.
 */
export class EncordInvalidArgumentsError extends EncordRequestRefused {
  /** `MULTI_LABEL_LIMIT_ERROR`: the most label rows the server takes per request. */
  readonly maximumLabelsAllowed: number | null
  constructor(
    ...args: EncordErrorArgs<'EncordInvalidArguments', EncordErrorInit & { maximumLabelsAllowed?: number | null }>
  ) {
    super(situated('EncordInvalidArguments', args))
    this.maximumLabelsAllowed =
      initOf<{ maximumLabelsAllowed?: number | null } & EncordErrorInit>(args).maximumLabelsAllowed ?? null
  }
}

/** Any error of the Encord client. */
export type EncordApiError =
  | EncordAuthenticationError
  | EncordPermissionError
  | EncordNotFoundError
  | EncordRateLimitedError
  | EncordServerError
  | EncordNetworkError
  | EncordProtocolError
  | EncordInvalidArgumentsError

export function isEncordApiError(error: unknown): error is EncordApiError {
  return (
    error instanceof EncordAuthenticationError ||
    error instanceof EncordPermissionError ||
    error instanceof EncordNotFoundError ||
    error instanceof EncordRateLimitedError ||
    error instanceof EncordServerError ||
    error instanceof EncordNetworkError ||
    error instanceof EncordProtocolError ||
    error instanceof EncordInvalidArgumentsError
  )
}

// ------------------------------------------------------------------------------------------------
// Mapping responses to errors

/** Parse `Retry-After`: delay seconds, or an HTTP date (relative to `nowMs`). Null when absent/invalid. */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | null {
  if (value == null) return null
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v)
  if (/^\d+\.\d+$/.test(v)) return Number(v) // not in RFC 9110, but harmless to honour
  const date = Date.parse(v)
  if (Number.isNaN(date)) return null
  return Math.max(0, (date - nowMs) / 1000)
}

/** The message of a v2 error body: `message`, else `detail` (strings or JSON), else the raw text. */
export function v2ServerMessage(bodyText: string): string | null {
  const text = bodyText.trim()
  if (text === '') return null
  try {
    const body = JSON.parse(text) as unknown
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const { message, detail } = body as { message?: unknown; detail?: unknown }
      if (typeof message === 'string' && message !== '') return message
      if (typeof detail === 'string' && detail !== '') return detail
      if (detail !== undefined && detail !== null) return JSON.stringify(detail)
    }
    return JSON.stringify(body)
  } catch {
    return looksLikeHtml(text) ? htmlTitle(text) : text
  }
}

export function looksLikeHtml(text: string): boolean {
  return /^\s*<(!doctype|html|head|body)/i.test(text)
}

function htmlTitle(html: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim()
  return title ? `an HTML page titled ${JSON.stringify(title)}` : 'an HTML page'
}

export interface ResponseFacts {
  call: EncordCall
  httpStatus: number
  bodyText: string
  retryAfter?: string | null
  traceId?: string | null
  attempts?: number
}

/** Map a non-2xx v2 response to an error, by status as the SDK does (§4.3). */
export function errorFromV2Response(facts: ResponseFacts): EncordApiError {
  const init: EncordErrorInit = {
    call: facts.call,
    httpStatus: facts.httpStatus,
    serverMessage: v2ServerMessage(facts.bodyText),
    traceId: facts.traceId ?? null,
    attempts: facts.attempts ?? 1,
  }
  return errorFromStatus(facts.httpStatus, init, facts.retryAfter)
}

function errorFromStatus(status: number, init: EncordErrorInit, retryAfter?: string | null): EncordApiError {
  switch (status) {
    case 400:
      return new EncordInvalidArgumentsError(init)
    case 401:
      return new EncordAuthenticationError(init)
    case 403:
      return new EncordPermissionError(init)
    case 404:
      return new EncordNotFoundError(init)
    case 405:
      return new EncordInvalidArgumentsError('methodNotAllowed', {}, init)
    case 413:
      return new EncordInvalidArgumentsError('tooLarge', {}, init)
    case 429:
      return new EncordRateLimitedError({ ...init, retryAfterSeconds: parseRetryAfter(retryAfter) })
    default:
      if (status >= 500) return new EncordServerError(init)
      return new EncordServerError('unexpectedStatus', { status }, init)
  }
}

/** The message in a legacy error envelope's `payload` (a string, or JSON for objects). */
function legacyPayloadMessage(payload: unknown): string | null {
  if (payload === undefined || payload === null) return null
  if (typeof payload === 'string') return payload === '' ? null : payload
  return JSON.stringify(payload)
}

export interface LegacyErrorFacts {
  call: EncordCall
  httpStatus: number
  /** The envelope's `status`. */
  status: number
  /** The envelope's `response` (normally a one-element list holding the code). */
  response: unknown
  payload?: unknown
  traceId?: string | null
  attempts?: number
  retryAfter?: string | null
}

/** Map a legacy error envelope (`status` ≠ 200) to an error, by error code as the SDK does (§3.2). */
export function errorFromLegacyEnvelope(facts: LegacyErrorFacts): EncordApiError {
  const code = Array.isArray(facts.response) && typeof facts.response[0] === 'string' ? facts.response[0] : null
  const init: EncordErrorInit = {
    call: facts.call,
    httpStatus: facts.httpStatus,
    legacyCode: code,
    serverMessage: legacyPayloadMessage(facts.payload),
    traceId: facts.traceId ?? null,
    attempts: facts.attempts ?? 1,
  }
  switch (code) {
    case 'AUTHENTICATION_ERROR':
      return new EncordAuthenticationError(init)
    case 'SSH_KEY_NOT_FOUND_ERROR':
      return new EncordAuthenticationError('unknownKey', {}, init)
    case 'AUTHORISATION_ERROR':
      return new EncordPermissionError(init)
    case 'OPERATION_NOT_ALLOWED':
      return new EncordPermissionError('operationNotAllowed', {}, init)
    case 'RESOURCE_NOT_FOUND_ERROR':
      return new EncordNotFoundError(init)
    case 'INVALID_ARGUMENTS_ERROR':
    case 'ANSWER_DICTIONARY_ERROR':
    case 'WRONG_PROJECT_TYPE_ERROR':
    case 'METHOD_NOT_ALLOWED_ERROR':
      return new EncordInvalidArgumentsError(init)
    case 'CORRUPTED_LABEL_ERROR':
      return new EncordInvalidArgumentsError('corruptedLabel', {}, init)
    case 'RESOURCE_EXISTS_ERROR':
      return new EncordInvalidArgumentsError('resourceExists', {}, init)
    case 'MULTI_LABEL_LIMIT_ERROR': {
      const max = (facts.payload as { maximum_labels_allowed?: unknown } | null)?.maximum_labels_allowed
      return new EncordInvalidArgumentsError(
        'multiLabelLimit',
        {},
        {
          ...init,
          maximumLabelsAllowed: typeof max === 'number' ? max : 100,
        },
      )
    }
    case 'UNKNOWN_ERROR':
      return new EncordServerError(init)
    default:
      if (code === null) {
        // No code: fall back to the HTTP status (a proxy error page, a 5xx with some other JSON).
        return errorFromStatus(facts.httpStatus >= 400 ? facts.httpStatus : 500, init, facts.retryAfter)
      }
      return new EncordServerError('unknownCode', { legacyCode: code }, init)
  }
}
