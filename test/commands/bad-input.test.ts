/**
 * The bad-input corpus (test/commands/bad-input-cases.ts) run in-process against the local emulator
 * (real HTTP, no mocks): exact stderr, exit codes, no stack trace, no key material. The same table runs
 * through the built binary in test/reliability/bad-input-bin.test.ts.
 */
import { describe, expect, it } from 'vitest'
import Init from '../../src/commands/init.js'
import ListStages from '../../src/commands/list-stages.js'
import Run from '../../src/commands/run.js'
import Validate from '../../src/commands/validate.js'
import type { RunResult } from '../../src/core/types.js'
import { cases, expectClear, handlerCases, withAgent, type CommandId } from './bad-input-cases.js'
import { tempProjects } from './project.js'
import { runCommand } from './run-command.js'

const project = tempProjects()

const COMMANDS: Record<CommandId, typeof Run | typeof Validate | typeof ListStages | typeof Init> = {
  run: Run,
  validate: Validate,
  'list-stages': ListStages,
  init: Init,
}

describe('bad input: clear message, documented exit code, no stack trace, no key material', () => {
  it.each(cases)('$name → exit $code', async (c) => {
    const dir = project(c.files ?? {})
    c.after?.(dir)
    const r = await runCommand(COMMANDS[c.command ?? 'run'], c.args ?? [], { cwd: dir, env: c.env })
    expectClear({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr }, c.code, c.says)
  })
})

describe('bad handler returns: that task fails with the reason, the others are still decided', () => {
  it.each(handlerCases)('$name', async (c) => {
    const body = `export default defineAgent({ handler: async ({ task }) => (task.dataTitle !== 'street.png' ? 'complete' : (${c.bad})) })`
    const dir = project(withAgent(body, `\n  run: { numRetries: 0, taskTimeout: 200 },`))
    const r = await runCommand<RunResult>(Run, ['--json'], { cwd: dir })
    expect(r.exitCode, r.stderr).toBe(1)
    const stage = (r.json as RunResult).stages[0]
    expect(stage).toMatchObject({ processed: 6, failed: 1, moved: { complete: 5 } })
    expect(stage.errors).toEqual([
      expect.objectContaining({ dataTitle: 'street.png', code: c.code, message: expect.stringContaining(c.says) }),
    ])
  })
})
