import { afterEach, describe, expect, it } from 'vitest'
import { Runner, defineAgent, taskIssues } from '../../src/index.js'
import { EncordInvalidArgumentsError } from '../../src/encord/errors.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
let reloaded: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  await reloaded?.close()
  env = reloaded = undefined
})

describe('taskIssues(): the comment threads of the task (Python task.issues)', () => {
  it('opens issues on the data unit, a frame and a point, lists them back, and they persist with the fixture', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2, dataType: 'video', pageSize: 2 }))
    const listed: Record<string, unknown[]> = {}
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { issues: taskIssues() },
        handler: async ({ task, deps }) => {
          await deps.issues.add('Whole clip is dark', { tags: ['lighting'] })
          await deps.issues.add('Frame 2 is blurred', { frame: 2 })
          await deps.issues.add('What is this?', { frame: 1, point: { x: 0.25, y: 0.5 }, tags: ['unknown', 'object'] })
          listed[task.dataHash] = await deps.issues.list()
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages[0].errors).toEqual([])

    for (const task of e.fixture.projects[0].tasks) {
      // three issues, oldest first, read over two pages (the emulator's page size is 2)
      expect(listed[task.dataHash]).toEqual([
        expect.objectContaining({
          type: 'dataUnit',
          dataUuid: task.dataHash,
          comments: [expect.objectContaining({ content: 'Whole clip is dark' })],
          tags: [{ name: 'lighting' }],
        }),
        expect.objectContaining({ type: 'frame', frameIndex: 2, tags: [] }),
        expect.objectContaining({
          type: 'frameCoordinate',
          frameIndex: 1,
          coordinate: { x: 0.25, y: 0.5 },
          tags: [{ name: 'unknown' }, { name: 'object' }],
        }),
      ])
    }
    // each opening is in the task's history (the dashboard shows it)
    expect(e.history('issue')).toHaveLength(6)
    expect(e.requestsByEndpoint()['list-issues']).toBe(4)

    // the written state carries the issues: an emulator started from it serves them
    const r = (reloaded = await startRunnerEnv({ fixture: e.emulator.state.toFixture() }))
    const first = e.fixture.projects[0].tasks[0].dataHash
    expect((await r.client.issues.list(r.projectHash, first)).map((i) => i.type)).toEqual([
      'dataUnit',
      'frame',
      'frameCoordinate',
    ])
  })

  it('a dry run opens no issue (it logs what it would open)', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2 }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { issues: taskIssues() },
        handler: async ({ deps }) => {
          await deps.issues.add('Would be opened')
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 0, dryRun: true })
    expect(result.stages[0].errors).toEqual([])
    expect(e.history('issue')).toEqual([])
    expect(e.requestsByEndpoint()['add-issues']).toBeUndefined()
  })

  it('refuses an issue on a data unit the project does not have, or on a frame past its end, and keeps none', async () => {
    const e = (env = await startRunnerEnv({ tasks: 1 }))
    const dataHash = e.fixture.projects[0].tasks[0].dataHash
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (error: unknown) => error,
      )
    const unknownUnit = await refused(e.client.issues.add(e.projectHash, { dataHash: 'no-such-unit', comment: 'x' }))
    expect(unknownUnit).toBeInstanceOf(EncordInvalidArgumentsError)
    expect(String((unknownUnit as Error).message)).toContain('no-such-unit')
    const pastEnd = await refused(e.client.issues.add(e.projectHash, { dataHash, comment: 'x', frame: 5 }))
    expect(String((pastEnd as Error).message)).toContain('out of range')
    expect(await e.client.issues.list(e.projectHash, dataHash)).toEqual([])
  })
})
