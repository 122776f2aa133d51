import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { Runner } from '../../src/core/runner/runner.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('faults (seeded, bounded)', () => {
  it.each([
    // Issue 9's mix, absorbed by the client's retries.
    {
      name: 'the issue-9 mix',
      clientRetries: 3,
      numRetries: 3,
      rate5xx: 0.1,
      heavy: [] as string[],
      minFaults: 20,
      expectFailures: false,
    },
    // Far worse on data loads and writes, with no client retries and one runner retry: some tasks must
    // fail, none may be lost or doubled.
    {
      name: '40% errors on loads and writes, no client retries',
      clientRetries: 0,
      numRetries: 1,
      rate5xx: 0.1,
      heavy: ['label-row-metadata', 'get-label-rows', 'create-label-rows', 'save-label-rows', 'proceed'],
      minFaults: 40,
      expectFailures: true,
    },
  ])(
    '$name: every task is moved once along its pathway or reported failed; counts match the emulator',
    async ({ clientRetries, numRetries, rate5xx, heavy, minFaults, expectFailures }) => {
      const e = (env = await startRunnerEnv({
        tasks: 400,
        labelledFraction: 0.5,
        seed: 7,
        retries: clientRetries,
        faults: {
          rules: [
            ...heavy.map((endpoint) => ({ endpoint, kind: '5xx' as const, rate: 0.4 })),
            ...(clientRetries > 0 ? [{ endpoint: '*', kind: '5xx' as const, rate: rate5xx }] : []),
            ...(clientRetries > 0 ? [{ endpoint: '*', kind: '429' as const, rate: 0.05, retryAfter: 0 }] : []),
            ...(clientRetries > 0
              ? [{ endpoint: '*', kind: 'reset-after' as const, rate: 0.02 }]
              : heavy.map((endpoint) => ({ endpoint, kind: 'reset-after' as const, rate: 0.02 }))),
            { endpoint: '*', kind: 'slow', rate: 0.01, delayMs: 150 },
          ],
        },
      }))
      const tasks = e.fixture.projects[0].tasks
      const chosen = new Map<string, string>()
      const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
        'Agent 1',
        defineAgent({
          deps: { row: labelRow() },
          handler: ({ task, deps }) => {
            const pathway = task.dataTitle.endsWith('3.png') ? 'needs review' : 'complete'
            chosen.set(task.uuid, pathway)
            deps.row.addClassification('Caption', { answer: `checked ${task.uuid}` })
            return pathway
          },
        }),
      )
      // Small batches and windows: many requests, so many faults.
      const result = await runner.run({
        taskBatchSize: 5,
        loadWindow: 10,
        concurrency: 8,
        numRetries,
        retryDelayMs: 2,
        maxRetryDelayMs: 10,
      })
      const stage = result.stages[0]
      const failed = new Set(stage.errors.map((x) => x.taskUuid))
      expect(stage.processed).toBe(tasks.length)
      expect(stage.failed).toBe(failed.size)

      const proceeds = e.proceedsByTask()
      const inStage = new Map<string, string>()
      for (const title of ['Agent 1', 'Complete', 'Review 1'])
        for (const t of e.tasksIn(title)) inStage.set(t.uuid, title)
      let moved = 0
      for (const task of tasks) {
        if (failed.has(task.uuid)) {
          // Reported failed: left in its stage, never moved.
          expect(inStage.get(task.uuid)).toBe('Agent 1')
          expect(proceeds[task.uuid] ?? 0).toBe(0)
          continue
        }
        moved++
        expect(proceeds[task.uuid]).toBe(1)
        expect(inStage.get(task.uuid)).toBe(chosen.get(task.uuid) === 'complete' ? 'Complete' : 'Review 1')
        // Its label row holds exactly one caption from this run: saved before it moved, never doubled.
        const row = e.emulator.state.project(e.projectHash).labelRowsByData.get(task.dataHash)?.get('main')
          ?.labels as Record<string, any>
        const captions = (
          row.data_units[task.dataHash].labels.classifications as Array<{ featureHash: string }>
        ).filter((c) => c.featureHash === 'cApT8n9x')
        expect(captions).toHaveLength(1)
      }
      expect((stage.moved.complete ?? 0) + (stage.moved['needs review'] ?? 0)).toBe(moved)
      expect(e.emulator.stats().faults.total).toBeGreaterThan(minFaults)
      if (expectFailures) expect(stage.failed).toBeGreaterThan(0)
    },
  )
})
