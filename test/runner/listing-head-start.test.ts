import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { Runner } from '../../src/core/runner/runner.js'
import type { RequestLogEntry } from '../../src/emulator/stats.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { rejected } from '../helpers/thrown.js'

/**
 * A run lists its first stage as soon as the project's workflow is in, while the project's ontology is
 * fetched and the agents are validated (issue 21): the listing bounds runs without handler work, and
 * its first page then costs no round trip of its own. Listing is read-only: a run that fails
 * validation has read at most the first pages and moved nothing.
 */
let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const LATENCY_MS = 80

/** When the emulator's handler started on a request (ms, its clock): `at` is when it was done with it. */
function received(entry: RequestLogEntry): number {
  return Date.parse(entry.at) - entry.durationMs
}

async function start(tasks: number): Promise<RunnerEnv> {
  return (env = await startRunnerEnv({
    tasks,
    labelledFraction: 1,
    pageSize: 10,
    requestLog: true,
    // The latency counts from each request's arrival: requests in flight together overlap.
    faults: { latencyMs: LATENCY_MS, overlapService: true },
  }))
}

describe('the first stage is listed while the project is opened', () => {
  it('the first page is asked for before the ontology has arrived; every task is handled once', async () => {
    const e = await start(25)
    const seen: string[] = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ task, deps }) => {
          seen.push(task.uuid)
          return deps.row.objects().length >= 0 ? 'complete' : null
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 5, concurrency: 4 })
    expect(result.stages[0].moved).toEqual({ complete: 25 })
    expect(new Set(seen).size).toBe(25)
    expect(seen).toHaveLength(25)
    const log = e.emulator.requests()
    const ontology = received(log.find((r) => r.endpoint === 'get-ontology')!)
    const firstPage = received(log.find((r) => r.endpoint === 'list-tasks')!)
    // Both left as soon as the project's reply was read. The ontology's reply leaves the emulator
    // LATENCY_MS after its request arrived: the page's request reached it well before that (without
    // the head start it leaves after that reply is read, and after validation).
    expect(firstPage - ontology).toBeLessThan(LATENCY_MS / 2)
    // One listing, as before: three pages of ten tasks (the last one short), none asked for twice.
    expect(e.requestsByEndpoint()['list-tasks']).toBe(3)
    expect(e.client.stats().requests.listTasks).toBe(3)
  })

  it('a run whose validation fails has moved nothing, read at most its first pages, and says why', async () => {
    const e = await start(25)
    const runner = new Runner({
      projectHash: e.projectHash,
      client: e.client,
      validate: () => 'the model is not deployed yet',
    }).stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    const error = await rejected(() => runner.run({ taskBatchSize: 5 }))
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('the model is not deployed yet')
    expect(e.tasksIn('Agent 1')).toHaveLength(25)
    expect(e.emulator.stats().proceeds.total).toBe(0)
    const requests = e.requestsByEndpoint()
    // Read-only requests alone: the project, its ontology, and no more than two pages ahead.
    expect(Object.keys(requests).sort()).toEqual(['get-ontology', 'get-project', 'list-tasks'])
    expect(requests['list-tasks']).toBeLessThanOrEqual(2)
  })

  it('a run that is only prepared lists nothing before it runs (validate, Runner.prepare)', async () => {
    const e = await start(12)
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({ handler: () => 'complete' }),
    )
    const prepared = await runner.prepare({ taskBatchSize: 5 })
    expect(e.requestsByEndpoint()['list-tasks']).toBeUndefined()
    try {
      const result = await prepared.run()
      expect(result.stages[0].moved).toEqual({ complete: 12 })
    } finally {
      await prepared.close()
    }
    expect(e.requestsByEndpoint()['list-tasks']).toBe(2)
  })

  it('a run stopped before its first stage closes the listing started for it, and moves nothing', async () => {
    const e = await start(12)
    const stop = new AbortController()
    stop.abort()
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({ handler: () => 'complete' }),
    )
    const result = await runner.run({ signal: stop.signal })
    expect(result.interrupted).toBe(true)
    expect(result.stages[0].processed).toBe(0)
    expect(e.tasksIn('Agent 1')).toHaveLength(12)
    expect(e.emulator.stats().proceeds.total).toBe(0)
  })
})
