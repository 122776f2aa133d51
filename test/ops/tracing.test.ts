/**
 * issue 19 (traces): with an OpenTelemetry SDK registered in the process, a Runner run makes the span
 * tree of docs/operations.md: run › stage › (listing, batch › (dependencies, task › handler), flush),
 * with Encord requests as client spans under whichever span made them.
 */
import { context, SpanKind, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { Runner } from '../../src/core/runner/runner.js'
import { resetTracingForTests } from '../../src/shared/tracing.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

const exporter = new InMemorySpanExporter()
let env: RunnerEnv | undefined

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
  resetTracingForTests()
})
afterAll(() => {
  trace.disable()
  context.disable()
  resetTracingForTests()
})
afterEach(async () => {
  await env?.close()
  env = undefined
  exporter.reset()
})

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId
const id = (span: ReadableSpan) => span.spanContext().spanId

describe('OpenTelemetry spans of a run', () => {
  it('form the tree run › stage › listing, batch › (dependencies, task › handler), flush; requests are client spans', async () => {
    env = await startRunnerEnv({ tasks: 2, labelledFraction: 1 })
    let failedOnce = false
    const runner = new Runner({ projectHash: env.projectHash, client: env.client })
    runner.stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ task }) => {
          // The second task fails its first attempt: its task span holds two handler spans.
          if (task.dataTitle === env!.fixture.projects[0].dataUnits[1].dataTitle && !failedOnce) {
            failedOnce = true
            throw new Error('flaky model')
          }
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 1, retryDelayMs: 1 })
    expect(result.ok).toBe(true)
    expect(result.tasksProcessed).toBe(2)

    const spans = exporter.getFinishedSpans()
    const named = (name: string) => spans.filter((s) => s.name === name)
    const one = (name: string) => {
      const found = named(name)
      expect(found, name).toHaveLength(1)
      return found[0]
    }
    const childrenOf = (parent: ReadableSpan, name?: string) =>
      spans.filter((s) => parentOf(s) === id(parent) && (name === undefined || s.name === name))

    // One trace, rooted at the run's pass.
    const run = one('encord-agents.run')
    expect(parentOf(run)).toBeUndefined()
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1)
    expect(run.attributes).toMatchObject({ 'encord.project_hash': env.projectHash, 'encord_agents.pass': 1 })

    const stage = one('encord-agents.stage')
    expect(parentOf(stage)).toBe(id(run))
    expect(stage.attributes).toMatchObject({
      'encord.stage.title': 'Agent 1',
      'encord.stage.uuid': env.stageUuid('Agent 1'),
      'encord_agents.tasks.processed': 2,
      'encord_agents.tasks.failed': 0,
    })

    const listing = one('encord-agents.listing')
    expect(parentOf(listing)).toBe(id(stage))
    expect(listing.attributes['encord_agents.tasks']).toBe(2)
    const listRequests = childrenOf(listing, 'encord listTasks')
    expect(listRequests.length).toBeGreaterThanOrEqual(1)
    for (const request of listRequests) {
      expect(request.kind).toBe(SpanKind.CLIENT)
      expect(request.attributes).toMatchObject({ 'encord.endpoint': 'listTasks', 'http.response.status_code': 200 })
    }

    const batch = one('encord-agents.batch')
    expect(parentOf(batch)).toBe(id(stage))
    expect(batch.attributes).toMatchObject({ 'encord_agents.batch': 1, 'encord_agents.tasks': 2 })

    const dependencies = one('encord-agents.dependencies')
    expect(parentOf(dependencies)).toBe(id(batch))
    const loads = childrenOf(dependencies).filter((s) => s.kind === SpanKind.CLIENT)
    expect(loads.length).toBeGreaterThanOrEqual(1) // the label rows, loaded in bulk

    const tasks = named('encord-agents.task')
    expect(tasks).toHaveLength(2)
    const uuids = env.tasksIn('Complete').map((t) => t.uuid)
    expect(tasks.map((t) => t.attributes['encord.task.uuid']).sort()).toEqual([...uuids].sort())
    for (const task of tasks) {
      expect(parentOf(task)).toBe(id(batch))
      expect(task.attributes).toMatchObject({ 'encord_agents.outcome': 'moved', 'encord_agents.pathway': 'complete' })
      expect(typeof task.attributes['encord.data.hash']).toBe('string')
    }
    const handlers = tasks.map((t) => childrenOf(t, 'encord-agents.handler'))
    expect(handlers.map((h) => h.length).sort()).toEqual([1, 2])
    const retried = handlers.find((h) => h.length === 2)!
    expect(retried.map((h) => h.attributes['encord_agents.attempt']).sort()).toEqual([0, 1])
    const failedAttempt = retried.find((h) => h.attributes['encord_agents.attempt'] === 0)!
    expect(failedAttempt.status).toMatchObject({ code: 2, message: 'flaky model' }) // SpanStatusCode.ERROR
    expect(failedAttempt.events.some((e) => e.name === 'exception')).toBe(true)

    const flushes = named('encord-agents.flush')
    expect(flushes.length).toBeGreaterThanOrEqual(1)
    for (const flush of flushes) expect(parentOf(flush)).toBe(id(stage))
    const flushRequests = flushes.flatMap((f) => childrenOf(f)).filter((s) => s.kind === SpanKind.CLIENT)
    expect(flushRequests.length).toBeGreaterThanOrEqual(1) // the move of both tasks
    expect(flushes.reduce((n, f) => n + Number(f.attributes['encord_agents.tasks']), 0)).toBe(2)

    // Every Encord request of the run is a client span inside the run's trace, under one of ours.
    const ours = new Set(spans.filter((s) => s.kind === SpanKind.INTERNAL).map(id))
    for (const request of spans.filter((s) => s.kind === SpanKind.CLIENT)) {
      expect(request.name).toBe(`encord ${String(request.attributes['encord.endpoint'])}`)
      expect(ours.has(parentOf(request)!)).toBe(true)
    }
  })

  it('makes no spans and changes nothing when no SDK is registered', async () => {
    trace.disable()
    resetTracingForTests()
    try {
      env = await startRunnerEnv({ tasks: 2 })
      const runner = new Runner({ projectHash: env.projectHash, client: env.client })
      runner.stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      const result = await runner.run()
      expect(result.ok).toBe(true)
      expect(env.tasksIn('Complete')).toHaveLength(2)
      expect(exporter.getFinishedSpans()).toHaveLength(0)
    } finally {
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    }
  })
})
