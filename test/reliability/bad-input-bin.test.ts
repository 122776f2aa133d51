/**
 * The bad-input corpus through the built binary (issue 9): every case of
 * test/commands/bad-input-cases.ts (config, stages, handler modules, fixtures, keys, usage) and the bad
 * handler returns. Each gives its documented exit code and a message naming the cause and the fix;
 * none prints a stack trace or key material. Servers that answer badly, journal mistakes and
 * --verbose: bad-replies-bin.test.ts.
 */
import pLimit from 'p-limit'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { cases, expectClear, handlerCases, STACK_FRAME, withAgent, type Case } from '../commands/bad-input-cases.js'
import { tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'

beforeAll(() => assertBuilt())
const project = tempProjects()

// Two at a time: each case is a whole CLI process.
const limit = pLimit(2)

describe('the bad-input corpus through the built binary', () => {
  it(
    `${cases.length} cases: exit code, cause and fix, no stack trace, no key material`,
    { timeout: 300_000 },
    async () => {
      const results = await Promise.all(
        cases.map((c: Case) =>
          limit(async () => {
            const dir = project(c.files ?? {})
            c.after?.(dir)
            const r = await runBin([c.command ?? 'run', ...(c.args ?? [])], { cwd: dir, env: c.env, timeoutMs: 60_000 })
            return { c, r }
          }),
        ),
      )
      for (const { c, r } of results) {
        try {
          expectClear(r, c.code, c.says)
        } catch (error) {
          throw new Error(`case "${c.name}": ${(error as Error).message}`, { cause: error })
        }
      }
    },
  )

  it(
    `${handlerCases.length} bad handler returns: that task fails with its reason (exit 1), the others are decided`,
    { timeout: 120_000 },
    async () => {
      await Promise.all(
        handlerCases.map((c) =>
          limit(async () => {
            const body = `export default defineAgent({ handler: async ({ task }) => (task.dataTitle !== 'street.png' ? 'complete' : (${c.bad})) })`
            const dir = project(withAgent(body, `\n  run: { numRetries: 0, taskTimeout: 200 },`))
            const r = await runBin<RunResult>(['run', '--json'], { cwd: dir, timeoutMs: 60_000 })
            expect(r.code, `${c.name}: ${r.stderr}`).toBe(1)
            const stage = r.json!.stages[0]
            expect(stage).toMatchObject({ processed: 6, failed: 1, moved: { complete: 5 } })
            expect(stage.errors).toEqual([
              expect.objectContaining({
                dataTitle: 'street.png',
                code: c.code,
                message: expect.stringContaining(c.says),
              }),
            ])
            expect(r.stderr).not.toMatch(STACK_FRAME)
          }),
        ),
      )
    },
  )
})
