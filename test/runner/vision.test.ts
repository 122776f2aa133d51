import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { frame } from '../../src/core/deps/builtins/frame.js'
import { labelRow } from '../../src/core/deps/builtins/label-row.js'
import { objectCrops } from '../../src/core/deps/builtins/object-crops.js'
import { ontology } from '../../src/core/deps/builtins/ontology.js'
import { videoFrames } from '../../src/core/deps/builtins/video-frames.js'
import { ontologySchema } from '../../src/labels/ontology-answer.js'
import { Runner } from '../../src/core/runner/runner.js'
import type { Frame } from '../../src/vision/frame.js'
import { anthropicImagePart, openaiImagePart } from '../../src/vision/messages.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { toolAvailable } from '../helpers/system-tools.js'
import {
  frameNumberOf,
  imageFixture,
  numberedVideo,
  PATCHES,
  patchesImage,
  readBack,
  videoFixture,
} from '../helpers/vision-media.js'

const hasFfmpeg = toolAvailable('ffmpeg', 'video frames by number')

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})
const dir = mkdtempSync(join(tmpdir(), 'vision-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A stand-in for a detector: boxes (normalised) around strongly red or blue pixels. */
function detect(image: Frame): Array<{ box: { x: number; y: number; w: number; h: number }; score: number }> {
  const out = []
  for (const wanted of [0, 2]) {
    let minX = Infinity,
      minY = Infinity,
      maxX = -1,
      maxY = -1
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const p = image.pixel(x, y)
        if (p[wanted] > 180 && p[2 - wanted] < 80) {
          minX = Math.min(minX, x)
          maxX = Math.max(maxX, x)
          minY = Math.min(minY, y)
          maxY = Math.max(maxY, y)
        }
      }
    }
    if (maxX >= 0)
      out.push({
        box: {
          x: minX / image.width,
          y: minY / image.height,
          w: (maxX - minX + 1) / image.width,
          h: (maxY - minY + 1) / image.height,
        },
        score: 0.9,
      })
  }
  return out
}

/** Mean colour of a crop → the Colour option. */
function colourOf(image: Frame): 'Red' | 'Blue' {
  let r = 0,
    b = 0
  for (let i = 0; i < image.data.length; i += 3) {
    r += image.data[i]
    b += image.data[i + 2]
  }
  return r > b ? 'Red' : 'Blue'
}

describe('vision agents on real media', () => {
  it('frame() decodes the task image (JPEG); a detector writes boxes; objectCrops() classifies each box with padding', async () => {
    const jpeg = await patchesImage('jpeg')
    const e = (env = await startRunnerEnv({
      fixture: imageFixture(jpeg, 'image/jpeg', { stages: ['Detect', 'Classify'] }),
    }))
    const seen: Array<Record<string, unknown>> = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client })
      .stage(
        'Detect',
        defineAgent({
          deps: { image: frame(), row: labelRow() },
          async handler({ deps }) {
            const { image } = deps
            seen.push({
              width: image.width,
              height: image.height,
              bytes: image.data.length,
              mimeType: image.mimeType,
              frame: image.frame,
            })
            seen.push({
              openai: await openaiImagePart(image),
              anthropic: await anthropicImagePart(image, { format: 'png' }),
            })
            for (const d of detect(image))
              deps.row.addBoundingBox('Box', d.box, { confidence: d.score, manualAnnotation: false })
            return { pathway: 'complete', labelRow: deps.row }
          },
        }),
      )
      .stage(
        'Classify',
        defineAgent({
          deps: { crops: objectCrops({ objects: ['Box'], padding: 4 }), row: labelRow() },
          async handler({ deps }) {
            for (const crop of deps.crops) {
              seen.push({
                box: crop.box,
                crop: [crop.image.width, crop.image.height],
                frame: crop.frame,
                corner: crop.image.pixel(0, 0),
              })
              crop.instance.setAnswer('Colour', colourOf(crop.image))
            }
            return { pathway: 'complete', labelRow: deps.row }
          },
        }),
      )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages.map((s) => s.errors)).toEqual([[], []])
    expect(seen[0]).toEqual({ width: 128, height: 96, bytes: 128 * 96 * 3, mimeType: 'image/jpeg', frame: 0 })
    // The message parts carry the image: the JPEG as served, or re-encoded as PNG when asked.
    const parts = seen[1] as {
      openai: { image_url: { url: string } }
      anthropic: { source: { media_type: string; data: string } }
    }
    expect(parts.openai.image_url.url).toBe(`data:image/jpeg;base64,${jpeg.toString('base64')}`)
    expect(parts.anthropic.source.media_type).toBe('image/png')
    expect(Buffer.from(parts.anthropic.source.data, 'base64').subarray(1, 4).toString()).toBe('PNG')
    // Each crop is the object's box (as the detector found it, within a JPEG pixel) plus 4 pixels of grey around it.
    const crops = seen.slice(2) as Array<{
      box: { left: number; top: number; width: number; height: number }
      crop: number[]
      corner: number[]
    }>
    expect(crops).toHaveLength(2)
    for (const [i, p] of PATCHES.entries()) {
      expect(Math.abs(crops[i].box.left - p.left)).toBeLessThanOrEqual(1)
      expect(Math.abs(crops[i].box.width - p.width)).toBeLessThanOrEqual(2)
      expect(crops[i].crop[0]).toBeGreaterThanOrEqual(p.width + 6)
      expect(crops[i].corner.every((c) => Math.abs(c - 128) < 16)).toBe(true) // padding is background
    }
    // Read back from the emulator: two boxes where the patches are, each answered with its colour.
    const row = await readBack(e.client, e.projectHash, e.fixture.projects[0].dataUnits[0].dataHash)
    const boxes = row.objects().map((o) => ({
      colour: (o.getAnswer('Colour') as { label: string } | undefined)?.label,
      box: o.coordinates(0) as unknown as { x: number; w: number },
      confidence: o.annotation(0)!.confidence,
    }))
    expect(boxes.map((b) => b.colour)).toEqual(['Red', 'Blue'])
    for (const [i, p] of PATCHES.entries()) {
      // JPEG blurs colour edges by a pixel (chroma subsampling)
      expect(Math.abs(boxes[i].box.x * 128 - p.left)).toBeLessThanOrEqual(1)
      expect(Math.abs(boxes[i].box.w * 128 - p.width)).toBeLessThanOrEqual(2)
      expect(boxes[i].confidence).toBe(0.9)
    }
  })

  it("ontologySchema(): a model answers in the ontology's schema, the answer becomes labels, read back as the same answer", async () => {
    const e = (env = await startRunnerEnv({ fixture: imageFixture(await patchesImage('png'), 'image/png') }))
    const answers: unknown[] = []
    /** A stand-in for an LLM with structured output: gets the JSON Schema and the image, answers JSON text. */
    const model = async (jsonSchema: Record<string, unknown>, image: Frame): Promise<string> => {
      expect(Object.keys(jsonSchema['properties'] as object)).toEqual(['objects', 'classifications'])
      const objects = detect(image).map((d, i) => ({
        object: 'Box',
        box: d.box,
        colour: i === 0 ? 'Red' : 'Blue',
        note: `patch ${i}`,
      }))
      return JSON.stringify({
        objects,
        classifications: { weather: 'Sunny', image_issues: [], caption: 'two patches' },
      })
    }
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { image: frame(), row: labelRow(), ontology: ontology() },
        async handler({ deps }) {
          const schema = ontologySchema(deps.ontology, { objects: ['Box'] })
          const reply = await model(schema.jsonSchema, deps.image)
          answers.push(JSON.parse(reply))
          schema.addTo(deps.row, reply, { confidence: 0.8 })
          return { pathway: 'complete', labelRow: deps.row }
        },
      }),
    )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages[0].errors).toEqual([])
    const project = await e.client.getProject(e.projectHash)
    const row = await readBack(e.client, e.projectHash, e.fixture.projects[0].dataUnits[0].dataHash)
    expect(row.objects().map((o) => o.annotation(0)!.confidence)).toEqual([0.8, 0.8])
    expect(ontologySchema(project.ontology, { objects: ['Box'] }).answerOf(row)).toEqual(answers[0])
  })

  it('frame() of a PNG task is the exact pixels; frame 1 of an image is refused clearly', async () => {
    const png = await patchesImage('png')
    const e = (env = await startRunnerEnv({ fixture: imageFixture(png, 'image/png') }))
    let pixel: number[] = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({ deps: { image: frame(), second: frame({ frame: 1 }) }, handler: () => 'complete' }),
    )
    const failed = await runner.run({ numRetries: 0 })
    expect(failed.stages[0].errors[0]).toMatchObject({ code: 'FrameOutOfRange' })
    expect(failed.stages[0].errors[0].message).toMatch(/has no frame 1 \(it has 1 frame, from 0\)/)
    const ok = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { image: frame() },
        handler: async ({ deps }) => {
          pixel = deps.image.pixel(PATCHES[1].left + 1, PATCHES[1].top + 1)
          expect(await deps.image.encode()).toEqual(png)
          return 'complete'
        },
      }),
    )
    expect((await ok.run({ numRetries: 0 })).stages[0].errors).toEqual([])
    expect(pixel).toEqual(PATCHES[1].rgb)
  })
})

describe.skipIf(!hasFfmpeg)('video frames by their number in the video', () => {
  it('frame({ frame }), videoFrames({ fps }), videoFrames({ frames }) and sample() give source frame numbers; labels land on them', async () => {
    const video = numberedVideo(join(dir, 'numbered.mp4'))
    const e = (env = await startRunnerEnv({ fixture: videoFixture(video) }))
    const got: Record<string, Array<[number, number]>> = { single: [], fps: [], list: [], sample: [] }
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: {
          seventeen: frame({ frame: 17 }),
          sampled: videoFrames({ fps: 2 }),
          listed: videoFrames({ frames: [29, 3, 12, 12] }),
          row: labelRow(),
        },
        async handler({ deps }) {
          got.single.push([deps.seventeen.frame, frameNumberOf(deps.seventeen.data)])
          for await (const f of deps.sampled) {
            got.fps.push([f.frame, frameNumberOf(f.data)])
            deps.row.addBoundingBox(
              'Box',
              { x: 0.1, y: 0.1, w: 0.2, h: 0.2 },
              { frames: f.frame, confidence: frameNumberOf(f.data) / 100 },
            )
          }
          for await (const f of deps.listed) got.list.push([f.frame, frameNumberOf(f.data)])
          for await (const f of deps.sampled.sample({ frames: [1, 28] }))
            got.sample.push([f.frame, frameNumberOf(f.data)])
          return { pathway: 'complete', labelRow: deps.row }
        },
      }),
    )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages[0].errors).toEqual([])
    // Each frame shows its own number: decoded and numbered alike.
    expect(got.single).toEqual([[17, 17]])
    expect(got.fps).toEqual([0, 5, 10, 15, 20, 25].map((n) => [n, n]))
    expect(got.list).toEqual([3, 12, 29].map((n) => [n, n]))
    expect(got.sample).toEqual([
      [1, 1],
      [28, 28],
    ])
    // The labels written on f.frame are on the frames whose pixels showed that number.
    const row = await readBack(e.client, e.projectHash, e.fixture.projects[0].dataUnits[0].dataHash)
    const written = row.objects().map((o) => [o.frames()[0], Math.round(o.annotation(o.frames()[0])!.confidence * 100)])
    expect(written).toEqual([0, 5, 10, 15, 20, 25].map((n) => [n, n]))
  })

  it('frame() past the end of the video fails the task with the frame count', async () => {
    const video = numberedVideo(join(dir, 'numbered.mp4'))
    const e = (env = await startRunnerEnv({ fixture: videoFixture(video) }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({ deps: { f: frame({ frame: 30 }) }, handler: () => 'complete' }),
    )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages[0].errors[0]).toMatchObject({ code: 'FrameOutOfRange' })
    expect(result.stages[0].errors[0].message).toMatch(/has no frame 30 \(it has 30 frames, from 0\)/)
  })
})
