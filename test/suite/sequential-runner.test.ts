import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { defineAgent, EncordClient, labelRow, Runner, storageItem, type RunResult } from '../../src/index.js'
import { chunk } from '../../src/shared/arrays.js'
import {
  AGENT_STAGE_NAME,
  AGENT_STAGE_UUID,
  AGENT_TO_COMPLETE_PATHWAY_HASH,
  AGENT_TO_COMPLETE_PATHWAY_NAME,
  BBOX_ONTOLOGY_HASH,
  COMPLETE_STAGE_NAME,
  suiteProject,
  type SuiteProject,
} from './helpers/workspace.js'
import { closeAfterEach } from '../helpers/close-after.js'
import { FAST_RETRIES } from '../helpers/runner-env.js'

/**
 * Encord's encord-agents v0.2.9 `tests/integration_tests/tasks/test_sequential_runner.py`, scenario by
 * scenario, with our `Runner` against the same workspace on the emulator (real HTTP, signed requests).
 * Python test names are in the `it` titles.
 */

const open = closeAfterEach()

/** Data units of the project (Python: `len(project.list_label_rows_v2())`). */
async function labelRowCount(e: SuiteProject): Promise<number> {
  return (await e.client.listLabelRowMetadata(e.projectHash)).length
}

describe('test_sequential_runner.py', () => {
  it('test_batch_iterator: lists are cut into batches of the size, the last one shorter', () => {
    // Python's batch_iterator; ours is chunk() of the shared kernel, which the client's bundles use.
    const tasks = Array.from({ length: 99 }, (_, i) => `hash_${String(i).padStart(2, '0')}`)
    const batches = chunk(tasks, 10)
    expect(batches).toHaveLength(10)
    expect(batches.slice(0, -1).every((b) => b.length === 10)).toBe(true)
    expect(batches[9]).toHaveLength(9)
    batches.forEach((batch, i) =>
      batch.forEach((s, j) => expect(s).toBe(`hash_${String(i * 10 + j).padStart(2, '0')}`)),
    )
  })

  it('test_define_agent: an agent on an agent stage is fine; on a stage that is not an agent stage it is refused', async () => {
    // Python refuses at definition (it has the project already); ours when the run validates, before
    // anything is fetched or moved (exit code 2 from the CLI), naming the agent stages there are.
    const e = open(await suiteProject('one-of-each'))
    const ok = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({ handler: () => undefined }),
    )
    await expect(ok.validate()).resolves.toMatchObject({ ok: true })
    const wrong = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      COMPLETE_STAGE_NAME,
      defineAgent({ handler: () => undefined }),
    )
    await expect(wrong.run({ journal: false })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`"${AGENT_STAGE_NAME}" (${AGENT_STAGE_UUID})`),
    })
    expect(e.requestsByEndpoint()['list-tasks']).toBeUndefined()
  })

  for (const which of ['one-of-each', 'images-520'] as const) {
    it(`test_runner_stage_execution_count[${which}]: the handler runs once per task; every task moves to Complete`, async () => {
      const e = open(await suiteProject(which))
      const n = await labelRowCount(e)
      expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(n)
      const calls = new Map<string, number>()
      const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
        AGENT_STAGE_NAME,
        defineAgent({
          handler: ({ task }) => {
            calls.set(task.uuid, (calls.get(task.uuid) ?? 0) + 1)
            return AGENT_TO_COMPLETE_PATHWAY_NAME
          },
        }),
      )
      const result = await runner.run({ taskBatchSize: 11, journal: false })
      expect(calls.size).toBe(n)
      expect([...calls.values()].every((c) => c === 1)).toBe(true)
      expect(result.stages[0]).toMatchObject({
        processed: n,
        moved: { [AGENT_TO_COMPLETE_PATHWAY_NAME]: n },
        failed: 0,
      })
      expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(n)
      expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(0)
      expect(e.emulator.state.project(e.projectHash).tasks.size).toBe(n) // no task made on the way
    })
  }

  it('test_runner_stage_execution_with_max_tasks: maxTasksPerStage 2 runs and moves exactly 2', async () => {
    const e = open(await suiteProject('images-520'))
    let calls = 0
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        handler: () => {
          calls++
          return AGENT_TO_COMPLETE_PATHWAY_NAME
        },
      }),
    )
    await runner.run({ maxTasksPerStage: 2, journal: false })
    expect(calls).toBe(2)
    expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(2)
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(e.size - 2)
  })

  it('test_runner_stage_execution_without_pathway: returning nothing leaves every task in its stage', async () => {
    const e = open(await suiteProject('one-of-each'))
    let calls = 0
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        handler: () => {
          calls++
          return undefined
        },
      }),
    )
    const result = await runner.run({ journal: false })
    const n = await labelRowCount(e)
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(n)
    expect(calls).toBe(n)
    expect(result.stages[0]).toMatchObject({ stayed: n, moved: {} })
    expect(e.requestsByEndpoint()['proceed']).toBeUndefined()
  })

  for (const atDefineTime of [true, false]) {
    it(`test_project_validation_callback_trivial[project hash given ${atDefineTime ? 'to the Runner' : 'to run()'}]: the hook runs once, at run time`, async () => {
      const e = open(await suiteProject('one-of-each'))
      const seen: string[] = []
      const runner = new Runner({
        projectHash: atDefineTime ? e.projectHash : undefined,
        client: e.client,
        validate: (ctx) => void seen.push(ctx.project.projectHash),
      })
      expect(seen).toEqual([]) // not at define time
      runner.stage(AGENT_STAGE_NAME, defineAgent({ handler: () => undefined }))
      await runner.run({ projectHash: atDefineTime ? undefined : e.projectHash, journal: false })
      expect(seen).toEqual([e.projectHash])
    })
  }

  it('test_project_validation_callback_non_trivial: the hook sees the project, its ontology and its workflow', async () => {
    const e = open(await suiteProject('one-of-each'))
    let checked = false
    const runner = new Runner({
      projectHash: e.projectHash,
      client: e.client,
      validate: ({ project }) => {
        expect((project.ontology.structure.objects as unknown[]).length).toBeGreaterThan(0)
        expect(project.workflow.stages.length).toBeGreaterThan(0)
        checked = true
      },
    }).stage(AGENT_STAGE_NAME, defineAgent({ handler: () => undefined }))
    await runner.run({ journal: false })
    expect(checked).toBe(true)
  })

  for (const atDefineTime of [true, false]) {
    it(`test_project_validation_callback_throws[project hash given ${atDefineTime ? 'to the Runner' : 'to run()'}]: a throwing hook stops the run before any task`, async () => {
      const e = open(await suiteProject('one-of-each'))
      const runner = new Runner({
        projectHash: atDefineTime ? e.projectHash : undefined,
        client: e.client,
        validate: () => {
          throw new Error('assert False')
        },
      }).stage(AGENT_STAGE_NAME, defineAgent({ handler: () => AGENT_TO_COMPLETE_PATHWAY_NAME }))
      // Python lets the AssertionError through; ours reports it as a validation failure (exit code 2)
      // with the hook's message, so the CLI prints it instead of a stack trace.
      await expect(
        runner.run({ projectHash: atDefineTime ? undefined : e.projectHash, journal: false }),
      ).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('assert False') })
      expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(e.size)
      // The stage's first page may have been read while the hook ran (read-only: a run lists its first
      // stage as soon as the workflow is in; test/runner/listing-head-start.test.ts); nothing else.
      expect(e.requestsByEndpoint()['list-tasks'] ?? 0).toBeLessThanOrEqual(1)
      expect(e.requestsByEndpoint().proceed).toBeUndefined()
    })
  }

  for (const byName of [true, false]) {
    it(`test_runner_throws_error_if_wrong_pathway[${byName ? 'an incorrect name' : 'an incorrect UUID'}]: the error names the stage's real pathway`, async () => {
      const e = open(await suiteProject('one-of-each'))
      const wrong = byName ? 'Not the name of the pathway' : randomUUID()
      const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
        AGENT_STAGE_NAME,
        defineAgent({ handler: () => wrong }),
      )
      // Python raises out of the run at the first task; ours fails each such task with the stage's
      // pathways listed and goes on with the others (README "Coming from Python": no task's work is
      // lost for another's mistake), so the run ends not ok (exit code 1) with every task still here.
      const result: RunResult = await runner.run({ numRetries: 0, journal: false, ...FAST_RETRIES })
      expect(result.ok).toBe(false)
      expect(result.stages[0].failed).toBe(e.size)
      for (const error of result.stages[0].errors) {
        expect(error.message).toContain(wrong)
        expect(error.message).toContain(byName ? AGENT_TO_COMPLETE_PATHWAY_NAME : AGENT_TO_COMPLETE_PATHWAY_HASH)
      }
      expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(e.size)
    })
  }

  it('test_queue_runner_resolves_agent_stage: the handler gets its stage with its pathways', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        handler: ({ stage }) => {
          expect(stage.title).toBe(AGENT_STAGE_NAME)
          expect(stage.pathways[0]).toMatchObject({
            name: AGENT_TO_COMPLETE_PATHWAY_NAME,
            uuid: AGENT_TO_COMPLETE_PATHWAY_HASH,
          })
          return stage.pathways[0].name
        },
      }),
    )
    const result = await runner.run({ numRetries: 0, journal: false })
    expect(result.stages[0]).toMatchObject({ failed: 0, moved: { [AGENT_TO_COMPLETE_PATHWAY_NAME]: e.size } })
  })

  it('test_runner_storage_item_dependency_resolved_once: one bulk request for the storage items, none one by one', async () => {
    const e = open(await suiteProject('images-520'))
    let checked = 0
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        deps: { row: labelRow(), item: storageItem() },
        handler: ({ deps }) => {
          expect(deps.item.uuid).toBe(deps.row.backingItemUuid)
          checked++
          return undefined
        },
      }),
    )
    await runner.run({ taskBatchSize: 600, journal: false }) // one batch, as Python's default covers the project
    expect(checked).toBe(e.size)
    expect(e.requestsByEndpoint()['get-storage-items']).toBe(1)
    expect(e.requestsByEndpoint()['get-storage-item']).toBeUndefined()
  })

  it('test_runner_storage_item_order_is_correct: each task gets its own storage item, with or without its label row', async () => {
    const e = open(await suiteProject('one-of-each'))
    const fails: string[] = []
    const withRow = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        deps: { row: labelRow(), item: storageItem() },
        handler: ({ deps }) => void (deps.item.uuid !== deps.row.backingItemUuid && fails.push(deps.row.dataTitle)),
      }),
    )
    await withRow.run({ journal: false })
    // Without a label row: the task and a metadata lookup of its own data unit.
    let seen = 0
    const withoutRow = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        deps: { item: storageItem() },
        handler: async ({ task, deps }) => {
          const [meta] = await e.client.listLabelRowMetadata(e.projectHash, { dataHashes: [task.dataHash] })
          if (deps.item.uuid !== meta.backingItemUuid) fails.push(task.dataTitle)
          seen++
          return undefined
        },
      }),
    )
    await withoutRow.run({ journal: false })
    expect(fails).toEqual([])
    expect(seen).toBe(e.size)
  })

  it('test_runner_return_struct_object: a box added to every label row, saved in bundles, with pathway and priority', async () => {
    const e = open(await suiteProject('images-520'))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          deps.row.addBoundingBox(deps.row.ontology.object(BBOX_ONTOLOGY_HASH, 'bounding_box'), {
            h: 0.5,
            w: 0.5,
            x: 0,
            y: 0,
          })
          return { pathway: AGENT_TO_COMPLETE_PATHWAY_HASH, labelRow: deps.row, priority: 0.1337 }
        },
      }),
    )
    const result = await runner.run({ journal: false })
    expect(result.stages[0]).toMatchObject({ failed: 0, moved: { [AGENT_TO_COMPLETE_PATHWAY_NAME]: e.size } })
    // Python: save_label_rows called at most N / 100 + 1 times (its label bundle size is 100).
    expect(e.requestsByEndpoint()['save-label-rows']).toBeLessThanOrEqual(Math.floor(e.size / 100) + 1)
    const metadata = await e.client.listLabelRowMetadata(e.projectHash)
    const rows = await e.client.getLabelRows(
      e.projectHash,
      metadata.map((m) => m.labelHash!),
    )
    expect(rows).toHaveLength(e.size)
    for (const row of rows) {
      const objects = Object.values(
        row.data_units as Record<string, { labels: { objects: Array<{ featureHash: string }> } }>,
      )[0].labels.objects
      expect(objects.map((o) => o.featureHash)).toEqual([BBOX_ONTOLOGY_HASH])
    }
    expect(metadata.every((m) => m.priority === 0.1337)).toBe(true)
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(0)
  })

  it('test_runner_set_bundled_priority: priorities alone, set in one request', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({ handler: () => ({ priority: 0.1337 }) }),
    )
    await runner.run({ journal: false })
    expect(e.requestsByEndpoint()['set-priorities']).toBe(1)
    const metadata = await e.client.listLabelRowMetadata(e.projectHash)
    expect(metadata.map((m) => m.priority)).toEqual(Array(e.size).fill(0.1337))
    // Python needs `will_set_priority=True` on the stage to do this without a label row; ours needs nothing.
    expect(e.requestsByEndpoint()['get-label-rows']).toBeUndefined()
  })

  it('test_runner_can_request_specific_branch: label rows of a named branch', async () => {
    const e = open(await suiteProject('one-of-each'))
    const branches: string[] = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        labelRowMetadata: { branchName: 'BRANCH_NAME' },
        deps: { row: labelRow() },
        handler: ({ deps }) => void branches.push(deps.row.branchName),
      }),
    )
    const result = await runner.run({ journal: false })
    expect(result.stages[0].failed).toBe(0)
    expect(branches).toEqual(Array(e.size).fill('BRANCH_NAME'))
    // The rows were made on that branch only: the main branch is still uninitialised.
    const onBranch = await e.client.listLabelRowMetadata(e.projectHash, { branchName: 'BRANCH_NAME' })
    expect(onBranch.every((m) => m.branchName === 'BRANCH_NAME' && m.labelHash !== null)).toBe(true)
    const main = await e.client.listLabelRowMetadata(e.projectHash)
    expect(main.every((m) => m.branchName === 'main' && m.labelHash === null)).toBe(true)
  })

  it('test_runner_can_request_specific_branch[saved]: labels saved on the branch stay there; main keeps none', async () => {
    // Python's test only reads the branch; this one also writes to it, through the runner's save.
    const e = open(await suiteProject('one-of-each'))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        labelRowMetadata: { branchName: 'BRANCH_NAME' },
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          if (deps.row.dataType !== 'image') return undefined
          deps.row.addBoundingBox(deps.row.ontology.object(BBOX_ONTOLOGY_HASH, 'bounding_box'), {
            h: 0.5,
            w: 0.5,
            x: 0,
            y: 0,
          })
          return { labelRow: deps.row }
        },
      }),
    )
    const result = await runner.run({ journal: false })
    expect(result.stages[0].failed).toBe(0)
    const [branchImage] = (await e.client.listLabelRowMetadata(e.projectHash, { branchName: 'BRANCH_NAME' })).filter(
      (m) => m.dataType === 'IMAGE',
    )
    const [row] = await e.client.getLabelRows(e.projectHash, [branchImage.labelHash!])
    expect(row.branch_name).toBe('BRANCH_NAME')
    const objects = Object.values(row.data_units as Record<string, { labels: { objects: unknown[] } }>)[0].labels
      .objects
    expect(objects).toHaveLength(1)
    const [mainImage] = (await e.client.listLabelRowMetadata(e.projectHash)).filter((m) => m.dataType === 'IMAGE')
    expect(mainImage.labelHash).toBeNull()
  })

  it('test_runner_can_take_user_client: a client whose key Encord does not know fails with an authentication error', async () => {
    const e = open(await suiteProject('one-of-each'))
    const stranger = generateOpenSshKey('not registered')
    const client = new EncordClient({
      key: parsePrivateKey(stranger.privateKeyText),
      domain: e.emulator.domain,
      retries: 0,
    })
    try {
      const runner = new Runner({ projectHash: e.projectHash, client }).stage(
        AGENT_STAGE_NAME,
        defineAgent({ handler: () => undefined }),
      )
      await expect(runner.run({ journal: false })).rejects.toMatchObject({ exitCode: 3 })
    } finally {
      await client.close()
    }
  })
})
