import { describe, expect, it } from 'vitest'
import { emptyStageResult } from '../core/runner/flush.js'
import type { RunResult, StageResult } from '../core/types.js'
import { formatRunSummary } from './summary.js'
import { createTheme } from './theme.js'

const theme = createTheme(false)

function stage(title: string, counts: Partial<StageResult> = {}): StageResult {
  return { ...emptyStageResult({ uuid: `uuid-${title}`, title }), ...counts }
}

function run(stages: StageResult[], extra: Partial<RunResult> = {}): RunResult {
  const failed = stages.some((s) => s.failed > 0)
  return {
    ok: !failed,
    projectHash: 'p',
    durationMs: 1234,
    dryRun: false,
    interrupted: false,
    tasksProcessed: stages.reduce((n, s) => n + s.processed, 0),
    stages,
    ...extra,
  }
}

describe('run summary', () => {
  it('a row per stage, the failed tasks with where the user code threw, and a closing line', () => {
    const error = {
      taskUuid: 't1',
      dataTitle: 'a.png',
      code: 'HandlerFailed',
      message: 'model server down',
      at: 'agent.ts:12:9',
      stack: ['at callModel (agent.ts:12:9)', 'at … 4 frames in encord-agents', 'at … 1 frame in Node'],
    }
    const result = run([
      stage('Agent 1', { processed: 3, moved: { complete: 1 }, stayed: 1, failed: 1, errors: [error] }),
    ])
    const text = formatRunSummary(result, { theme })
    expect(text).toMatch(/│ Agent 1 │ 3 +│ complete: 1 │ 1 +│ 1 +│/)
    expect(text).toContain(
      'Failed tasks (1):\n  ✖ Agent 1 / a.png (t1): HandlerFailed: model server down (agent.ts:12:9)\n\n',
    )
    expect(text).toContain('✖ 3 tasks processed: 1 moved, 1 stayed, 1 failed in 1.2s.')
    // --verbose: the user-code stack under the task.
    expect(formatRunSummary(result, { theme, verbose: true })).toContain(
      '(agent.ts:12:9)\n      at callModel (agent.ts:12:9)\n      at … 4 frames in encord-agents\n      at … 1 frame in Node\n',
    )
  })

  it('label rows saved, priorities set and storage items updated, per stage and in the closing line', () => {
    const text = formatRunSummary(
      run([stage('Agent 1', { processed: 4, moved: { complete: 4 }, saved: 4, priorities: 2, storageUpdated: 1 })]),
      { theme },
    )
    expect(text).toMatch(
      /│ Stage +│ Processed │ Moved +│ Stayed │ Failed │ Label rows saved │ Priorities set │ Storage items updated │/,
    )
    expect(text).toMatch(/│ Agent 1 │ 4 +│ complete: 4 │ 0 +│ 0 +│ 4 +│ 2 +│ 1 +│/)
    expect(text).toContain(
      '✔ 4 tasks processed: 4 moved, 0 stayed, 0 failed; 4 label rows saved, 2 priorities set, 1 storage item updated in 1.2s.',
    )
    // Columns only when some stage wrote such a thing.
    expect(formatRunSummary(run([stage('Agent 1', { processed: 1, stayed: 1 })]), { theme })).not.toContain(
      'Label rows saved',
    )
  })

  it('a dry run says "would", never "moved"', () => {
    const text = formatRunSummary(
      run([stage('Agent 1', { processed: 3, moved: { complete: 2 }, stayed: 1, saved: 2 })], { dryRun: true }),
      { theme },
    )
    expect(text).not.toMatch(/\bmoved\b/i)
    expect(text).toMatch(/│ Stage +│ Processed │ Would move +│ Stayed │ Failed │ Would save │/)
    expect(text).toContain(
      '✔ 3 tasks decided: 2 would move, 1 would stay, 0 failed; 2 label rows would be saved in 1.2s.',
    )
    expect(text).toContain('Dry run: nothing was applied; the project is as it was.')
  })

  it('a multi-stage run counts each task once in its total', () => {
    const result = run(
      [
        stage('Triage', { processed: 6, moved: { finish: 5, review: 1 } }),
        stage('Finish', { processed: 5, moved: { complete: 5 } }),
      ],
      { tasksProcessed: 6 },
    )
    expect(formatRunSummary(result, { theme })).toContain(
      '✔ 6 tasks processed in 2 stages: 11 moves, 0 stayed, 0 failed in 1.2s.',
    )
  })

  it('an interrupted stage is shown as interrupted, one not reached as not run', () => {
    const result = run(
      [
        stage('Triage', { processed: 2, moved: { finish: 2 }, interrupted: true }),
        stage('Finish', { interrupted: true }),
      ],
      { interrupted: true, ok: false, tasksProcessed: 2 },
    )
    const text = formatRunSummary(result, { theme })
    expect(text).toMatch(/│ Triage +│ 2/)
    expect(text).toMatch(/│ \(interrupted\) +│/)
    expect(text).toMatch(/│ \(not run: interrupted\) │/)
    expect(text).toContain(
      '■ Interrupted after 2 tasks processed: 2 moved, 0 stayed, 0 failed in 1.2s. Decisions already made were applied; run again to finish the rest. "Finish" did not run.',
    )
    expect(text).not.toContain('✔')
  })

  it('nothing to do', () => {
    expect(formatRunSummary(run([stage('Agent 1')]), { theme })).toContain(
      '✔ Nothing to do: no tasks waiting in the agent stage (1.2s).',
    )
  })
})
