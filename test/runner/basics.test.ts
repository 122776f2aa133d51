import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { Runner } from '../../src/core/runner/runner.js'
import type { RunEvent } from '../../src/core/runner/events.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('Runner against the emulator', () => {
  it('moves every task along the returned pathway and reports it', async () => {
    env = await startRunnerEnv({ tasks: 7 })
    const runner = new Runner({ projectHash: env.projectHash, client: env.client })
    runner.stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    const events: RunEvent[] = []
    const result = await runner.run({ taskBatchSize: 3, onEvent: (e) => events.push(e) })
    expect(result).toMatchObject({ ok: true, dryRun: false, interrupted: false, projectHash: env.projectHash })
    expect(result.stages).toEqual([
      {
        uuid: env.stageUuid('Agent 1'),
        title: 'Agent 1',
        processed: 7,
        moved: { complete: 7 },
        stayed: 0,
        failed: 0,
        saved: 0,
        priorities: 0,
        storageUpdated: 0,
        interrupted: false,
        errors: [],
      },
    ])
    expect(env.tasksIn('Agent 1')).toHaveLength(0)
    expect(env.tasksIn('Complete')).toHaveLength(7)
    expect(Object.values(env.proceedsByTask())).toEqual(Array(7).fill(1))
    expect(events.filter((e) => e.type === 'batchLoaded')).toHaveLength(1) // one load window of 7 tasks
    expect(
      events.filter((e) => e.type === 'flushed').reduce((n, e) => n + (e.type === 'flushed' ? e.moved : 0), 0),
    ).toBe(7)
    expect(events.filter((e) => e.type === 'taskDone')).toHaveLength(7)
    expect(events[0].type).toBe('stageStarted')
    expect(events.at(-1)?.type).toBe('stageDone')
  })

  it('builds its client from the environment when none is given (ENCORD_SSH_KEY, ENCORD_DOMAIN)', async () => {
    env = await startRunnerEnv({ tasks: 2 })
    const key = generateOpenSshKey('env key')
    env.emulator.allowKey(key.publicKeyHex)
    const saved = {
      key: process.env.ENCORD_SSH_KEY,
      file: process.env.ENCORD_SSH_KEY_FILE,
      domain: process.env.ENCORD_DOMAIN,
    }
    process.env.ENCORD_SSH_KEY = key.privateKeyText
    delete process.env.ENCORD_SSH_KEY_FILE
    process.env.ENCORD_DOMAIN = env.emulator.domain
    try {
      const result = await new Runner({ projectHash: env.projectHash })
        .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
        .run()
      expect(result.stages[0].moved).toEqual({ complete: 2 })
    } finally {
      for (const [name, value] of [
        ['ENCORD_SSH_KEY', saved.key],
        ['ENCORD_SSH_KEY_FILE', saved.file],
        ['ENCORD_DOMAIN', saved.domain],
      ] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
  })
})
