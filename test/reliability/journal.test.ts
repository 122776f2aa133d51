/**
 * The write-ahead journal through the library: each state a crash can leave behind (decision recorded
 * with nothing applied; saves landed but not marked; moves landed but not marked; a task that came back
 * to its stage) is finished by the next run without calling the handler again and without applying
 * anything twice. The "crash" is a client that fails right after (or before) Encord applied a request,
 * so the first run stops exactly there; the binary SIGKILL test (crash.test.ts) does it for real.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { defaultJournalPath, FileEffectJournal } from '../../src/core/journal-file.js'
import { MemoryEffectJournal, type EffectJournal } from '../../src/core/journal.js'
import { NonRetryableError } from '../../src/core/runner/errors.js'
import { Runner } from '../../src/core/runner/runner.js'
import type { RunOptions } from '../../src/core/runner/settings.js'
import type { EncordApi } from '../../src/encord/types.js'
import { formatRunSummary } from '../../src/ui/summary.js'
import { createTheme } from '../../src/ui/theme.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { movedBeforeSaved, projectState } from './project-state.js'

let env: RunnerEnv | undefined
const dirs: string[] = []
afterEach(async () => {
  await env?.close()
  env = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const TASKS = 12

async function setup() {
  const e = (env = await startRunnerEnv({ tasks: TASKS, labelledFraction: 0.5, seed: 11 }))
  const dir = mkdtempSync(join(tmpdir(), 'ea-journal-run-'))
  dirs.push(dir)
  const calls = new Map<string, number>()
  const runner = new Runner({ projectHash: e.projectHash }).stage(
    'Agent 1',
    defineAgent({
      deps: { row: labelRow() },
      handler: ({ task, deps }) => {
        calls.set(task.uuid, (calls.get(task.uuid) ?? 0) + 1)
        // Appends to what the row already holds: run twice, it would hold two new boxes.
        deps.row.addBoundingBox('Box', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
        return { pathway: task.dataTitle.endsWith('3.png') ? 'needs review' : 'complete', priority: 0.25 }
      },
    }),
  )
  const before = projectState(e.emulator.state, e.projectHash, {})
  const journal = defaultJournalPath(dir, e.projectHash)
  const runWith = (options: RunOptions) =>
    runner.run({ journal, numRetries: 0, retryDelayMs: 1, maxRetryDelayMs: 2, taskBatchSize: 4, ...options })
  const run = (client: EncordApi, journalSetting: boolean | string = journal) =>
    runWith({ client, journal: journalSetting })
  return { e, dir, calls, run, runWith, before, journal }
}

/** The real client, with one method replaced. */
function failing(client: EncordApi, method: keyof EncordApi, how: 'before' | 'after'): EncordApi {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (property !== method || typeof value !== 'function')
        return typeof value === 'function' ? value.bind(target) : value
      return async (...args: unknown[]) => {
        if (how === 'after') await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        throw new Error(`connection lost ${how} ${String(method)} was applied`)
      }
    },
  })
}

/** The end state every scenario must reach: each task moved once, one new box, saved once. */
function expectConverged(s: Awaited<ReturnType<typeof setup>>) {
  const { e, before } = s
  const after = projectState(e.emulator.state, e.projectHash, e.proceedsByTask())
  for (const [dataHash, state] of after) {
    const was = before.get(dataHash)!
    expect(state.proceeds, dataHash).toBe(1)
    expect(['Complete', 'Review 1']).toContain(state.stage)
    expect(state.labels.filter((l) => l.startsWith('object ')).length).toBe(
      was.labels.filter((l) => l.startsWith('object ')).length + 1,
    )
    expect(state.effectiveSaves).toBe(1)
    expect(state.priority).toBe(0.25)
  }
  expect(movedBeforeSaved(e.emulator.state, e.projectHash)).toEqual([])
}

describe('write-ahead journal (library)', () => {
  it('killed after the saves landed, before the moves: the rerun moves the tasks without a second box or save', async () => {
    const s = await setup()
    const first = await s.run(failing(s.e.client, 'saveLabelRows', 'after'))
    expect(first.stages[0].failed).toBe(TASKS)
    expect(existsSync(s.journal)).toBe(true)
    const second = await s.run(s.e.client)
    expect(second.ok).toBe(true)
    expect(second.stages[0]).toMatchObject({ processed: TASKS, replayed: TASKS, failed: 0 })
    expect(formatRunSummary(second, { theme: createTheme(false) })).toContain(
      `${TASKS} of them were finished from the run journal`,
    )
    expect([...s.calls.values()].every((n) => n === 1)).toBe(true)
    // The saves were recognised as landed: no save request was sent again.
    expect(s.e.history('save')).toHaveLength(TASKS)
    expectConverged(s)
    expect(existsSync(s.journal)).toBe(false)
    expect(existsSync(join(s.dir, '.encord-agents'))).toBe(false)
  })

  it('without the journal the same crash doubles the box (why it exists)', async () => {
    const s = await setup()
    await s.run(failing(s.e.client, 'saveLabelRows', 'after'), false)
    await s.run(s.e.client, false)
    const after = projectState(s.e.emulator.state, s.e.projectHash, s.e.proceedsByTask())
    const doubled = [...after].filter(
      ([data, st]) =>
        st.labels.filter((l) => l.startsWith('object ')).length ===
        s.before.get(data)!.labels.filter((l) => l.startsWith('object ')).length + 2,
    )
    expect(doubled).toHaveLength(TASKS)
  })

  it('killed after the decisions were recorded, before any save: the rerun applies them without the handler', async () => {
    const s = await setup()
    await s.run(failing(s.e.client, 'saveLabelRows', 'before'))
    expect(s.e.history('save')).toHaveLength(0)
    const second = await s.run(s.e.client)
    expect(second.stages[0]).toMatchObject({ processed: TASKS, replayed: TASKS, failed: 0 })
    expect([...s.calls.values()].every((n) => n === 1)).toBe(true)
    expectConverged(s)
  })

  it('killed after the moves landed, before they were marked: the rerun finds nothing to do and clears the journal', async () => {
    const s = await setup()
    // The moves land, then the process stops (an interrupted run does not tidy the journal up).
    const stop = new AbortController()
    const client = new Proxy(s.e.client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown
        if (property !== 'proceedTasks' || typeof value !== 'function')
          return typeof value === 'function' ? value.bind(target) : value
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          stop.abort()
          throw new Error('connection lost after the move was applied')
        }
      },
    })
    const first = await s.runWith({ client, signal: stop.signal, taskBatchSize: TASKS })
    expect(first).toMatchObject({ interrupted: true, stages: [{ failed: TASKS }] })
    const file = await FileEffectJournal.open(s.journal, { projectHash: s.e.projectHash, lock: false })
    expect(file.size).toBe(TASKS)
    expect(file.entries().every(([, entry]) => entry.savedAt !== undefined && entry.proceededAt === undefined)).toBe(
      true,
    )
    await file.close()
    const second = await s.run(s.e.client)
    expect(second.stages[0].processed).toBe(0)
    expect([...s.calls.values()].every((n) => n === 1)).toBe(true)
    expectConverged(s)
    expect(existsSync(s.journal)).toBe(false)
  })

  it('a run that finds its failed moves did land anyway clears their entries itself', async () => {
    const s = await setup()
    const first = await s.run(failing(s.e.client, 'proceedTasks', 'after'))
    expect(first.stages[0].failed).toBe(TASKS)
    expectConverged(s)
    expect(existsSync(s.journal)).toBe(false)
  })

  it('a task that came back to its stage after its recorded move is decided afresh', async () => {
    const s = await setup()
    const task = s.e.tasksIn('Agent 1')[0]
    const pathway = {
      uuid: s.e.pathwayUuid('Agent 1', 'complete'),
      name: 'complete',
      destinationUuid: s.e.stageUuid('Complete'),
    }
    const j = await FileEffectJournal.open(s.journal, { projectHash: s.e.projectHash })
    await j.recordDecision(task.uuid, {
      stageUuid: s.e.stageUuid('Agent 1'),
      dataHash: task.dataHash,
      pathway,
      effects: [],
      decidedAt: new Date().toISOString(),
    })
    await j.markProceeded(task.uuid)
    await j.close()
    const result = await s.run(s.e.client)
    expect(result.stages[0].replayed).toBeUndefined()
    expect(s.calls.get(task.uuid)).toBe(1)
    expectConverged(s)
  })

  it("a failure sent along onFailure is replayed as that move, still reported failed with the handler's error", async () => {
    const s = await setup()
    const calls: string[] = []
    const runner = new Runner({ projectHash: s.e.projectHash }).stage(
      'Agent 1',
      defineAgent({
        onFailure: 'needs review',
        handler: ({ task }) => {
          calls.push(task.uuid)
          throw new NonRetryableError('corrupt image')
        },
      }),
    )
    const options = { journal: s.journal, numRetries: 0, retryDelayMs: 1, maxRetryDelayMs: 2 }
    const first = await runner.run({ ...options, client: failing(s.e.client, 'proceedTasks', 'before') })
    expect(first.stages[0].failed).toBe(TASKS)
    expect(s.e.history('proceed')).toHaveLength(0)
    const second = await runner.run({ ...options, client: s.e.client })
    expect(second.stages[0]).toMatchObject({ processed: TASKS, replayed: TASKS, failed: TASKS })
    expect(second.stages[0].errors[0]).toMatchObject({ code: 'HandlerFailed', message: 'corrupt image' })
    expect(calls).toHaveLength(TASKS)
    expect(s.e.tasksIn('Review 1')).toHaveLength(TASKS)
    expect(Object.values(s.e.proceedsByTask()).every((n) => n === 1)).toBe(true)
    expect(existsSync(s.journal)).toBe(false)
  })

  it('a stay whose saves did not land is finished (saved, left in the stage); the next run calls the handler again', async () => {
    const s = await setup()
    let calls = 0
    const runner = new Runner({ projectHash: s.e.projectHash }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          calls++
          deps.row.addBoundingBox('Box', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
          return undefined
        },
      }),
    )
    const options = { journal: s.journal, numRetries: 0, retryDelayMs: 1, maxRetryDelayMs: 2 }
    await runner.run({ ...options, client: failing(s.e.client, 'saveLabelRows', 'before') })
    expect(calls).toBe(TASKS)
    const second = await runner.run({ ...options, client: s.e.client })
    expect(second.stages[0]).toMatchObject({ processed: TASKS, replayed: TASKS, stayed: TASKS })
    expect(calls).toBe(TASKS)
    expect(s.e.history('save')).toHaveLength(TASKS)
    expect(s.e.tasksIn('Agent 1')).toHaveLength(TASKS)
    expect(existsSync(s.journal)).toBe(false)
    // Settled: a stayed task is the handler's again on the next run, as without the journal.
    await runner.run({ ...options, client: s.e.client })
    expect(calls).toBe(2 * TASKS)
  })

  it('a recorded pathway the stage no longer has: the task is decided again, with a warning', async () => {
    const s = await setup()
    const task = s.e.tasksIn('Agent 1')[0]
    const j = await FileEffectJournal.open(s.journal, { projectHash: s.e.projectHash })
    const gone = {
      uuid: '00000000-0000-4000-8000-00000000dead',
      name: 'archived',
      destinationUuid: s.e.stageUuid('Complete'),
    }
    await j.recordDecision(task.uuid, {
      stageUuid: s.e.stageUuid('Agent 1'),
      dataHash: task.dataHash,
      pathway: gone,
      effects: [],
      decidedAt: new Date().toISOString(),
    })
    await j.close()
    const warnings: string[] = []
    const result = await s.runWith({
      client: s.e.client,
      onEvent: (e) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message),
    })
    expect(result.stages[0].replayed).toBeUndefined()
    expect(s.calls.get(task.uuid)).toBe(1)
    expect(warnings).toEqual([expect.stringContaining('takes pathway "archived", which stage "Agent 1" no longer has')])
    expectConverged(s)
  })

  it('a dry run neither reads nor writes the journal', async () => {
    const s = await setup()
    const result = await new Runner({ projectHash: s.e.projectHash })
      .stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      .run({ client: s.e.client, journal: s.journal, dryRun: true })
    expect(result.stages[0].processed).toBe(TASKS)
    expect(existsSync(join(s.dir, '.encord-agents'))).toBe(false)
  })

  it('a decision that cannot be written to the journal is not applied; a mark that cannot be written does not stop the run', async () => {
    const s = await setup()
    const full = (fail: 'recordDecision' | 'markSaved'): EffectJournal => {
      const inner = new MemoryEffectJournal()
      return new Proxy(inner, {
        get(target, property, receiver) {
          if (property === fail)
            return async () =>
              Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
          const value = Reflect.get(target, property, receiver) as unknown
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
    }
    const refused = await s.runWith({ client: s.e.client, journal: full('recordDecision') })
    expect(refused.stages[0].failed).toBe(TASKS)
    expect(refused.stages[0].errors[0]).toMatchObject({
      code: 'JournalFailed',
      message: expect.stringContaining('ENOSPC'),
    })
    expect(s.e.history('save')).toHaveLength(0)
    expect(s.e.history('proceed')).toHaveLength(0)
    const events: string[] = []
    const marked = await s.runWith({
      client: s.e.client,
      journal: full('markSaved'),
      onEvent: (e) => e.type === 'log' && events.push(e.message),
    })
    expect(marked.stages[0]).toMatchObject({ failed: 0, processed: TASKS })
    expect(events.some((m) => m.includes('The run journal could not be updated (ENOSPC'))).toBe(true)
    expectConverged(s)
  })

  it('two runs on one journal at once: the second is refused before it decides anything', async () => {
    const s = await setup()
    const held = await FileEffectJournal.open(s.journal, { projectHash: s.e.projectHash })
    await expect(s.run(s.e.client)).rejects.toMatchObject({ code: 'JournalLocked', exitCode: 2 })
    expect(s.calls.size).toBe(0)
    await held.close()
  })
})
