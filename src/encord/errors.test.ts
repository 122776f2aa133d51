import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConnectionError, UserError } from '../shared/errors.js'
import { ExitCode } from '../shared/exit-codes.js'
import {
  EncordAuthenticationError,
  EncordInvalidArgumentsError,
  EncordNotFoundError,
  EncordPermissionError,
  EncordProtocolError,
  EncordRateLimitedError,
  EncordServerError,
  errorFromLegacyEnvelope,
  errorFromV2Response,
  isEncordApiError,
  parseRetryAfter,
  v2ServerMessage,
  type EncordCall,
} from './errors.js'

const dir = fileURLToPath(new URL('../../test/fixtures/encord-api/', import.meta.url))
const errors = JSON.parse(readFileSync(dir + 'fixtures/errors.json', 'utf8')) as {
  rest_v2: Record<string, { message: string; _headers?: Record<string, string> }>
  legacy_rpc: Record<string, { status: number; response: string[]; payload?: unknown }>
}
const call: EncordCall = { endpoint: 'getProject', method: 'GET', path: '/v2/public/projects/p1', transport: 'rest-v2' }
const legacy: EncordCall = {
  endpoint: 'getLabelRows',
  method: 'POST',
  path: '/public',
  transport: 'legacy-rpc',
  queryType: 'labelrow',
  queryMethod: 'GET',
}

describe('v2 error mapping (by HTTP status)', () => {
  const cases: Array<[string, unknown, number]> = [
    ['400', EncordInvalidArgumentsError, ExitCode.Config],
    ['401', EncordAuthenticationError, ExitCode.Connection],
    ['403', EncordPermissionError, ExitCode.Connection],
    ['404', EncordNotFoundError, ExitCode.Config],
    ['413', EncordInvalidArgumentsError, ExitCode.Config],
    ['429', EncordRateLimitedError, ExitCode.Connection],
  ]
  for (const [status, cls, exit] of cases) {
    it(`${status} → ${(cls as { name: string }).name}, exit ${exit}`, () => {
      const body = errors.rest_v2[status]
      const e = errorFromV2Response({
        call,
        httpStatus: Number(status),
        bodyText: JSON.stringify(body),
        retryAfter: body._headers?.['Retry-After'],
        traceId: 'abc',
        attempts: 2,
      })
      expect(e).toBeInstanceOf(cls as new (...args: never[]) => unknown)
      expect(e.exitCode).toBe(exit)
      expect(e.serverMessage).toBe(body.message)
      expect(e.message).toContain(body.message)
      expect(e.message).toContain('getProject: GET /v2/public/projects/p1')
      expect(e.message).toContain(`HTTP ${status}`)
      expect(e.httpStatus).toBe(Number(status))
      expect(e.traceId).toBe('abc')
      expect(e.hint).toBeTruthy()
      expect(isEncordApiError(e)).toBe(true)
    })
  }
  it('429 carries Retry-After', () => {
    const e = errorFromV2Response({ call, httpStatus: 429, bodyText: '{}', retryAfter: '7' }) as EncordRateLimitedError
    expect(e.retryAfterSeconds).toBe(7)
    expect(e.hint).toContain('7 s')
  })
  it('5xx and HTML pages become server errors with a readable message', () => {
    const e = errorFromV2Response({
      call,
      httpStatus: 502,
      bodyText: '<html><head><title>502 Bad Gateway</title></head></html>',
    })
    expect(e).toBeInstanceOf(EncordServerError)
    expect(e).toBeInstanceOf(ConnectionError)
    expect(e.serverMessage).toBe('an HTML page titled "502 Bad Gateway"')
  })
  it('reads message, else detail', () => {
    expect(v2ServerMessage('{"detail": "nope"}')).toBe('nope')
    expect(v2ServerMessage('{"detail": [{"loc": ["x"]}]}')).toBe('[{"loc":["x"]}]')
    expect(v2ServerMessage('')).toBeNull()
    expect(v2ServerMessage('plain text')).toBe('plain text')
  })
})

describe('legacy error mapping (by code)', () => {
  const cases: Record<string, unknown> = {
    AUTHENTICATION_ERROR: EncordAuthenticationError,
    AUTHORISATION_ERROR: EncordPermissionError,
    SSH_KEY_NOT_FOUND_ERROR: EncordAuthenticationError,
    RESOURCE_NOT_FOUND_ERROR: EncordNotFoundError,
    INVALID_ARGUMENTS_ERROR: EncordInvalidArgumentsError,
    MULTI_LABEL_LIMIT_ERROR: EncordInvalidArgumentsError,
    CORRUPTED_LABEL_ERROR: EncordInvalidArgumentsError,
    OPERATION_NOT_ALLOWED: EncordPermissionError,
  }
  for (const [code, cls] of Object.entries(cases)) {
    it(code, () => {
      const env = errors.legacy_rpc[code]
      const e = errorFromLegacyEnvelope({ call: legacy, httpStatus: env.status, ...env })
      expect(e).toBeInstanceOf(cls as new (...args: never[]) => unknown)
      expect(e.legacyCode).toBe(code)
      expect(e.message).toContain(code)
      expect(e.message).toContain('labelrow/GET')
      if (typeof env.payload === 'string') expect(e.serverMessage).toBe(env.payload)
    })
  }
  it('MULTI_LABEL_LIMIT_ERROR exposes the maximum (default 100)', () => {
    const limit = (payload?: unknown) =>
      (
        errorFromLegacyEnvelope({
          call: legacy,
          httpStatus: 400,
          status: 400,
          response: ['MULTI_LABEL_LIMIT_ERROR'],
          payload,
        }) as EncordInvalidArgumentsError
      ).maximumLabelsAllowed
    expect(limit({ maximum_labels_allowed: 25 })).toBe(25)
    expect(limit()).toBe(100)
  })
  it('an unknown code is a server error naming it; no code falls back to the HTTP status', () => {
    const e = errorFromLegacyEnvelope({ call: legacy, httpStatus: 400, status: 400, response: ['SOMETHING_NEW'] })
    expect(e).toBeInstanceOf(EncordServerError)
    expect(e.message).toContain('SOMETHING_NEW')
    expect(errorFromLegacyEnvelope({ call: legacy, httpStatus: 404, status: 404, response: null })).toBeInstanceOf(
      EncordNotFoundError,
    )
  })
  it('not-found is a UserError (exit 2) with a hint; auth is a ConnectionError (exit 3)', () => {
    expect(new EncordNotFoundError({ call })).toBeInstanceOf(UserError)
    expect(new EncordAuthenticationError({ call })).toBeInstanceOf(ConnectionError)
    expect(JSON.stringify(new EncordAuthenticationError({ call }).toJSON())).toContain('"endpoint":"getProject"')
  })
  it("takes a situation's text from the catalogue, with its facts and hint; a wrong situation or fact does not compile", () => {
    const e = new EncordNotFoundError('project', { projectHash: 'p1' }, { call, httpStatus: 404 })
    expect(e.message).toBe('Project p1 was not found (getProject: GET /v2/public/projects/p1, HTTP 404)')
    expect(e.hint).toContain('Check the project hash')
    expect(new EncordServerError('saveUnconfirmed', {}, { call }).message).toMatch(/^Encord did not confirm saving/)
    // Checked by the compiler only (typecheck covers tests), never run:
    const compileOnly = (): void => {
      // @ts-expect-error: EncordNotFound has no such situation
      void new EncordNotFoundError('nope', {}, { call })
      // @ts-expect-error: the project situation needs projectHash
      void new EncordNotFoundError('project', {}, { call })
      // @ts-expect-error: a fact the message does not take
      void new EncordNotFoundError('noneCreated', { projectHash: 'p1' }, { call })
      // @ts-expect-error: EncordProtocol has no default message: every protocol error says what was wrong
      void new EncordProtocolError({ call })
    }
    void compileOnly
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0)
    expect(parseRetryAfter('7', now)).toBe(7)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(undefined, now)).toBeNull()
  })
})
