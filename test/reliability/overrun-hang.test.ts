/**
 * Overrunning and hanging handlers (issue 14, item 10), end to end with the built binary:
 * - a synchronous busy loop under `--task-timeout 1000` used to be accepted as moved: a handler that
 *   returns after its timeout now fails its task (TaskTimeout) with the time it took;
 * - a handler that never resolves, without a timeout: the first Ctrl-C used to wait forever before the
 *   batch's decided tasks were applied, and the second quit without them. Now the first Ctrl-C applies
 *   every decision already made at once and abandons hung handlers after the grace period it states;
 *   the second still exits 130.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { configText, tasksByStage, tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'

beforeAll(() => assertBuilt())
const project = tempProjects()

const withHandler = (body: string, run: string) =>
  project({
    'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts' },`, `\n  run: ${run},`),
    'agent.ts': `import { defineAgent } from 'encord-agents'\nexport default defineAgent({\n  async handler({ task }) {\n${body}\n  },\n})\n`,
  })

/** Six tasks, four at a time: street.png never resolves (an interval keeps the process alive). */
const HUNG = `    if (task.dataTitle === 'street.png') {
      process.stderr.write('hung\\n')
      await new Promise(() => setInterval(() => {}, 1000))
    }
    process.stderr.write('HANDLER-DECIDED\\n')
    return 'complete'`

describe('overrunning and hanging handlers (built binary)', () => {
  it('a handler that returns after --task-timeout fails its task with the time it took', async () => {
    const dir = withHandler(
      `    if (task.dataTitle === 'street.png') { const end = Date.now() + 2500; while (Date.now() < end) {} }
    return 'complete'`,
      '{ numRetries: 0 }',
    )
    const r = await runBin<RunResult>(['run', '--json', '--task-timeout', '1000'], { cwd: dir, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(1)
    const stage = r.json!.stages[0]
    expect(stage).toMatchObject({ processed: 6, failed: 1, moved: { complete: 5 } })
    expect(stage.errors[0]).toMatchObject({ dataTitle: 'street.png', code: 'TaskTimeout' })
    const took = Number(
      /returned after (\d+) ms, longer than taskTimeout \(1000 ms\)/.exec(stage.errors[0].message)?.[1],
    )
    // the handler's Date.now loop and the runner's monotonic clock may differ by a millisecond
    expect(took, stage.errors[0].message).toBeGreaterThanOrEqual(2490)
    expect(tasksByStage(dir)).toMatchObject({ 'Agent 1': 1, Complete: 5 })
  })

  it('first Ctrl-C: decided tasks applied at once, the hung handler abandoned after the stated grace; exit 130', async () => {
    const dir = withHandler(HUNG, '{ concurrency: 4 }')
    let decided = 0
    let signalledAt = 0
    const r = await runBin<RunResult>(['run', '--json'], {
      cwd: dir,
      timeoutMs: 60_000,
      onStderr: (chunk, child) => {
        decided += chunk.match(/HANDLER-DECIDED/g)?.length ?? 0
        if (decided >= 5 && signalledAt === 0) {
          signalledAt = performance.now()
          child.kill('SIGINT')
        }
      },
    })
    const afterSignalMs = performance.now() - signalledAt
    expect(r.code, r.stderr).toBe(130)
    const grace = /handlers still running get (\d+) s to finish/.exec(r.stderr)
    expect(grace, r.stderr).not.toBeNull()
    expect(afterSignalMs).toBeGreaterThanOrEqual(Number(grace![1]) * 1000 - 500)
    expect(afterSignalMs).toBeLessThan(Number(grace![1]) * 1000 + 15_000)
    expect(r.json).toMatchObject({ interrupted: true })
    expect(r.json!.stages[0]).toMatchObject({ processed: 5, moved: { complete: 5 } })
    expect(tasksByStage(dir)).toMatchObject({ 'Agent 1': 1, Complete: 5 })
  })

  it('second Ctrl-C before the grace is over still exits 130, with the decided tasks already applied', async () => {
    const dir = withHandler(HUNG, '{ concurrency: 4 }')
    let decided = 0
    let signalled = false
    const r = await runBin(['run'], {
      cwd: dir,
      timeoutMs: 60_000,
      onStderr: (chunk, child) => {
        decided += chunk.match(/HANDLER-DECIDED/g)?.length ?? 0
        if (decided >= 5 && !signalled) {
          signalled = true
          child.kill('SIGINT')
          setTimeout(() => child.kill('SIGINT'), 3000)
        }
      },
    })
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toContain('Interrupted again: quitting now')
    expect(tasksByStage(dir)).toMatchObject({ 'Agent 1': 1, Complete: 5 })
  })
})
