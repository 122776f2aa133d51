/**
 * Prometheus metrics of a run or a worker (prom-client, on a registry of our own so that a library
 * user's default registry is left alone). Fed by the engine's events, the worker's events and the
 * transport's request channel; read by `/metrics` (./http-server.ts).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { RunEvent } from '../core/runner/events.js'
import type { RequestOutcome } from '../encord/transport.js'
import type { WorkerEvent } from '../queue/worker.js'
import { RequestSubscription } from './request-subscription.js'

/** Outcomes of `encord_agents_tasks_total`: the four of the issue, plus the worker's gone and stale. */
export type TaskOutcome = 'moved' | 'stayed' | 'failed' | 'retried' | 'gone' | 'stale'

/** Job counts of one stage's queue, by BullMQ state. */
export interface QueueJobCounts {
  stage: string
  counts: Partial<Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed', number>>
}

/** Handler times: 5 ms to 10 min, the range of agents from rules to vision models. */
const TASK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
/** Encord round trips: 5 ms to 1 min (a listing page is tens of ms, a big label save seconds). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export class AgentMetrics {
  readonly registry = new Registry()
  readonly #tasks: Counter<'stage' | 'outcome'>
  readonly #taskDuration: Histogram<'stage'>
  readonly #requests: Counter<'endpoint' | 'status'>
  readonly #requestDuration: Histogram<'endpoint'>
  readonly #requestChannel = new RequestSubscription((outcome) => this.observeRequest(outcome))

  constructor(options: { queueJobs?: () => Promise<QueueJobCounts[]> } = {}) {
    collectDefaultMetrics({ register: this.registry, prefix: 'encord_agents_' })
    const registers = [this.registry]
    this.#tasks = new Counter({
      name: 'encord_agents_tasks_total',
      help: 'Tasks decided, by stage and outcome (moved, stayed, failed, retried; workers also gone and stale).',
      labelNames: ['stage', 'outcome'],
      registers,
    })
    this.#taskDuration = new Histogram({
      name: 'encord_agents_task_duration_seconds',
      help: 'Handler time per task, by stage.',
      labelNames: ['stage'],
      buckets: TASK_BUCKETS,
      registers,
    })
    this.#requests = new Counter({
      name: 'encord_agents_encord_requests_total',
      help: 'Requests sent to the Encord API (each retry counts), by endpoint and HTTP status ("network" when no response arrived).',
      labelNames: ['endpoint', 'status'],
      registers,
    })
    this.#requestDuration = new Histogram({
      name: 'encord_agents_encord_request_duration_seconds',
      help: 'Encord API round trips, by endpoint.',
      labelNames: ['endpoint'],
      buckets: REQUEST_BUCKETS,
      registers,
    })
    const queueJobs = options.queueJobs
    if (queueJobs !== undefined) {
      new Gauge({
        name: 'encord_agents_queue_jobs',
        help: 'Jobs in the queues of this worker, by stage and state (read from Redis at scrape time).',
        labelNames: ['stage', 'state'],
        registers,
        async collect() {
          this.reset()
          for (const { stage, counts } of await queueJobs()) {
            for (const state of ['waiting', 'active', 'delayed', 'failed'] as const)
              this.set({ stage, state }, counts[state] ?? 0)
          }
        },
      })
    }
  }

  /** Starts counting the transport's requests (every client in the process). */
  subscribe(): void {
    this.#requestChannel.subscribe()
  }

  unsubscribe(): void {
    this.#requestChannel.unsubscribe()
  }

  observeRequest(outcome: RequestOutcome): void {
    this.#requests.inc({
      endpoint: outcome.endpoint,
      status: outcome.status === null ? 'network' : String(outcome.status),
    })
    this.#requestDuration.observe({ endpoint: outcome.endpoint }, outcome.durationMs / 1000)
  }

  /** A `run`'s events (and the queue runner's). */
  observeRunEvent(event: RunEvent): void {
    switch (event.type) {
      case 'taskDone':
        this.#countTask(event.stage.title, event.outcome)
        if (event.replayed !== true) this.#taskDuration.observe({ stage: event.stage.title }, event.durationMs / 1000)
        break
      case 'taskFailed':
        this.#countTask(event.stage.title, 'failed')
        break
      case 'taskRetry':
        this.#countTask(event.stage.title, 'retried')
        break
      default:
        break
    }
  }

  /** A worker's events: one `job` per delivery, counted as the worker's summary counts it. */
  observeWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'log') return this.observeRunEvent(event.event)
    if (event.type !== 'job') return
    const { report } = event
    const outcome: TaskOutcome = event.willRetry ? 'retried' : report.status === 'retry' ? 'failed' : report.status
    this.#countTask(event.stage.title, outcome)
    if (!report.replayed && (report.status === 'moved' || report.status === 'stayed' || report.status === 'failed')) {
      this.#taskDuration.observe({ stage: event.stage.title }, report.durationMs / 1000)
    }
  }

  #countTask(stage: string, outcome: TaskOutcome): void {
    this.#tasks.inc({ stage, outcome })
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
