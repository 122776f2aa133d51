import { existsSync, readFileSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GeneratedDataType } from '../../src/emulator/data-types.js'
import {
  asset,
  defineAgent,
  encordClient,
  frame,
  labelRow,
  Runner,
  storageItem,
  twinLabelRow,
  videoFrames,
  type AgentDefinition,
  type Frame,
  type RunResult,
} from '../../src/index.js'
import { decodeImage } from '../helpers/media-check.js'
import { FAST_RETRIES } from '../helpers/runner-env.js'
import { toolAvailable } from '../helpers/system-tools.js'
import {
  AGENT_STAGE_NAME,
  AGENT_TO_COMPLETE_PATHWAY_NAME,
  ONE_OF_EACH,
  suiteProject,
  type SuiteProject,
} from './helpers/workspace.js'

/**
 * Encord's encord-agents v0.2.9 `tests/integration_tests/tasks/test_task_dependencies.py`: every task
 * dependency on every data type of the "one of each" dataset (and its twin project), resolved by our
 * runner for real tasks on the emulator, with the media decoded. Python calls each dependency function
 * directly on a storage item; ours resolves them for the task of that data unit, as a run does.
 */

const withFfmpeg = toolAvailable('ffmpeg', 'the frame and video dependencies of the suite')

let env: SuiteProject
beforeAll(async () => {
  env = await suiteProject('one-of-each', { twin: true })
})
afterAll(async () => {
  await env?.close()
})

const fast = { ...FAST_RETRIES, numRetries: 0, journal: false as const }

function dataHashOf(kind: GeneratedDataType): string {
  return env.fixture.projects[0].dataUnits[ONE_OF_EACH.indexOf(kind)].dataHash
}

/** Run `agent` on the tasks of these kinds only; the tasks stay (the handler returns nothing). */
async function runOn(kinds: GeneratedDataType[], agent: AgentDefinition<any>): Promise<RunResult> {
  const runner = new Runner({ projectHash: env.projectHash, client: env.client }).stage(AGENT_STAGE_NAME, agent)
  return runner.run({ ...fast, filters: { dataHashes: kinds.map(dataHashOf) } })
}

/** The storage item of a kind's data unit, as the emulator holds it. */
function itemOf(kind: GeneratedDataType) {
  const unit = env.fixture.projects[0].dataUnits[ONE_OF_EACH.indexOf(kind)]
  return env.emulator.state.storageItem(unit.backingItemUuid!)
}

describe('test_task_dependencies.py', () => {
  it('test_dep_client: encordClient() is the run’s authenticated client', async () => {
    const titles: string[] = []
    const result = await runOn(
      ['video'],
      defineAgent({
        deps: { client: encordClient() },
        handler: async ({ deps }) => void titles.push((await deps.client.getProject(env.projectHash)).title),
      }),
    )
    expect(result.stages[0].failed).toBe(0)
    expect(titles).toEqual(['encord-agents test project'])
  })

  it.skipIf(!withFfmpeg)(
    'test_dep_single_frame: the first frame of a video, an image and an image sequence, as RGB of the item’s size',
    async () => {
      const frames = new Map<string, Frame>()
      const kinds: GeneratedDataType[] = ['video', 'image', 'image-sequence']
      const result = await runOn(
        kinds,
        defineAgent({
          deps: { image: frame(), row: labelRow() },
          handler: ({ deps }) => void frames.set(deps.row.dataHash, deps.image),
        }),
      )
      expect(result.stages[0]).toMatchObject({ processed: 3, failed: 0 })
      for (const kind of kinds) {
        const f = frames.get(dataHashOf(kind))!
        const item = itemOf(kind)
        expect({ kind, width: f.width, height: f.height, bytes: f.data.length }).toEqual({
          kind,
          width: item.width,
          height: item.height,
          bytes: item.width! * item.height! * 3,
        })
      }
    },
  )

  it.skipIf(!withFfmpeg)(
    'test_dep_video_iterator: every frame of the video in order, the first equal to frame(); an image sequence iterates too',
    async () => {
      const seen: number[] = []
      let first: Frame | undefined
      let single: Frame | undefined
      let numberOfFrames = 0
      const video = await runOn(
        ['video'],
        defineAgent({
          deps: { frames: videoFrames(), image: frame(), row: labelRow() },
          handler: async ({ deps }) => {
            numberOfFrames = deps.row.metadata!.numberOfFrames
            for await (const f of deps.frames) {
              first ??= f
              seen.push(f.frame)
            }
            single = deps.image
          },
        }),
      )
      expect(video.stages[0].failed).toBe(0)
      expect(seen).toEqual(Array.from({ length: numberOfFrames }, (_, i) => i))
      expect(numberOfFrames).toBe(10)
      expect(first!.data.equals(single!.data)).toBe(true)

      const sequence: number[] = []
      await runOn(
        ['image-sequence'],
        defineAgent({
          deps: { frames: videoFrames() },
          handler: async ({ deps }) => {
            for await (const f of deps.frames) sequence.push(f.frame)
          },
        }),
      )
      expect(sequence.length).toBeGreaterThan(1)
    },
  )

  it.skipIf(!withFfmpeg)(
    'test_dep_video_iterator[not a video]: an image task is refused with a clear error',
    async () => {
      const result = await runOn(
        ['image'],
        defineAgent({
          deps: { frames: videoFrames() },
          handler: async ({ deps }) => {
            for await (const f of deps.frames) void f
          },
        }),
      )
      expect(result.stages[0].failed).toBe(1)
      expect(result.stages[0].errors[0]).toMatchObject({
        code: 'NotAVideo',
        message: expect.stringContaining('videoFrames() decodes videos and image sequences'),
      })
    },
  )

  it.skipIf(!withFfmpeg)(
    'test_dep_video_sampler: sampled by rate and by frame list, aligned with the iterator',
    async () => {
      const out: Record<string, number[]> = {}
      let aligned = true
      let halfAligned = true
      let refused = 0
      const result = await runOn(
        ['video'],
        defineAgent({
          deps: { frames: videoFrames() },
          handler: async ({ deps }) => {
            const fps = deps.frames.info.fps!
            const all: Frame[] = []
            for await (const f of deps.frames) all.push(f)
            // Python's sampler(1) / sampler(0.5) are fractions of the frame rate; ours takes frames per second.
            out.every = []
            for await (const f of deps.frames.sample({ fps })) out.every.push(f.frame)
            out.half = []
            for await (const f of deps.frames.sample({ fps: fps / 2 })) {
              out.half.push(f.frame)
              halfAligned &&= f.data.equals(all[f.frame].data)
            }
            out.list = []
            for await (const f of deps.frames.sample({ frames: [1, 2, 3] })) out.list.push(f.frame)
            for await (const f of deps.frames.sample({ frames: [0, 1, 2] }))
              aligned &&= f.data.equals(all[f.frame].data)
            for (const bad of [0, -1]) {
              try {
                for await (const f of deps.frames.sample({ fps: bad })) void f
              } catch {
                refused++
              }
            }
          },
        }),
      )
      expect(result.stages[0].errors).toEqual([])
      const n = 10
      expect(Math.abs(out.every.length - n)).toBeLessThanOrEqual(1)
      expect(Math.abs(out.half.length - n / 2)).toBeLessThanOrEqual(1)
      expect(out.half).toEqual([0, 2, 4, 6, 8])
      expect(out.list).toEqual([1, 2, 3])
      expect(aligned).toBe(true)
      expect(halfAligned).toBe(true)
      expect(refused).toBe(2)
    },
  )

  it('test_dep_asset: a local file of each kind’s media with its suffix, removed after the task', async () => {
    const files = new Map<string, { path: string; bytes: number }>()
    let imageFile: ReturnType<typeof decodeImage> | undefined
    const kinds: GeneratedDataType[] = ['pdf', 'text', 'audio', 'video', 'image', 'image-sequence']
    const result = await runOn(
      kinds,
      defineAgent({
        deps: { file: asset(), row: labelRow() },
        handler: ({ deps }) => {
          expect(existsSync(deps.file.path)).toBe(true)
          expect(statSync(deps.file.path).size).toBe(deps.file.bytes)
          files.set(deps.row.dataHash, { path: deps.file.path, bytes: deps.file.bytes })
          if (deps.row.dataType === 'image') imageFile = decodeImage(readFileSync(deps.file.path))
        },
      }),
    )
    expect(result.stages[0]).toMatchObject({ processed: kinds.length, failed: 0 })
    // Python names a JPEG ".jpeg" (from the mime type); ours ".jpg", the usual extension.
    const suffix: Partial<Record<GeneratedDataType, string>> = {
      pdf: '.pdf',
      text: '.txt',
      audio: '.mp3',
      video: '.mp4',
      image: '.jpg',
      'image-sequence': '.mp4',
    }
    for (const kind of kinds) {
      const file = files.get(dataHashOf(kind))!
      expect(extname(file.path), kind).toBe(suffix[kind])
      expect(existsSync(file.path), kind).toBe(false)
    }
    expect(imageFile).toMatchObject({ format: 'jpeg', width: itemOf('image').width, height: itemOf('image').height })
  })

  it('test_dep_asset[image group, data group]: no single file to download, a clear error', async () => {
    const result = await runOn(
      ['image-group', 'data-group'],
      defineAgent({ deps: { file: asset() }, handler: () => undefined }),
    )
    expect(result.stages[0].failed).toBe(2)
    for (const error of result.stages[0].errors) expect(error.code).toBe('AssetUnavailable')
  })

  it('test_dep_twin_label_row: the twin project’s label row of the same data', async () => {
    const twins: Array<{ backing: string | null; mine: string | null }> = []
    const result = await runOn(
      ['video'],
      defineAgent({
        deps: { row: labelRow(), twin: twinLabelRow({ twinProjectHash: env.twinProjectHash! }) },
        handler: ({ deps }) =>
          void twins.push({ backing: deps.twin?.labelRow.backingItemUuid ?? null, mine: deps.row.backingItemUuid }),
      }),
    )
    expect(result.stages[0].errors).toEqual([])
    expect(twins).toHaveLength(1)
    expect(twins[0].backing).toBe(twins[0].mine)
    expect(twins[0].backing).toBe(itemOf('video').uuid)
  })

  it('test_dep_twin_label_row[invalid project hash]: refused before any task runs', async () => {
    let calls = 0
    const agent = defineAgent({
      deps: { twin: twinLabelRow({ twinProjectHash: 'invalid_project_hash' }) },
      handler: () => void calls++,
    })
    await expect(runOn(['video'], agent)).rejects.toMatchObject({
      message: expect.stringContaining('invalid_project_hash'),
    })
    expect(calls).toBe(0)
  })

  it('test_dep_storage_item: the video task’s storage item is a video', async () => {
    const types: string[] = []
    await runOn(
      ['video'],
      defineAgent({ deps: { item: storageItem() }, handler: ({ deps }) => void types.push(deps.item.itemType) }),
    )
    expect(types).toEqual(['video'])
  })

  // Last: it moves the video task on, as the example's handler returns a pathway.
  it('test_dependency_injection_example: a handler taking the client and the storage item', async () => {
    const result = await runOn(
      ['video'],
      defineAgent({
        deps: { client: encordClient(), item: storageItem() },
        handler: ({ deps }) => {
          expect(typeof deps.client.getProject).toBe('function')
          expect(deps.item.itemType).toBe('video')
          return AGENT_TO_COMPLETE_PATHWAY_NAME
        },
      }),
    )
    expect(result.stages[0]).toMatchObject({ failed: 0, moved: { [AGENT_TO_COMPLETE_PATHWAY_NAME]: 1 } })
  })
})
