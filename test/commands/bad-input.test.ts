/**
 * The bad-input corpus (test/commands/bad-input-cases.ts) run in-process against the local emulator
 * (real HTTP, no mocks): exact stderr, exit codes, no stack trace, no key material. The same table runs
 * through the built binary in test/reliability/bad-input-bin.test.ts.
 */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import Init from '../../src/commands/init.js'
import ListStages from '../../src/commands/list-stages.js'
import Run from '../../src/commands/run.js'
import Validate from '../../src/commands/validate.js'
import type { RunResult } from '../../src/core/types.js'
import { cases, handlerCases, secretLines, STACK_FRAME, withAgent, type CommandId } from './bad-input-cases.js'
import { makeProject } from './project.js'
import { runCommand } from './run-command.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const COMMANDS: Record<CommandId, typeof Run | typeof Validate | typeof ListStages | typeof Init> = { run: Run, validate: Validate, 'list-stages': ListStages, init: Init }

describe('bad input: clear message, documented exit code, no stack trace, no key material', () => {
  it.each(cases)('$name → exit $code', async (c) => {
    const dir = makeProject(c.files ?? {})
    dirs.push(dir)
    c.after?.(dir)
    const r = await runCommand(COMMANDS[c.command ?? 'run'], c.args ?? [], { cwd: dir, env: c.env })
    expect(r.exitCode, r.stderr).toBe(c.code)
    for (const text of c.says) expect(r.stderr).toContain(text)
    expect(r.stderr).not.toMatch(STACK_FRAME)
    expect(r.stderr).toContain('Try:')
    for (const line of secretLines) expect(r.stdout + r.stderr).not.toContain(line)
  })
})

describe('bad handler returns: that task fails with the reason, the others are still decided', () => {
  it.each(handlerCases)('$name', async (c) => {
    const body = `export default defineAgent({ handler: async ({ task }) => (task.dataTitle !== 'street.png' ? 'complete' : (${c.bad})) })`
    const dir = makeProject(withAgent(body, `\n  run: { numRetries: 0, taskTimeout: 200 },`))
    dirs.push(dir)
    const r = await runCommand<RunResult>(Run, ['--json'], { cwd: dir })
    expect(r.exitCode, r.stderr).toBe(1)
    const stage = (r.json as RunResult).stages[0]
    expect(stage).toMatchObject({ processed: 6, failed: 1, moved: { complete: 5 } })
    expect(stage.errors).toEqual([expect.objectContaining({ dataTitle: 'street.png', code: c.code, message: expect.stringContaining(c.says) })])
  })
})
