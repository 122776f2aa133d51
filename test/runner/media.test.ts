import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { asset } from '../../src/core/deps/builtins/asset.js'
import { videoFrames } from '../../src/core/deps/builtins/video-frames.js'
import { Frame } from '../../src/vision/frame.js'
import { storageItem } from '../../src/core/deps/builtins/storage-item.js'
import { Runner } from '../../src/core/runner/runner.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { toolAvailable } from '../helpers/system-tools.js'

const hasFfmpeg = toolAvailable('ffmpeg', 'videoFrames() decoding')

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('media dependencies', () => {
  it('asset() downloads the media to a temp file for the task and removes it after', async () => {
    const e = (env = await startRunnerEnv({ tasks: 3 }))
    const paths: string[] = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { file: asset(), item: storageItem() },
        handler: async ({ deps }) => {
          expect(existsSync(deps.file.path)).toBe(true)
          expect(statSync(deps.file.path).size).toBe(deps.file.bytes)
          expect(deps.file.path.endsWith('.png')).toBe(true)
          expect(deps.file.item.uuid).toBe(deps.item.uuid)
          expect(await (await Frame.decode(await readFile(deps.file.path))).toDataUrl()).toMatch(
            /^data:image\/png;base64,iVBOR/,
          )
          paths.push(deps.file.path)
          return 'complete'
        },
      }),
    )
    const result = await runner.run()
    expect(result.stages[0]).toMatchObject({ moved: { complete: 3 }, failed: 0 })
    expect(paths).toHaveLength(3)
    for (const path of paths) expect(existsSync(path)).toBe(false)
    expect(e.requestsByEndpoint()['media']).toBe(3)
  })

  it('asset() files are removed after failed attempts too, and each attempt gets a fresh download', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2 }))
    const paths: string[] = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { file: asset() },
        handler: ({ deps }) => {
          expect(existsSync(deps.file.path)).toBe(true)
          paths.push(deps.file.path)
          throw new Error('the model fell over')
        },
      }),
    )
    const result = await runner.run({ numRetries: 1, retryDelayMs: 1, maxRetryDelayMs: 2 })
    expect(result.stages[0]).toMatchObject({ processed: 2, failed: 2 })
    expect(paths).toHaveLength(4) // 2 tasks × 2 attempts
    expect(new Set(paths).size).toBe(4)
    for (const path of paths) expect(existsSync(path)).toBe(false)
    expect(existsSync(dirname(paths[0]))).toBe(false) // its temporary folder too
  })

  it.skipIf(!hasFfmpeg)(
    'videoFrames() decodes frames with ffmpeg as RGB frames numbered as in the video, and stops early on break',
    async () => {
      const e = (env = await startRunnerEnv({ tasks: 1, dataType: 'video' }))
      const seen: Array<{ frame: number; width: number; height: number; bytes: number }> = []
      let limited = 0
      let firstPng = ''
      let frameCount: number | null = null
      const sampled: number[] = []
      const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
        'Agent 1',
        defineAgent({
          deps: {
            frames: videoFrames(),
            limited: videoFrames({ maxFrames: 2 }),
            sampled: videoFrames({ fps: 1 }),
            item: storageItem(),
          },
          handler: async ({ deps }) => {
            for await (const frame of deps.frames)
              seen.push({ frame: frame.frame, width: frame.width, height: frame.height, bytes: frame.data.length })
            frameCount = deps.item.frameCount
            for await (const frame of deps.sampled) sampled.push(frame.frame)
            for await (const frame of deps.limited) {
              limited++
              firstPng ||= await frame.toDataUrl()
            }
            for await (const frame of deps.frames) {
              expect((await frame.encode()).subarray(1, 4).toString()).toBe('PNG')
              break // kills ffmpeg
            }
            return seen.length === (deps.item.frameCount ?? seen.length) ? 'complete' : 'needs review'
          },
        }),
      )
      const result = await runner.run({ numRetries: 0 })
      expect(result.stages[0].errors).toEqual([])
      expect(result.stages[0].moved).toEqual({ complete: 1 })
      // The generated video (64×48, 10 frames at 5 fps): every frame, in order, at its size.
      expect(frameCount).toBe(10)
      expect(seen).toHaveLength(10)
      expect(seen.map((f) => f.frame)).toEqual(seen.map((_, i) => i))
      expect(seen.every((f) => f.width === 64 && f.height === 48)).toBe(true)
      // Sampled at 1 fps: the first frame of each second of the 2 s video, by its number in the video.
      expect(sampled).toEqual([0, 5])
      for (const f of seen) expect(f.bytes).toBe(f.width * f.height * 3)
      expect(limited).toBe(2)
      expect(firstPng).toMatch(/^data:image\/png;base64,/)
    },
  )

  it('videoFrames() without ffmpeg fails the task with how to install it, without retries', async () => {
    const e = (env = await startRunnerEnv({ tasks: 1, dataType: 'video' }))
    let calls = 0
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { frames: videoFrames({ ffmpegPath: '/nonexistent/ffmpeg' }) },
        handler: () => {
          calls++
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 3, retryDelayMs: 1 })
    expect(calls).toBe(0)
    expect(result.stages[0].errors[0]).toMatchObject({ code: 'FfmpegNotFound' })
    expect(result.stages[0].errors[0].message).toMatch(/needs ffmpeg.*apt-get install ffmpeg/)
    expect(e.requestsByEndpoint()['media']).toBe(1)
  })
})
