import { z } from 'zod'
import { Prng } from './prng.js'

/**
 * Fault injection, seeded and per endpoint, so a test sees the same faults on every run.
 *
 * Each endpoint draws from its own PRNG (seeded by `seed` + endpoint id), so traffic on one endpoint
 * never changes which requests of another endpoint fail. For every request the rules that match its
 * endpoint are tried in order and the first whose draw falls under `rate` fires.
 *
 * `skip` and `times` make a rule deterministic without any seed: `{ rate: 1, times: 2 }` fails exactly
 * the first two matching requests; `{ skip: 3, times: 1 }` fails exactly the fourth. They count per
 * rule, over every endpoint the rule matches.
 */
export const FaultRule = z.strictObject({
  /** Endpoint id (see ENDPOINTS in server.ts, e.g. `proceed`, `list-tasks`, `save-label-rows`) or `*`. @default "*" */
  endpoint: z.string().default('*'),
  /** Probability in [0, 1] that a matching request gets this fault. @default 1 */
  rate: z.number().min(0).max(1).default(1),
  /**
   * Let the first `skip` matching requests through untouched before this rule may fire (counted over
   * the requests this rule is tried on). @default 0
   */
  skip: z.number().int().min(0).optional(),
  /** Fire at most this many times, then never again (with `rate: 1`: exactly the first `times` requests after `skip`). @default unlimited */
  times: z.number().int().min(0).optional(),
  /**
   * - `5xx`: answer `status` (default 503) without applying anything;
   * - `429`: answer 429 with `Retry-After: retryAfter` (default 1) without applying anything;
   * - `reset-before`: drop the connection before applying anything;
   * - `reset-after`: apply the request, then drop the connection instead of answering;
   * - `slow`: apply the request, then wait `delayMs` (default 2000) before answering.
   */
  kind: z.enum(['5xx', '429', 'reset-before', 'reset-after', 'slow']),
  status: z.number().int().min(500).max(599).optional(),
  retryAfter: z.number().int().min(0).optional(),
  delayMs: z.number().min(0).optional(),
})
export type FaultRule = z.output<typeof FaultRule>

export type FaultRuleInput = z.input<typeof FaultRule>

export const FaultConfig = z.strictObject({
  /** Added to every Encord request. @default 0 */
  latencyMs: z.number().min(0).optional(),
  /** Extra random latency in [0, jitterMs] per request (seeded). @default 0 */
  jitterMs: z.number().min(0).optional(),
  /**
   * The handshake time of each new connection (emulates TCP + TLS handshakes), counted from the TCP
   * accept: a request on a connection is served no earlier than that, so the first request right after
   * connecting waits this long, and a connection opened well before its first request waits nothing.
   * @default 0
   */
  connectionLatencyMs: z.number().min(0).optional(),
  /**
   * The latency stands for the whole server round trip: the emulator's own work (handler, serialising
   * the reply) runs while the latency timer is pending instead of after it (the bench's emulator).
   * @default false
   */
  overlapService: z.boolean().optional(),
  rules: z.array(FaultRule).optional(),
})
export type FaultConfig = z.input<typeof FaultConfig>

export type FaultDecision =
  | { kind: '5xx'; status: number; retryAfter?: number }
  | { kind: '429'; retryAfter: number }
  | { kind: 'reset-before' }
  | { kind: 'reset-after' }
  | { kind: 'slow'; delayMs: number }

export class FaultInjector {
  readonly config: z.output<typeof FaultConfig>
  readonly #seed: string
  readonly #prngs = new Map<string, Prng>()
  readonly #jitter: Prng
  /** Per rule (by index): matching requests it was tried on, and how often it fired. */
  readonly #seen: number[]
  readonly #fired: number[]

  constructor(config: FaultConfig = {}, seed: string | number = 0) {
    this.config = FaultConfig.parse(config)
    this.#seed = String(seed)
    this.#jitter = new Prng(`${this.#seed}:jitter`)
    const n = this.config.rules?.length ?? 0
    this.#seen = new Array<number>(n).fill(0)
    this.#fired = new Array<number>(n).fill(0)
  }

  /** How many times each rule (in config order) has fired so far. */
  firedCounts(): number[] {
    return [...this.#fired]
  }

  /** Fixed latency plus seeded jitter for one request, in ms. */
  latency(): number {
    const { latencyMs = 0, jitterMs = 0 } = this.config
    return latencyMs + (jitterMs > 0 ? this.#jitter.next() * jitterMs : 0)
  }

  get overlapService(): boolean {
    return this.config.overlapService ?? false
  }

  get connectionLatencyMs(): number {
    return this.config.connectionLatencyMs ?? 0
  }

  /** The fault for this request of `endpoint`, if any. */
  decide(endpoint: string): FaultDecision | null {
    const rules = this.config.rules
    if (!rules || rules.length === 0) return null
    for (const [i, rule] of rules.entries()) {
      if (rule.endpoint !== '*' && rule.endpoint !== endpoint) continue
      // A counted rule takes no PRNG draw while skipping or once spent: the draws of rules without
      // counts stay what they were, so seeded tests keep their faults.
      if (this.#seen[i]++ < (rule.skip ?? 0)) continue
      if (rule.times !== undefined && this.#fired[i] >= rule.times) continue
      if (this.#prng(endpoint).next() >= rule.rate) continue
      this.#fired[i]++
      switch (rule.kind) {
        case '5xx':
          return {
            kind: '5xx',
            status: rule.status ?? 503,
            ...(rule.retryAfter !== undefined ? { retryAfter: rule.retryAfter } : {}),
          }
        case '429':
          return { kind: '429', retryAfter: rule.retryAfter ?? 1 }
        case 'slow':
          return { kind: 'slow', delayMs: rule.delayMs ?? 2000 }
        default:
          return { kind: rule.kind }
      }
    }
    return null
  }

  #prng(endpoint: string): Prng {
    let prng = this.#prngs.get(endpoint)
    if (!prng) this.#prngs.set(endpoint, (prng = new Prng(`${this.#seed}:${endpoint}`)))
    return prng
  }
}
