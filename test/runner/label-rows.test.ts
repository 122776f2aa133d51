import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow, twinLabelRow } from '../../src/core/deps/builtins/label-row.js'
import { labelRowMetadata } from '../../src/core/deps/builtins/label-row-metadata.js'
import { storageItem } from '../../src/core/deps/builtins/storage-item.js'
import { Runner } from '../../src/core/runner/runner.js'
import { generateFixture } from '../../src/emulator/index.js'
import { FAST_RETRIES, recordCalls, startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

type Json = Record<string, any>

/** The saved label row of a data unit, as the emulator holds it. */
function savedRow(e: RunnerEnv, dataHash: string, projectHash = e.projectHash): Json | undefined {
  const rows = e.emulator.state.project(projectHash).labelRowsByData.get(dataHash)
  return rows?.get('main')?.labels
}

function frameLabels(row: Json, dataHash: string): { objects: Json[]; classifications: Json[] } {
  return row.data_units[dataHash].labels
}

describe('labelRow()', () => {
  it('writes a bounding box and a classification that the emulator saves in the right format', async () => {
    const e = (env = await startRunnerEnv({ tasks: 4, labelledFraction: 0.5 }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          deps.row.addBoundingBox(
            'Box',
            { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
            { answers: { Colour: 'Red' }, confidence: 0.9 },
          )
          deps.row.addClassification('Weather', { answer: 'Sunny', force: true })
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 4 })
    expect(result.stages[0].errors).toEqual([])
    expect(result.stages[0]).toMatchObject({ processed: 4, moved: { complete: 4 }, failed: 0 })
    for (const unit of e.fixture.projects[0].dataUnits) {
      const row = savedRow(e, unit.dataHash)
      expect(row).toBeDefined()
      const labels = frameLabels(row!, unit.dataHash)
      const box = labels.objects.find((o) => o.name === 'Box' && o.confidence === 0.9)
      expect(box).toMatchObject({
        shape: 'bounding_box',
        featureHash: 'bX7kQ2pL',
        boundingBox: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
        manualAnnotation: false,
      })
      expect(row!.object_answers[box!.objectHash].classifications).toEqual([
        expect.objectContaining({
          name: 'Colour',
          featureHash: 'cA1rT9zE',
          answers: [expect.objectContaining({ name: 'Red', value: 'red', featureHash: 'oPt0Red1' })],
        }),
      ])
      const weather = labels.classifications.find((c) => c.featureHash === 'wE4thR5s')
      expect(weather).toMatchObject({ name: 'Weather' })
      expect(row!.classification_answers[weather!.classificationHash].classifications[0]).toMatchObject({
        name: 'Weather',
        answers: [expect.objectContaining({ name: 'Sunny' })],
      })
    }
    // One metadata request, one GET for the rows that existed, one PUT for the others, one save: per batch.
    const requests = e.requestsByEndpoint()
    expect(requests['label-row-metadata']).toBe(1)
    expect(requests['get-label-rows']).toBe(1)
    expect(requests['create-label-rows']).toBe(1)
    expect(requests['save-label-rows']).toBe(1)
    expect(requests['proceed']).toBe(1)
    expect(e.history('save')).toHaveLength(4)
  })

  it('saves only rows that changed, once, even when a retry follows an attempt that changed it', async () => {
    const e = (env = await startRunnerEnv({ tasks: 6, labelledFraction: 1 }))
    const tasks = e.fixture.projects[0].tasks
    const editors = new Set([tasks[0].uuid, tasks[3].uuid])
    const attempts = new Map<string, number>()
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ task, deps }) => {
          const n = (attempts.get(task.uuid) ?? 0) + 1
          attempts.set(task.uuid, n)
          if (editors.has(task.uuid)) deps.row.addBoundingBox('Box', { x: 0.5, y: 0.5, w: 0.1, h: 0.1 })
          if (n === 1 && editors.has(task.uuid)) throw new Error('flaky model')
          return { pathway: 'complete', labelRow: deps.row }
        },
      }),
    )
    const before = new Map(
      tasks.map((t) => [t.dataHash, frameLabels(savedRow(e, t.dataHash)!, t.dataHash).objects.length]),
    )
    const result = await runner.run({ taskBatchSize: 6, numRetries: 2, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ moved: { complete: 6 }, failed: 0 })
    const saves = e.history('save')
    expect(saves).toHaveLength(2)
    for (const task of tasks) {
      const after = frameLabels(savedRow(e, task.dataHash)!, task.dataHash).objects.length
      // The failed attempt's box is gone with it: exactly one box more, never two.
      expect(after - before.get(task.dataHash)!).toBe(editors.has(task.uuid) ? 1 : 0)
    }
    expect(e.requestsByEndpoint()['save-label-rows']).toBe(1)
  })

  it("a retry's row sees the labels as loaded, not the failed attempt's edits of them (both rows are read from one reply)", async () => {
    const e = (env = await startRunnerEnv({ tasks: 3, labelledFraction: 1 }))
    const tasks = e.fixture.projects[0].tasks
    const seen: Array<{ dataHash: string; box: number; weather: number }> = []
    const attempts = new Map<string, number>()
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ task, deps }) => {
          const attempt = (attempts.get(task.uuid) ?? 0) + 1
          attempts.set(task.uuid, attempt)
          const box = deps.row.objects()[0].annotation(0)!
          const weather = deps.row.classifications()[0].annotation(0)!
          seen.push({ dataHash: task.dataHash, box: box.confidence, weather: weather.confidence })
          if (attempt > 1) return 'complete'
          // Edits of loaded labels in place, then a failure: the retry must not see them.
          box.update({ confidence: 0.2 })
          weather.update({ confidence: 0.1, manualAnnotation: true })
          throw new Error('flaky model')
        },
      }),
    )
    const loaded = new Map(
      tasks.map((t) => {
        const labels = frameLabels(savedRow(e, t.dataHash)!, t.dataHash)
        return [t.dataHash, { box: labels.objects[0].confidence, weather: labels.classifications[0].confidence }]
      }),
    )
    const result = await runner.run({ taskBatchSize: 3, numRetries: 1, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ moved: { complete: 3 }, failed: 0 })
    expect(seen).toHaveLength(6)
    for (const { dataHash, box, weather } of seen) {
      const original = loaded.get(dataHash)!
      expect(original.box === 0.2 || original.weather === 0.1).toBe(false)
      expect({ box, weather }).toEqual(original)
    }
    expect(e.history('save')).toHaveLength(0) // the retries changed nothing
  })

  it('a save whose answer was lost is sent again and replaces the row: one box, never two', async () => {
    const e = (env = await startRunnerEnv({
      tasks: 3,
      labelledFraction: 1,
      faults: { rules: [{ endpoint: 'save-label-rows', kind: 'reset-after', times: 1 }] },
    }))
    const tasks = e.fixture.projects[0].tasks
    const before = new Map(
      tasks.map((t) => [t.dataHash, frameLabels(savedRow(e, t.dataHash)!, t.dataHash).objects.length]),
    )
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          deps.row.addBoundingBox('Box', { x: 0.2, y: 0.2, w: 0.1, h: 0.1 })
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 3, ...FAST_RETRIES })
    expect(result.stages[0]).toMatchObject({ moved: { complete: 3 }, failed: 0 })
    expect(e.emulator.stats().faults.byEndpoint['save-label-rows']).toEqual({ 'reset-after': 1 })
    // Applied, answer lost: the client reads the rows back, sees the labels landed, and does not send again.
    expect(e.requestsByEndpoint()['save-label-rows']).toBe(1)
    expect(e.history('save')).toHaveLength(3)
    for (const t of tasks)
      expect(frameLabels(savedRow(e, t.dataHash)!, t.dataHash).objects.length - before.get(t.dataHash)!).toBe(1)
    expect(Object.values(e.proceedsByTask())).toEqual([1, 1, 1])
  })

  it('never moves a task whose label save failed; other tasks of the batch are moved', async () => {
    const e = (env = await startRunnerEnv({
      tasks: 3,
      labelledFraction: 1,
      retries: 0,
      faults: { rules: [{ endpoint: 'save-label-rows', kind: '5xx', status: 500, rate: 1 }] },
    }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ task, deps }) => {
          if (task.uuid === e.fixture.projects[0].tasks[0].uuid)
            deps.row.addClassification('Caption', { answer: 'a cat' })
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 0, ...FAST_RETRIES })
    const stage = result.stages[0]
    expect(stage).toMatchObject({ processed: 3, failed: 1, moved: { complete: 2 } })
    expect(stage.errors[0]).toMatchObject({ taskUuid: e.fixture.projects[0].tasks[0].uuid, code: 'SaveFailed' })
    expect(e.tasksIn('Agent 1').map((t) => t.uuid)).toEqual([e.fixture.projects[0].tasks[0].uuid])
  })

  it('a priority set on the label row is sent with the decision', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2, labelledFraction: 1 }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          deps.row.setPriority(0)
          return undefined
        },
      }),
    )
    await runner.run()
    expect([...e.emulator.state.project(e.projectHash).tasks.values()].map((t) => t.priority)).toEqual([0, 0])
    expect(e.history('save')).toHaveLength(0)
  })

  it('a dry run creates no label rows and saves nothing, but handlers still get rows', async () => {
    const e = (env = await startRunnerEnv({ tasks: 3, labelledFraction: 0 }))
    let seen = 0
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow(), meta: labelRowMetadata() },
        handler: ({ deps, task }) => {
          expect(deps.row.dataHash).toBe(task.dataHash)
          expect(deps.meta.dataHash).toBe(task.dataHash)
          deps.row.addBoundingBox('Box', { x: 0, y: 0, w: 0.1, h: 0.1 })
          seen++
          // Returning the (uncreated, hashless) row is what a real run does; a dry run must accept it.
          return { pathway: 'complete', labelRow: deps.row }
        },
      }),
    )
    const result = await runner.run({ dryRun: true })
    expect(seen).toBe(3)
    expect(result.stages[0]).toMatchObject({ moved: { complete: 3 }, failed: 0, errors: [] })
    const requests = e.requestsByEndpoint()
    expect(requests['create-label-rows'] ?? 0).toBe(0)
    expect(requests['save-label-rows'] ?? 0).toBe(0)
    expect(requests['proceed'] ?? 0).toBe(0)
  })

  it('label rows, metadata and storage items of a batch share one metadata request; client metadata is included when asked', async () => {
    const e = (env = await startRunnerEnv({ tasks: 5, labelledFraction: 0.4 }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow({ includeClientMetadata: true }), item: storageItem(), meta: labelRowMetadata() },
        handler: ({ deps }) => {
          expect(deps.row.clientMetadata).toEqual(deps.item.clientMetadata)
          expect(deps.meta.backingItemUuid).toBe(deps.item.uuid)
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 5 })
    expect(result.stages[0]).toMatchObject({ moved: { complete: 5 }, failed: 0 })
    const requests = e.requestsByEndpoint()
    expect(requests['label-row-metadata']).toBe(1)
    expect(requests['get-storage-items']).toBe(1)
  })
  it("a stage's labelRowMetadata options reach the listing (Python's LabelRowMetadataIncludeArgs)", async () => {
    const e = (env = await startRunnerEnv({ tasks: 2 }))
    const seen: Array<Record<string, unknown> | null> = []
    const plain: Array<Record<string, unknown> | null> = []
    await new Runner({ projectHash: e.projectHash, client: e.client })
      .stage(
        'Agent 1',
        { deps: { meta: labelRowMetadata() }, labelRowMetadata: { includeClientMetadata: true } },
        ({ deps }) => {
          seen.push(deps.meta.clientMetadata)
          return undefined
        },
      )
      .run()
    await new Runner({ projectHash: e.projectHash, client: e.client })
      .stage('Agent 1', { deps: { meta: labelRowMetadata() } }, ({ deps }) => {
        plain.push(deps.meta.clientMetadata)
        return undefined
      })
      .run()
    expect(seen).toHaveLength(2)
    for (const m of seen) expect(m).toMatchObject({ camera: expect.any(String) })
    expect(plain).toEqual([null, null])
  })
})

describe('twinLabelRow()', () => {
  it('loads the twin rows of the batch only (by data hash), and saves changes to the twin project', async () => {
    const e = (env = await startRunnerEnv({ tasks: 6, twin: true }))
    const twinHash = e.fixture.projects[1].projectHash
    const recorded = recordCalls(e.client)
    const runner = new Runner({ projectHash: e.projectHash, client: recorded.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { twin: twinLabelRow({ twinProjectHash: twinHash }) },
        handler: ({ task, deps }) => {
          if (deps.twin === null) return 'needs review'
          expect(deps.twin.labelRow.dataHash).toBe(task.dataHash)
          expect(deps.twin.project.projectHash).toBe(twinHash)
          deps.twin.labelRow.addClassification('Caption', { answer: `seen ${task.dataTitle}` })
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 3, maxTasksPerStage: 3 })
    expect(result.stages[0]).toMatchObject({ processed: 3, moved: { complete: 3 } })
    // Metadata of the twin was asked once, for the batch's data hashes only (never the whole project).
    const twinCalls = recorded.calls.filter((c) => c.method === 'listLabelRowMetadata' && c.args[0] === twinHash)
    expect(twinCalls).toHaveLength(1)
    expect((twinCalls[0].args[1] as { dataHashes: string[] }).dataHashes).toHaveLength(3)
    expect(e.emulator.state.project(twinHash).history.filter((h) => h.kind === 'save')).toHaveLength(3)
    const decided = e.tasksIn('Complete').map((t) => t.dataHash)
    for (const dataHash of decided) {
      const row = savedRow(e, dataHash, twinHash)!
      const caption = frameLabels(row, dataHash).classifications.find((c) => c.featureHash === 'cApT8n9x')
      expect(caption).toBeDefined()
    }
    expect(e.history('save')).toHaveLength(0) // nothing saved to the main project
  })

  it('matches by data title, and gives null when there is no twin', async () => {
    const e = (env = await startRunnerEnv({ tasks: 3, twin: true }))
    const twin = e.fixture.projects[1]
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: {
          twin: twinLabelRow({ twinProjectHash: twin.projectHash, matchBy: 'dataTitle' }),
          none: twinLabelRow({ twinProjectHash: twin.projectHash, matchBy: 'dataTitle', branchName: 'nope' }),
        },
        handler: ({ task, deps }) => (deps.twin?.labelRow.dataTitle === task.dataTitle ? 'complete' : 'needs review'),
      }),
    )
    const result = await runner.run()
    expect(result.stages[0].moved).toEqual({ complete: 3 })
  })

  it('matches by data title across projects whose data hashes differ, asking only for the titles of the batch', async () => {
    const fixture = generateFixture({ tasks: 6, seed: 5, twin: true, labelledFraction: 0 })
    const twin = fixture.projects[1]
    // The twin holds copies of the data (new data hashes, same titles), except one title it lacks.
    const newHash = (h: string) => `7${h.slice(1)}`
    twin.dataUnits = twin.dataUnits.map((d, i) => ({
      ...d,
      dataHash: newHash(d.dataHash),
      dataTitle: i === 0 ? 'not-in-main.png' : d.dataTitle,
    }))
    twin.tasks = twin.tasks.map((t) => ({ ...t, dataHash: newHash(t.dataHash) }))
    twin.labelRows = twin.labelRows.map((r) => {
      const labels = structuredClone(r.labels) as { data_units: Record<string, { data_hash?: string }> }
      labels.data_units = Object.fromEntries(
        Object.entries(labels.data_units).map(([k, v]) => [newHash(k), { ...v, data_hash: newHash(k) }]),
      )
      return { ...r, dataHash: newHash(r.dataHash), labels }
    })
    const e = (env = await startRunnerEnv({ fixture }))
    const missingTitle = fixture.projects[0].dataUnits[0].dataTitle
    const recorded = recordCalls(e.client)
    const seen = new Map<string, { twinHash: string | null; twinTitle: string | null; labelled: number }>()
    const runner = new Runner({ projectHash: e.projectHash, client: recorded.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { twin: twinLabelRow({ twinProjectHash: twin.projectHash, matchBy: 'dataTitle' }) },
        handler: ({ task, deps }) => {
          seen.set(task.dataTitle, {
            twinHash: deps.twin?.labelRow.dataHash ?? null,
            twinTitle: deps.twin?.labelRow.dataTitle ?? null,
            labelled: deps.twin?.labelRow.objects().length ?? 0,
          })
          return deps.twin === null ? 'needs review' : 'complete'
        },
      }),
    )
    const result = await runner.run({ taskBatchSize: 3 })
    expect(result.stages[0]).toMatchObject({ processed: 6, moved: { complete: 5, 'needs review': 1 } })
    expect(seen.has(missingTitle)).toBe(true)
    const mainUnits = fixture.projects[0].dataUnits
    for (const [title, got] of seen) {
      const unit = mainUnits.find((d) => d.dataTitle === title)!
      if (title === missingTitle) expect(got).toEqual({ twinHash: null, twinTitle: null, labelled: 0 })
      else expect(got).toEqual({ twinHash: newHash(unit.dataHash), twinTitle: title, labelled: 1 })
    }
    // The twin was asked about the titles of each batch, one exact title per request, never listed whole.
    const twinCalls = recorded.calls.filter(
      (c) => c.method === 'listLabelRowMetadata' && c.args[0] === twin.projectHash,
    )
    expect(twinCalls.map((c) => (c.args[1] as { dataTitleEq?: string }).dataTitleEq).sort()).toEqual(
      [...seen.keys()].sort(),
    )
    expect(twinCalls.every((c) => (c.args[1] as { dataHashes?: unknown }).dataHashes === undefined)).toBe(true)
  })

  it('validate reports an unreachable twin project', async () => {
    const e = (env = await startRunnerEnv({ tasks: 1 }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { twin: twinLabelRow({ twinProjectHash: '00000000-0000-4000-8000-00000000dead' }) },
        handler: () => 'complete',
      }),
    )
    const validation = await runner.validate()
    expect(validation.ok).toBe(false)
    expect(validation.issues[0]).toMatchObject({ code: 'DependencyInvalid' })
    expect(validation.issues[0].message).toMatch(/twin project 00000000-0000-4000-8000-00000000dead cannot be read/)
  })
})
