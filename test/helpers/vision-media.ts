import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import sharp from 'sharp'
import type { Fixture } from '../../src/emulator/fixture.js'
import { generateFixture } from '../../src/emulator/generate.js'
import type { EncordClient } from '../../src/encord/client.js'
import { LabelRow } from '../../src/labels/label-row.js'
import { Ontology } from '../../src/labels/ontology.js'

/** Real media for vision tests, made here with independent encoders (sharp, ffmpeg). */

/** A rectangle of colour on the test image, in pixels. */
export interface Patch {
  colour: 'Red' | 'Blue'
  rgb: [number, number, number]
  left: number
  top: number
  width: number
  height: number
}

/** 128 × 96 grey image with a red and a blue rectangle. */
export const PATCHES: Patch[] = [
  { colour: 'Red', rgb: [220, 20, 20], left: 16, top: 16, width: 32, height: 48 },
  { colour: 'Blue', rgb: [20, 20, 220], left: 80, top: 32, width: 32, height: 48 },
]

/** The test image as a JPEG (or PNG): what the "camera" took. */
export async function patchesImage(format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const width = 128
  const height = 96
  const rgb = Buffer.alloc(width * height * 3, 128)
  for (const p of PATCHES) {
    for (let y = p.top; y < p.top + p.height; y++)
      for (let x = p.left; x < p.left + p.width; x++) rgb.set(p.rgb, (y * width + x) * 3)
  }
  const image = sharp(rgb, { raw: { width, height, channels: 3 } })
  return format === 'jpeg' ? image.jpeg({ quality: 92 }).toBuffer() : image.png().toBuffer()
}

/** One image task whose media is `bytes` (served by the emulator as the item's file). */
export function imageFixture(
  bytes: Buffer,
  mimeType: string,
  options: { stages?: string[]; tasks?: number } = {},
): Fixture {
  const fixture = generateFixture({
    tasks: options.tasks ?? 1,
    stages: options.stages,
    labelledFraction: 0,
    imageSize: { width: 128, height: 96 },
  })
  for (const item of fixture.storageItems) {
    item.media = { base64: bytes.toString('base64') }
    item.mimeType = mimeType
    item.name = item.name.replace(/\.png$/, mimeType === 'image/jpeg' ? '.jpg' : '.png')
  }
  return fixture
}

/** Grey level of video frame `n` in {@link numberedVideo}: each frame says its own number. */
export const greyOf = (n: number) => 16 + n * 6

/**
 * A 64 × 48 H.264 video, 10 fps, 30 frames; frame n is uniformly grey with luma {@link greyOf}(n),
 * encoded losslessly, so a decoded frame tells which source frame it is.
 */
export function numberedVideo(path: string): string {
  if (!existsSync(path)) {
    const filter = `geq=lum='${greyOf(0)}+N*6':cb=128:cr=128`
    execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'color=c=black:s=64x48:r=10:d=3',
        '-vf',
        filter,
        '-c:v',
        'libx264',
        '-qp',
        '0',
        '-pix_fmt',
        'yuv420p',
        path,
      ],
      { timeout: 60_000 },
    )
  }
  return path
}

/** The frame number a decoded grey frame shows (its luma back through the limited-range RGB conversion). */
export function frameNumberOf(rgb: Buffer): number {
  const grey = rgb[Math.floor(rgb.length / 6) * 3] // a pixel in the middle
  const luma = 16 + (grey * 219) / 255
  return Math.round((luma - greyOf(0)) / 6)
}

/** One video task whose media is the file at `path` (10 fps, 30 frames, 64 × 48). */
export function videoFixture(path: string, options: { stages?: string[] } = {}): Fixture {
  const fixture = generateFixture({ tasks: 1, stages: options.stages, dataType: 'video', labelledFraction: 0 })
  const item = fixture.storageItems[0]
  Object.assign(item, { media: { path }, width: 64, height: 48, fps: 10, frameCount: 30, duration: 3 })
  Object.assign(fixture.projects[0].dataUnits[0], { width: 64, height: 48, fps: 10, numberOfFrames: 30, duration: 3 })
  return fixture
}

/** A data unit's label row as the emulator now holds it, read back through the client and parsed. */
export async function readBack(client: EncordClient, projectHash: string, dataHash: string): Promise<LabelRow> {
  const project = await client.getProject(projectHash)
  const [metadata] = await client.listLabelRowMetadata(projectHash, { dataHashes: [dataHash] })
  if (metadata.labelHash === null) throw new Error(`no label row for ${dataHash}`)
  const [dict] = await client.getLabelRows(projectHash, [metadata.labelHash])
  return LabelRow.fromDict(dict, { ontology: Ontology.from(project.ontology), metadata })
}
