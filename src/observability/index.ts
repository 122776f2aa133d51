/**
 * What a long-running command gives its operators: JSON log lines (`--log-format json`), Prometheus
 * metrics and a health endpoint (`--metrics-port`), and OpenTelemetry spans when an SDK is registered.
 * Commands start one `Observability` and hand it the events they already render; nothing here is
 * loaded unless one of the flags asks for it (prom-client and pino stay out of a plain `run`).
 */
import type { Logger } from 'pino'
import type { RunEvent } from '../core/runner/events.js'
import type { WorkerEvent } from '../queue/worker.js'
import { setUpTracing } from '../shared/tracing.js'
import type { Health } from './health.js'
import type { LogFormat } from './json-log.js'
import type { AgentMetrics, QueueJobCounts } from './metrics.js'
import type { OpsServer } from './http-server.js'

export type { LogFormat } from './json-log.js'

export interface ObservabilityOptions {
  logFormat: LogFormat
  /** Debug lines too (`--verbose`). */
  verbose: boolean
  /** On every log line: which command wrote it. */
  command: string
  /** `--metrics-port`/`--metrics-host`: serve `/metrics` and `/healthz`. */
  metrics?: { host: string; port: number }
  /** Workers: BullMQ job counts per stage, read at scrape time. */
  queueJobs?: () => Promise<QueueJobCounts[]>
  /** Workers: the Redis connection's status, for `/healthz`. */
  redisStatus?: () => string
}

export class Observability {
  /** The JSON logger, when `--log-format json`. */
  readonly log: Logger | undefined
  readonly #metrics: AgentMetrics | undefined
  readonly #health: Health | undefined
  readonly #server: OpsServer | undefined
  readonly #logRunEvent: ((log: Logger, event: RunEvent) => void) | undefined
  readonly #logWorkerEvent: ((log: Logger, event: WorkerEvent) => void) | undefined

  private constructor(parts: {
    log?: Logger
    metrics?: AgentMetrics
    health?: Health
    server?: OpsServer
    logRunEvent?: (log: Logger, event: RunEvent) => void
    logWorkerEvent?: (log: Logger, event: WorkerEvent) => void
  }) {
    this.log = parts.log
    this.#metrics = parts.metrics
    this.#health = parts.health
    this.#server = parts.server
    this.#logRunEvent = parts.logRunEvent
    this.#logWorkerEvent = parts.logWorkerEvent
  }

  static async start(options: ObservabilityOptions): Promise<Observability> {
    await setUpTracing()
    let log: Logger | undefined
    let logging: typeof import('./json-log.js') | undefined
    if (options.logFormat === 'json') {
      logging = await import('./json-log.js')
      log = logging.createJsonLogger({ level: options.verbose ? 'debug' : 'info', base: { command: options.command } })
    }
    if (options.metrics === undefined)
      return new Observability({ log, logRunEvent: logging?.logRunEvent, logWorkerEvent: logging?.logWorkerEvent })
    const [{ AgentMetrics }, { Health }, { startOpsServer }] = await Promise.all([
      import('./metrics.js'),
      import('./health.js'),
      import('./http-server.js'),
    ])
    const metrics = new AgentMetrics({ queueJobs: options.queueJobs })
    const health = new Health()
    if (options.redisStatus !== undefined) health.watchRedis(options.redisStatus)
    metrics.subscribe()
    health.subscribe()
    let server: OpsServer
    try {
      server = await startOpsServer({ host: options.metrics.host, port: options.metrics.port, metrics, health })
    } catch (error) {
      metrics.unsubscribe()
      health.unsubscribe()
      throw error
    }
    return new Observability({
      log,
      metrics,
      health,
      server,
      logRunEvent: logging?.logRunEvent,
      logWorkerEvent: logging?.logWorkerEvent,
    })
  }

  /** Where `/metrics` and `/healthz` are served, when they are. */
  get url(): string | undefined {
    return this.#server?.url
  }

  /** True when log lines replace the progress view. */
  get json(): boolean {
    return this.log !== undefined
  }

  readonly onRunEvent = (event: RunEvent): void => {
    if (this.log !== undefined) this.#logRunEvent?.(this.log, event)
    this.#metrics?.observeRunEvent(event)
  }

  readonly onWorkerEvent = (event: WorkerEvent): void => {
    if (this.log !== undefined) this.#logWorkerEvent?.(this.log, event)
    this.#metrics?.observeWorkerEvent(event)
  }

  /** `/healthz` answers 503 from now on (SIGTERM, Ctrl-C, the end of the work). */
  shuttingDown(): void {
    this.#health?.shuttingDown()
  }

  async close(): Promise<void> {
    this.#health?.shuttingDown()
    this.#metrics?.unsubscribe()
    this.#health?.unsubscribe()
    await this.#server?.close()
  }
}
