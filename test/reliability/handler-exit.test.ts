/**
 * A handler that calls `process.exit` (issue 14, item 7) used to end the run with exit 0, an empty
 * `--json`, no summary and nothing moved. Now an exit in the handler's own call chain fails that task
 * (HandlerCalledExit, not retried) and the other tasks are decided (exit 1); an exit from a callback
 * the handler left behind stops the run with exit 1 and a message naming the handler, no stack trace.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { STACK_FRAME } from '../commands/bad-input-cases.js'
import { configText, tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'

beforeAll(() => assertBuilt())
const project = tempProjects()

const withHandler = (body: string) =>
  project({
    'encord-agents.config.ts': configText(
      `    { stage: 'Agent 1', handler: './agent.ts' },`,
      `\n  run: { numRetries: 2 },`,
    ),
    'agent.ts': `import { defineAgent } from 'encord-agents'\nexport default defineAgent({\n  async handler({ task }) {\n${body}\n  },\n})\n`,
  })

describe('process.exit from a handler', () => {
  it('in the handler (directly or after an await): that task fails, the others move, exit 1 with the summary', async () => {
    const dir = withHandler(`    if (task.dataTitle === 'street.png') process.exit(0)
    if (task.dataTitle === 'parking-lot.png') { await new Promise((r) => setTimeout(r, 5)); process.exit(3) }
    return 'complete'`)
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(1)
    const stage = r.json!.stages[0]
    expect(stage).toMatchObject({ processed: 6, failed: 2, moved: { complete: 4 } })
    const errors = Object.fromEntries(stage.errors.map((e) => [e.dataTitle, e]))
    expect(errors['street.png']).toMatchObject({
      code: 'HandlerCalledExit',
      message: expect.stringContaining('The handler of stage "Agent 1"'),
    })
    expect(errors['street.png'].message).toContain('called process.exit(0)')
    expect(errors['parking-lot.png'].message).toContain('called process.exit(3)')

    const human = await runBin(['run'], {
      cwd: withHandler(`    if (task.dataTitle === 'street.png') process.exit(0)\n    return 'complete'`),
      timeoutMs: 60_000,
    })
    expect(human.code, human.stderr).toBe(1)
    expect(human.stdout).toContain('HandlerCalledExit')
    expect(human.stdout).toMatch(/5 moved, 0 stayed, 1 failed/)
  })

  it('from a timer the handler left behind: exit 1 and a message naming the handler, no stack trace', async () => {
    const dir = withHandler(`    if (task.dataTitle === 'street.png') setTimeout(() => process.exit(0), 0)
    await new Promise((r) => setTimeout(r, 50))
    return 'complete'`)
    const r = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(
      /The handler of stage "Agent 1" .*called process\.exit\(0\) from a callback outside its task/,
    )
    expect(r.stderr).toContain('remove process.exit from the handler')
    expect(r.stderr).not.toMatch(STACK_FRAME)
  })
})
