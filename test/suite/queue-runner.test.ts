import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { defineAgent, labelRow, QueueRunner, type TaskCompletionResult } from '../../src/index.js'
import {
  AGENT_STAGE_NAME,
  AGENT_STAGE_UUID,
  AGENT_TO_COMPLETE_PATHWAY_HASH,
  AGENT_TO_COMPLETE_PATHWAY_NAME,
  BBOX_ONTOLOGY_HASH,
  COMPLETE_STAGE_NAME,
  suiteProject,
} from './helpers/workspace.js'
import { closeAfterEach } from '../helpers/close-after.js'
import { FAST_RETRIES } from '../helpers/runner-env.js'

/**
 * Encord's encord-agents v0.2.9 `tests/integration_tests/tasks/test_queue_runner.py`, scenario by
 * scenario, with our `QueueRunner` against the same workspace on the emulator: task specs go through
 * a queue (a plain array here, as in the Python suite) as JSON, and come back as completion results.
 */

const open = closeAfterEach()

/** Every pending task spec of every agent stage, as the producer side puts them on a queue. */
async function enqueueAll(r: QueueRunner): Promise<string[]> {
  const queue: string[] = []
  for await (const stage of r.agentStages()) for await (const spec of stage.tasks()) queue.push(spec)
  return queue
}

describe('test_queue_runner.py', () => {
  it('test_list_agent_stages: no agent bound is refused, naming the fix; then exactly the bound stage', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    // Python lists no stage at all; ours refuses (README "Coming from Python": a producer with no agent
    // would silently enqueue nothing), before fetching any task.
    const none = async () => {
      for await (const stage of runner.agentStages()) void stage
    }
    await expect(none()).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('No agent is configured'),
    })
    expect(e.requestsByEndpoint()['list-tasks']).toBeUndefined()
    runner.stage(AGENT_STAGE_NAME, defineAgent({ handler: () => undefined }))
    const stages = []
    for await (const stage of runner.agentStages()) stages.push(stage.title)
    expect(stages).toEqual([AGENT_STAGE_NAME])
  })

  it('test_queue_runner_e2e: every spec handled once, each result names its task, stage and pathway UUID', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    const calls: string[] = []
    runner.stage(
      AGENT_STAGE_NAME,
      defineAgent({ handler: ({ task }) => (calls.push(task.uuid), AGENT_TO_COMPLETE_PATHWAY_NAME) }),
    )
    const queue = await enqueueAll(runner)
    const n = (await e.client.listLabelRowMetadata(e.projectHash)).length
    expect(queue).toHaveLength(n)
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(n) // nothing moved by enqueueing
    expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(0)
    const handle = runner.handler(AGENT_STAGE_NAME)
    while (queue.length > 0) {
      const spec = queue.pop()!
      const result = JSON.parse(await handle(spec)) as TaskCompletionResult
      expect(result).toEqual({
        task_uuid: JSON.parse(spec).uuid,
        stage_uuid: AGENT_STAGE_UUID,
        success: true,
        pathway: AGENT_TO_COMPLETE_PATHWAY_HASH,
        error: null,
      })
    }
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(0)
    expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(n)
    expect(calls).toHaveLength(n)
  })

  it('test_queue_runner_worker_batches: specs handled five at a time, label rows loaded per batch', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    let calls = 0
    runner.stage(
      AGENT_STAGE_NAME,
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          calls++
          expect(deps.row.labelHash).not.toBeNull() // initialised (created where it did not exist)
          return AGENT_TO_COMPLETE_PATHWAY_NAME
        },
      }),
    )
    const queue = await enqueueAll(runner)
    const n = queue.length
    const metadataBefore = e.requestsByEndpoint()['label-row-metadata'] ?? 0
    const handle = runner.handler(AGENT_STAGE_NAME)
    const BATCH = 5
    for (let start = 0; start < n; start += BATCH) {
      const batch = queue.slice(start, start + BATCH)
      const results = JSON.parse(await handle(batch)) as TaskCompletionResult[]
      expect(results.map((r) => r.success)).toEqual(batch.map(() => true))
      expect(results.map((r) => r.pathway)).toEqual(batch.map(() => AGENT_TO_COMPLETE_PATHWAY_HASH))
      expect(results.map((r) => r.stage_uuid)).toEqual(batch.map(() => AGENT_STAGE_UUID))
      expect(results.map((r) => r.task_uuid)).toEqual(batch.map((s) => JSON.parse(s).uuid))
    }
    // Python: list_label_rows called at least once and at most N / 5 + 1 times.
    const metadataCalls = (e.requestsByEndpoint()['label-row-metadata'] ?? 0) - metadataBefore
    expect(metadataCalls).toBeGreaterThan(0)
    expect(metadataCalls).toBeLessThanOrEqual(Math.floor(n / BATCH) + 1)
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(0)
    expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(n)
    expect(calls).toBe(n)
  })

  it('test_queue_runner_passes_errors_appropriately: a throwing handler gives failed results and moves nothing', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    runner.stage(
      AGENT_STAGE_NAME,
      defineAgent({
        handler: () => {
          throw new Error('Exception')
        },
      }),
    )
    const queue = await enqueueAll(runner)
    expect(queue).toHaveLength(e.size)
    const handle = runner.handler(AGENT_STAGE_NAME)
    while (queue.length > 0) {
      const spec = queue.pop()!
      const result = JSON.parse(await handle(spec)) as TaskCompletionResult
      expect(result).toMatchObject({
        task_uuid: JSON.parse(spec).uuid,
        stage_uuid: AGENT_STAGE_UUID,
        success: false,
        pathway: null,
      })
      expect(result.error).toContain('Exception')
    }
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(e.size)
    expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(0)
  })

  for (const byName of [true, false]) {
    it(`test_runner_throws_error_if_wrong_pathway[${byName ? 'an incorrect name' : 'an incorrect UUID'}]: the result names the stage's real pathway`, async () => {
      const e = open(await suiteProject('one-of-each'))
      const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
      const wrong = byName ? 'Not the name of the pathway' : randomUUID()
      runner.stage(AGENT_STAGE_NAME, defineAgent({ handler: () => wrong }))
      const queue = await enqueueAll(runner)
      const handle = runner.handler(AGENT_STAGE_NAME)
      // Python raises out of the wrapped handler; ours answers a failed completion result (the queue
      // gets a message it can act on, and a batch's other tasks are still applied), same information.
      while (queue.length > 0) {
        const result = JSON.parse(await handle(queue.pop()!)) as TaskCompletionResult
        expect(result).toMatchObject({ success: false, pathway: null })
        expect(result.error).toContain(wrong)
        expect(result.error).toContain(byName ? AGENT_TO_COMPLETE_PATHWAY_NAME : AGENT_TO_COMPLETE_PATHWAY_HASH)
      }
      expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(e.size)
    })
  }

  it('test_queue_runner_return_struct_object: a box on every row that takes one, saved; every task moved', async () => {
    const e = open(await suiteProject('one-of-each'))
    const runner = open(new QueueRunner({ projectHash: e.projectHash, client: e.client, ...FAST_RETRIES }))
    const WITHOUT_BOXES = ['audio', 'plain_text', 'group'] // as the Python test: no object instances there
    runner.stage(
      AGENT_STAGE_NAME,
      defineAgent({
        deps: { row: labelRow() },
        handler: ({ deps }) => {
          if (!WITHOUT_BOXES.includes(deps.row.dataType))
            deps.row.addBoundingBox(deps.row.ontology.object(BBOX_ONTOLOGY_HASH, 'bounding_box'), {
              h: 0.5,
              w: 0.5,
              x: 0,
              y: 0,
            })
          return { pathway: AGENT_TO_COMPLETE_PATHWAY_HASH, labelRow: deps.row }
        },
      }),
    )
    const queue = await enqueueAll(runner)
    expect(queue).toHaveLength(e.size)
    const handle = runner.handler(AGENT_STAGE_NAME)
    while (queue.length > 0) {
      const result = JSON.parse(await handle(queue.pop()!)) as TaskCompletionResult
      expect(result).toMatchObject({ success: true, error: null, pathway: AGENT_TO_COMPLETE_PATHWAY_HASH })
    }
    expect(e.requestsByEndpoint()['save-label-rows']).toBeGreaterThan(0)
    // Read back in one bundled request, as the Python test does with create_bundle().
    const metadata = await e.client.listLabelRowMetadata(e.projectHash)
    const rows = await e.client.getLabelRows(
      e.projectHash,
      metadata.map((m) => m.labelHash!),
    )
    const withBoxes = rows.filter((r) => !WITHOUT_BOXES.includes(String(r.data_type)))
    expect(withBoxes.map((r) => r.data_type).sort()).toEqual(['image', 'img_group', 'img_group', 'pdf', 'video'])
    for (const row of withBoxes) {
      const units = Object.values(row.data_units as Record<string, { labels: Record<string, unknown> }>)
      const objects = units
        .flatMap(
          (u) =>
            ('objects' in u.labels ? [u.labels] : Object.values(u.labels)) as Array<{
              objects: Array<{ featureHash: string }>
            }>,
        )
        .flatMap((l) => l.objects)
      expect(
        objects.map((o) => o.featureHash),
        String(row.data_type),
      ).toEqual([BBOX_ONTOLOGY_HASH])
    }
    expect(e.tasksIn(AGENT_STAGE_NAME)).toHaveLength(0)
    expect(e.tasksIn(COMPLETE_STAGE_NAME)).toHaveLength(e.size)
  })
})
