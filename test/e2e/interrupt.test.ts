import { copyFileSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { configText, makeProject, tasksByStage } from '../commands/project.js'
import { assertBuilt, ROOT, runBin } from './run-bin.js'

const dirs: string[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Each task takes `ms`; one at a time, one task per batch so every decision is flushed at once. */
function slowProject(ms: number): string {
  const dir = makeProject({
    'encord-agents.config.ts': configText(
      `    { stage: 'Agent 1', handler: './agent.ts' },`,
      `\n  run: { taskBatchSize: 1 },`,
    ),
    'agent.ts': `import { defineAgent } from 'encord-agents'
export default defineAgent({
  async handler() {
    process.stderr.write('handler started\\n')
    await new Promise((resolve) => setTimeout(resolve, ${ms}))
    return 'complete'
  },
})
`,
  })
  dirs.push(dir)
  return dir
}

describe('Ctrl-C (built binary)', () => {
  it('first SIGINT: running handler finishes, decisions are applied, summary, exit 130; a rerun finishes the rest', async () => {
    const dir = slowProject(300)
    let started = 0
    const r = await runBin<RunResult>(['run', '--json'], {
      cwd: dir,
      onStderr: (chunk, child) => {
        // Interrupt while the second task's handler is running.
        const before = started
        started += chunk.match(/handler started/g)?.length ?? 0
        if (before < 2 && started >= 2) child.kill('SIGINT')
      },
    })
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toContain('Stopping: no new tasks')
    const result = r.json!
    expect(result).toMatchObject({ ok: false, interrupted: true })
    const moved = result.stages[0].moved.complete ?? 0
    expect(result.stages[0].processed).toBe(moved)
    expect(moved).toBeGreaterThanOrEqual(2)
    expect(moved).toBeLessThan(6)
    // What the result reports is what happened on the (emulated) server.
    expect(tasksByStage(dir)).toEqual({ 'Agent 1': 6 - moved, Review: 0, Complete: moved })

    const rerun = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json!.stages[0].processed).toBe(6 - moved)
    expect(tasksByStage(dir)).toEqual({ 'Agent 1': 0, Review: 0, Complete: 6 })
  })

  it('first SIGINT mid-batch: the decided tasks are saved and moved (pending saves and proceeds flushed), the rest untouched', async () => {
    // All six tasks in one batch (default taskBatchSize): nothing would be flushed before the batch ends.
    const dir = makeProject({
      'encord-agents.config.ts': `import { defineConfig } from 'encord-agents'
export default defineConfig({ local: './fixture.json', agents: [{ stage: 'Pre-label', handler: './agent.ts' }] })
`,
      'agent.ts': `import { defineAgent, labelRow } from 'encord-agents'
export default defineAgent({
  deps: { row: labelRow() },
  async handler({ deps }) {
    process.stderr.write('handler started\\n')
    deps.row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    return { pathway: 'to review', labelRow: deps.row }
  },
})
`,
    })
    copyFileSync(join(ROOT, 'templates', 'label-writer', 'fixture.json'), join(dir, 'fixture.json'))
    dirs.push(dir)
    let started = 0
    const r = await runBin<RunResult>(['run', '--json'], {
      cwd: dir,
      onStderr: (chunk, child) => {
        const before = started
        started += chunk.match(/handler started/g)?.length ?? 0
        if (before < 2 && started >= 2) child.kill('SIGINT')
      },
    })
    expect(r.code, r.stderr).toBe(130)
    const moved = r.json!.stages[0].moved['to review'] ?? 0
    expect(moved).toBeGreaterThanOrEqual(2)
    expect(moved).toBeLessThan(6)
    const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as {
      projects: Array<{ history: Array<{ kind: string }> }>
    }
    expect(fixture.projects[0].history.filter((h) => h.kind === 'save')).toHaveLength(moved)
    expect(fixture.projects[0].history.filter((h) => h.kind === 'proceed')).toHaveLength(moved)
    expect(tasksByStage(dir)).toEqual({ 'Pre-label': 6 - moved, Review: moved, Complete: 0 })
  })

  it('the human summary is still printed after an interrupt', async () => {
    const dir = slowProject(300)
    let started = 0
    const r = await runBin(['run'], {
      cwd: dir,
      onStderr: (chunk, child) => {
        started += chunk.match(/handler started/g)?.length ?? 0
        if (started === 1) {
          started++
          child.kill('SIGINT')
        }
      },
    })
    expect(r.code, r.stderr).toBe(130)
    expect(r.stdout).toMatch(/Interrupted after 1 task processed: 1 moved/)
    expect(r.stdout).toContain('run again to finish the rest')
  })

  it('--refresh-every keeps polling until Ctrl-C, then exits 130 with the totals of every pass', async () => {
    const dir = slowProject(10)
    let started = 0
    const r = await runBin<RunResult>(['run', '--json', '--refresh-every', '1'], {
      cwd: dir,
      timeoutMs: 20_000,
      onStderr: (chunk, child) => {
        const before = started
        started += chunk.match(/handler started/g)?.length ?? 0
        // All six decided in the first pass; stop during the wait (or the empty second pass).
        if (before < 6 && started >= 6) setTimeout(() => child.kill('SIGINT'), 1500)
      },
    })
    expect(r.code, r.stderr).toBe(130)
    expect(r.json).toMatchObject({ interrupted: true, stages: [{ processed: 6, moved: { complete: 6 } }] })
  })

  it('a second SIGINT quits at once, even while a handler hangs', async () => {
    const dir = slowProject(60_000)
    let signals = 0
    const started = Date.now()
    const r = await runBin(['run'], {
      cwd: dir,
      timeoutMs: 20_000,
      onStderr: (chunk, child) => {
        if (signals === 0 && chunk.includes('handler started')) {
          signals++
          child.kill('SIGINT')
          setTimeout(() => child.kill('SIGINT'), 300)
        }
      },
    })
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toContain('Interrupted again: quitting now')
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
