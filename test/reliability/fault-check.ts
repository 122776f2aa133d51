import { expect } from 'vitest'
import type { FaultConfig } from '../../src/emulator/index.js'
import type { RunResult, StageResult } from '../../src/core/types.js'
import { expectedPathway } from './bin-env.js'
import type { TaskState } from './project-state.js'

/** `npm run soak` sets SOAK_FULL=1: the issue's full sizes; `npm test` runs smaller ones. */
export const SOAK = process.env.SOAK_FULL === '1'

/**
 * Issue 9's fault mix, seeded: 10% 5xx, 5% 429 with Retry-After, 2% connection resets after the
 * server applied the request, 1% answers slowed by seconds. Retry-After and the slow delay are small
 * so the run stays bounded.
 */
export function issueNineFaults(options: { retryAfter: number; slowMs: number }): FaultConfig {
  return {
    rules: [
      { endpoint: '*', kind: '5xx', rate: 0.1 },
      { endpoint: '*', kind: '429', rate: 0.05, retryAfter: options.retryAfter },
      { endpoint: '*', kind: 'reset-after', rate: 0.02 },
      { endpoint: '*', kind: 'slow', rate: 0.01, delayMs: options.slowMs },
    ],
  }
}

export interface FaultOutcome {
  moved: number
  failed: number
  /** Saves that rewrote labels a row already held (a save re-sent after its answer was lost). */
  identicalResaves: number
}

/**
 * Every task is either moved exactly once along the pathway its handler chose (with its labels saved
 * once, before the move) or left in its stage and reported failed with a reason; the RunResult's
 * counts are the emulator's.
 */
export function checkFaultRun(
  stage: StageResult,
  before: Map<string, TaskState>,
  after: Map<string, TaskState>,
  titles: Map<string, string>,
  taskUuidOf: (dataHash: string) => string,
): FaultOutcome {
  const failedTasks = new Map(stage.errors.map((e) => [e.taskUuid, e]))
  let moved = 0
  let identicalResaves = 0
  const movedBy: Record<string, number> = {}
  for (const [dataHash, state] of after) {
    const was = before.get(dataHash)!
    const uuid = taskUuidOf(dataHash)
    const boxes = (s: TaskState) => s.labels.filter((l) => l.startsWith('object ')).length
    const error = failedTasks.get(uuid)
    if (error !== undefined) {
      expect(state.stage, `${dataHash} failed but moved`).toBe('Agent 1')
      expect(state.proceeds).toBe(0)
      expect(error.message.length, 'a failed task is reported with its reason').toBeGreaterThan(10)
      expect(error.code).toMatch(/^[A-Z][A-Za-z]+$/)
      // A task whose save landed but whose move did not keeps exactly one new box (nothing doubled).
      expect(boxes(state) - boxes(was)).toBeLessThanOrEqual(1)
      continue
    }
    moved++
    const expected = expectedPathway(titles.get(dataHash)!)
    expect(state.proceeds, `${dataHash} proceeds`).toBe(1)
    expect(state.stage).toBe(expected.stage)
    movedBy[expected.pathway] = (movedBy[expected.pathway] ?? 0) + 1
    expect(boxes(state), `${dataHash}: one box added, once`).toBe(boxes(was) + 1)
    expect(state.effectiveSaves, `${dataHash}: labels written once`).toBe(1)
    expect(state.priority).toBe(0.75)
    identicalResaves += state.saves - state.effectiveSaves
  }
  // The result's counts are the emulator's.
  expect(stage.processed).toBe(after.size)
  expect(stage.failed).toBe(failedTasks.size)
  expect(stage.failed + moved).toBe(after.size)
  expect(stage.moved).toEqual(movedBy)
  expect([...after.values()].filter((s) => s.stage === 'Agent 1').length).toBe(stage.failed)
  return { moved, failed: stage.failed, identicalResaves }
}

export function stageOf(result: RunResult | undefined): StageResult {
  expect(result, 'the run printed a RunResult').toBeDefined()
  return result!.stages[0]
}
