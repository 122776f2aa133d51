/**
 * What the emulator saw: requests by endpoint and status, proceeds applied per task (so a test can
 * prove nothing moved twice), connections, injected faults; and an optional ring buffer of requests.
 * Exposed at `GET /_emulator/stats` and `GET /_emulator/requests`, and programmatically.
 */
export interface EmulatorStats {
  startedAt: string
  requests: {
    total: number
    /** endpoint id → status (or `reset`) → count */
    byEndpoint: Record<string, Record<string, number>>
  }
  /** Requests rejected by authentication (401 / SSH_KEY_NOT_FOUND) or authorisation (403). */
  authFailures: number
  proceeds: {
    total: number
    /** task uuid → number of proceeds applied to it (a retried, already applied proceed does not count) */
    byTask: Record<string, number>
  }
  connections: { opened: number; open: number }
  faults: {
    total: number
    /** endpoint id → fault kind → count */
    byEndpoint: Record<string, Record<string, number>>
  }
}

/** One logged request. Signature header values are never logged. */
export interface RequestLogEntry {
  id: number
  at: string
  method: string
  url: string
  endpoint: string
  /** HTTP status, or 0 when the connection was reset. */
  status: number
  durationMs: number
  /** The public key that signed it (public; not a secret). */
  keyId: string | null
  fault: string | null
  headers: Record<string, string>
}

/** Headers whose values are never logged. */
const REDACTED = new Set(['authorization', 'signature', 'signature-input', 'cookie'])

export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name] = REDACTED.has(name.toLowerCase()) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

export class StatsRecorder {
  #startedAt = new Date().toISOString()
  #total = 0
  #byEndpoint = new Map<string, Map<string, number>>()
  #authFailures = 0
  #proceedTotal = 0
  #proceeds = new Map<string, number>()
  #opened = 0
  #open = 0
  #faultTotal = 0
  #faults = new Map<string, Map<string, number>>()
  readonly #log: RequestLogEntry[] = []
  readonly #logSize: number
  #logNext = 0
  #logId = 0

  /** @param requestLogSize entries kept in the request log; 0 disables it */
  constructor(requestLogSize = 0) {
    this.#logSize = requestLogSize
  }

  request(endpoint: string, status: number | 'reset'): void {
    this.#total++
    bump(this.#byEndpoint, endpoint, String(status))
  }

  authFailure(): void {
    this.#authFailures++
  }

  proceeded(taskUuids: Iterable<string>): void {
    for (const uuid of taskUuids) {
      this.#proceedTotal++
      this.#proceeds.set(uuid, (this.#proceeds.get(uuid) ?? 0) + 1)
    }
  }

  /** Proceeds applied to one task so far. */
  proceedsOf(taskUuid: string): number {
    return this.#proceeds.get(taskUuid) ?? 0
  }

  connectionOpened(): void {
    this.#opened++
    this.#open++
  }

  connectionClosed(): void {
    this.#open--
  }

  fault(endpoint: string, kind: string): void {
    this.#faultTotal++
    bump(this.#faults, endpoint, kind)
  }

  get logging(): boolean {
    return this.#logSize > 0
  }

  log(entry: Omit<RequestLogEntry, 'id'>): void {
    if (this.#logSize === 0) return
    const full = { id: ++this.#logId, ...entry }
    if (this.#log.length < this.#logSize) this.#log.push(full)
    else this.#log[this.#logNext] = full
    this.#logNext = (this.#logNext + 1) % this.#logSize
  }

  /** Logged requests, oldest first. */
  requests(): RequestLogEntry[] {
    if (this.#log.length < this.#logSize) return [...this.#log]
    return [...this.#log.slice(this.#logNext), ...this.#log.slice(0, this.#logNext)]
  }

  snapshot(): EmulatorStats {
    return {
      startedAt: this.#startedAt,
      requests: { total: this.#total, byEndpoint: toRecord(this.#byEndpoint) },
      authFailures: this.#authFailures,
      proceeds: { total: this.#proceedTotal, byTask: Object.fromEntries(this.#proceeds) },
      connections: { opened: this.#opened, open: this.#open },
      faults: { total: this.#faultTotal, byEndpoint: toRecord(this.#faults) },
    }
  }
}

function bump(map: Map<string, Map<string, number>>, key: string, sub: string): void {
  let inner = map.get(key)
  if (!inner) map.set(key, (inner = new Map()))
  inner.set(sub, (inner.get(sub) ?? 0) + 1)
}

function toRecord(map: Map<string, Map<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries([...map].map(([k, v]) => [k, Object.fromEntries(v)]))
}
