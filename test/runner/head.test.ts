import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent, type AgentDefinition } from '../../src/core/agent.js'
import { Runner } from '../../src/core/runner/runner.js'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import { generateFixture, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import type { RequestLogEntry } from '../../src/emulator/stats.js'

/**
 * The head of a run (issue 21): listing needs only the workflow, so the first stage's first page is
 * requested as soon as the project arrives, while the ontology is on its way; the project and its
 * ontology are still fetched once, and validation is unchanged.
 */
const LATENCY_MS = 150

let emulator: EmulatorHandle | undefined
let client: EncordClient | undefined
afterEach(async () => {
  await client?.close()
  await emulator?.stop()
  client = emulator = undefined
})

async function start(): Promise<{ runner: (agent: AgentDefinition) => Runner; projectHash: string }> {
  emulator = await startEmulator({
    fixture: generateFixture({ tasks: 5, seed: 2 }),
    allowAnyKey: true,
    faults: { latencyMs: LATENCY_MS },
    requestLog: true,
  })
  client = new EncordClient({
    domain: emulator.domain,
    key: parsePrivateKey(generateOpenSshKey('head test').privateKeyText),
  })
  const projectHash = emulator.state.projects.keys().next().value as string
  return { projectHash, runner: (agent) => new Runner({ projectHash, client }).stage('Agent 1', agent) }
}

const arrived = (e: RequestLogEntry): number => Date.parse(e.at) - e.durationMs
const answered = (e: RequestLogEntry): number => Date.parse(e.at)
const served = (endpoint: string): RequestLogEntry[] => emulator!.requests().filter((e) => e.endpoint === endpoint)

describe('the head of a run', () => {
  it('lists the first stage while the ontology is on its way; project and ontology are fetched once', async () => {
    const { runner } = await start()
    const result = await runner(defineAgent({ handler: () => 'complete' })).run({ concurrency: 4 })
    expect(result.stages[0].moved).toEqual({ complete: 5 })
    const [project] = served('get-project')
    const [ontology] = served('get-ontology')
    const [firstPage] = served('list-tasks')
    expect(served('get-project')).toHaveLength(1)
    expect(served('get-ontology')).toHaveLength(1)
    expect(served('list-tasks')).toHaveLength(1)
    // Both left after the project's answer; the page did not wait for the ontology's (150 ms each).
    expect(arrived(ontology)).toBeGreaterThanOrEqual(answered(project) - 5)
    expect(arrived(firstPage)).toBeLessThan(answered(ontology) - LATENCY_MS / 2)
  })

  it('an agent the ontology does not fit fails validation as before, and nothing moves', async () => {
    const { runner, projectHash } = await start()
    const run = runner(defineAgent({ ontology: { objects: ['No such object'] }, handler: () => 'complete' })).run()
    await expect(run).rejects.toThrow(/needs the object "No such object", which the ontology .* does not have/)
    const tasks = [...emulator!.state.tasks.values()].filter((t) => t.projectHash === projectHash)
    expect(emulator!.stats().proceeds.byTask).toEqual({})
    expect(tasks.length).toBe(5)
    expect(served('get-ontology')).toHaveLength(1)
  })
})
