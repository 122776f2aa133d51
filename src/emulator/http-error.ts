/**
 * An answer the emulated service gives on purpose (bad input, not found, stale task...). Routes turn
 * it into the transport's error body: REST v2 `{"message"}` with `status`; legacy RPC the envelope
 * `{"status", "response": [code], "payload"}` with the same HTTP status.
 */
export class EmulatorHttpError extends Error {
  readonly status: number
  /** Legacy error code, e.g. `RESOURCE_NOT_FOUND_ERROR`; derived from the status when absent. */
  readonly code: string
  /** Legacy `payload` (defaults to the message). */
  readonly payload: unknown
  /** Extra keys for the REST v2 body, next to `message`. */
  readonly extra?: Record<string, unknown>

  constructor(
    status: number,
    message: string,
    options: { code?: string; payload?: unknown; extra?: Record<string, unknown> } = {},
  ) {
    super(message)
    this.status = status
    this.code = options.code ?? legacyCodeFor(status)
    this.payload = options.payload === undefined ? message : options.payload
    this.extra = options.extra
  }
}

export function legacyCodeFor(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENTS_ERROR'
    case 401:
      return 'AUTHENTICATION_ERROR'
    case 403:
      return 'AUTHORISATION_ERROR'
    case 404:
      return 'RESOURCE_NOT_FOUND_ERROR'
    case 405:
      return 'METHOD_NOT_ALLOWED_ERROR'
    default:
      return 'UNKNOWN_ERROR'
  }
}

export const badRequest = (message: string, extra?: Record<string, unknown>) =>
  new EmulatorHttpError(400, message, { extra })
export const notFound = (message: string, payload?: unknown) => new EmulatorHttpError(404, message, { payload })
