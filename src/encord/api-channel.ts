/**
 * The two wire protocols under the client: REST v2 (JSON in and out, errors from the HTTP status) and
 * the legacy RPC (one POST path, an `{status, response}` envelope), over one signed, retrying
 * transport; plus the helpers that name a call and turn a reply that is not what was expected into
 * an error that says so.
 */
import type { z } from 'zod'
import {
  EncordNotFoundError,
  EncordProtocolError,
  errorFromLegacyEnvelope,
  errorFromV2Response,
  looksLikeHtml,
  type EncordCall,
  type EncordSituation,
} from './errors.js'
import { LegacyEnvelope } from './models.js'
import { pythonJson } from './python-json.js'
import { withQuery, type QueryParams } from './query.js'
import type { RetryClass } from './retry.js'
import type { ApiResponse, Transport } from './transport.js'

export class ApiChannel {
  /** Legacy RPC path: `domain + "/public"` by string concatenation, as the SDK (keeps a domain's path). */
  readonly legacyPath: string

  constructor(
    readonly transport: Transport,
    domain: string,
  ) {
    this.legacyPath = new URL(domain).pathname.replace(/\/+$/, '') + '/public'
  }

  async v2(
    endpoint: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options: {
      query?: QueryParams
      body?: unknown
      floatKeys?: ReadonlySet<string>
      retry?: RetryClass
      nextAtOnce?: boolean
    } = {},
  ): Promise<ApiResponse> {
    const fullPath = withQuery(`/v2/public/${path}`, options.query)
    const response = await this.transport.send({
      endpoint,
      method,
      path: fullPath,
      body: options.body === undefined ? null : pythonJson(options.body, options.floatKeys),
      retry: options.retry ?? (method === 'PATCH' || method === 'DELETE' ? 'connect-only' : 'idempotent'),
      transport: 'rest-v2',
      nextAtOnce: options.nextAtOnce,
    })
    if (response.status < 200 || response.status >= 300) {
      const header = response.headers['retry-after']
      throw errorFromV2Response({
        call: response.call,
        httpStatus: response.status,
        bodyText: response.bodyText,
        retryAfter: Array.isArray(header) ? header[0] : header,
        traceId: response.traceId,
        attempts: response.attempts,
      })
    }
    return response
  }

  async v2Json<S extends z.ZodType>(
    endpoint: string,
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    options: { query?: QueryParams; body?: unknown } = {},
  ): Promise<z.infer<S>> {
    const { response, json } = await this.v2Parsed(endpoint, method, path, options)
    return parseWith(schema, json, response.call, endpoint, response)
  }

  /** A v2 call's reply parsed as JSON but not yet checked against its schema (see `parseWith`). */
  async v2Parsed(
    endpoint: string,
    method: 'GET' | 'POST',
    path: string,
    options: { query?: QueryParams; body?: unknown; nextAtOnce?: boolean } = {},
  ): Promise<{ response: ApiResponse; json: unknown }> {
    const response = await this.v2(endpoint, method, path, options)
    if (response.status === 204) throw protocolError(response, 'noContent', {})
    return { response, json: parseJson(response, response.call) }
  }

  async v2NoContent(
    endpoint: string,
    method: 'POST' | 'PUT',
    path: string,
    options: { body?: unknown; floatKeys?: ReadonlySet<string>; retry?: RetryClass },
  ): Promise<void> {
    // The result is ignored (as the SDK does); any 2xx is success.
    await this.v2(endpoint, method, path, options)
  }

  /**
   * A legacy RPC call; resolves with the envelope's `response` (which may be null). `projectHash` null
   * makes it a user-level call, as the SDK's user client sends them: `domain + "/public/user"`, without
   * the ResourceType/ResourceID headers (creating and deleting projects).
   */
  async legacy(
    endpoint: string,
    projectHash: string | null,
    queryType: string,
    queryMethod: 'GET' | 'POST' | 'PUT' | 'DELETE',
    uid: unknown,
    payload: unknown,
    retry: RetryClass,
    floatKeys?: ReadonlySet<string>,
  ): Promise<unknown> {
    const body = pythonJson({ query_type: queryType, query_method: queryMethod, values: { uid, payload } }, floatKeys)
    const response = await this.transport.send({
      endpoint,
      method: 'POST',
      path: projectHash === null ? this.legacyPath + '/user' : this.legacyPath,
      body,
      headers:
        projectHash === null
          ? []
          : [
              ['ResourceType', 'project'],
              ['ResourceID', projectHash],
            ],
      retry,
      transport: 'legacy-rpc',
      queryType,
      queryMethod,
    })
    const call = response.call
    // The SDK ignores the HTTP status and reads the envelope; a non-JSON error page falls back to the status.
    let json: unknown
    try {
      json = JSON.parse(response.bodyText)
    } catch {
      if (response.status >= 400) {
        const header = response.headers['retry-after']
        throw errorFromV2Response({
          call,
          httpStatus: response.status,
          bodyText: response.bodyText,
          retryAfter: Array.isArray(header) ? header[0] : header,
          traceId: response.traceId,
          attempts: response.attempts,
        })
      }
      throw protocolError(response, 'notJson', {})
    }
    const envelope = LegacyEnvelope.safeParse(json)
    if (!envelope.success) {
      if (response.status >= 400)
        throw errorFromV2Response({
          call,
          httpStatus: response.status,
          bodyText: response.bodyText,
          traceId: response.traceId,
          attempts: response.attempts,
        })
      throw protocolError(response, 'noEnvelope', {})
    }
    if (envelope.data.status !== 200) {
      const header = response.headers['retry-after']
      throw errorFromLegacyEnvelope({
        call,
        httpStatus: response.status,
        status: envelope.data.status,
        response: envelope.data.response,
        payload: envelope.data.payload,
        traceId: response.traceId,
        attempts: response.attempts,
        retryAfter: Array.isArray(header) ? header[0] : header,
      })
    }
    return envelope.data.response ?? null
  }
}

export function seg(value: string): string {
  return encodeURIComponent(value)
}

export function v2Call(endpoint: string, method: string, path: string): EncordCall {
  return { endpoint, method, path: `/v2/public/${path}`, transport: 'rest-v2' }
}

export function legacyCall(endpoint: string, path: string, queryType: string, queryMethod: string): EncordCall {
  return { endpoint, method: 'POST', path, transport: 'legacy-rpc', queryType, queryMethod }
}

export function localCall(endpoint: string): EncordCall {
  return { endpoint, method: '-', path: '-', transport: 'rest-v2' }
}

/** A not-found error said again for what the caller was looking for (`situation`); other errors unchanged. */
export function rephraseNotFound(error: unknown, ...situation: EncordSituation<'EncordNotFound'>): unknown {
  if (!(error instanceof EncordNotFoundError)) return error
  return new EncordNotFoundError(...situation, {
    call: error.call,
    httpStatus: error.httpStatus,
    legacyCode: error.legacyCode,
    serverMessage: error.serverMessage,
    traceId: error.traceId,
    attempts: error.attempts,
    cause: error,
  })
}

export function protocolError(
  response: ApiResponse,
  ...situation: EncordSituation<'EncordProtocol'>
): EncordProtocolError {
  const text = response.bodyText.trim()
  const shown =
    text === '' ? '(empty body)' : looksLikeHtml(text) ? 'an HTML page: ' + text.slice(0, 120) : text.slice(0, 200)
  const contentType = response.headers['content-type']
  return new EncordProtocolError(...situation, {
    call: response.call,
    httpStatus: response.status,
    traceId: response.traceId,
    attempts: response.attempts,
    serverMessage: shown,
    data: { contentType: Array.isArray(contentType) ? contentType[0] : (contentType ?? null) },
  })
}

export function parseJson(response: ApiResponse, _call: EncordCall): unknown {
  try {
    return JSON.parse(response.bodyText)
  } catch {
    throw protocolError(response, 'notJson', {})
  }
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  call: EncordCall,
  what: string,
  response?: ApiResponse,
): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
  throw new EncordProtocolError(
    'unknownShape',
    { what, issues },
    {
      call,
      httpStatus: response?.status ?? null,
      traceId: response?.traceId ?? null,
      attempts: response?.attempts ?? 1,
    },
  )
}
