import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeFrames, decodeImage, meanAbsDiff, pdfInfo, probe } from '../helpers/media-check.js'
import { toolAvailable } from '../helpers/system-tools.js'
import { parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import type { LabelRowMetadata, StorageItem } from '../../src/encord/types.js'
import { LabelRow } from '../../src/labels/label-row.js'
import {
  GENERATED_DATA_TYPES,
  LABEL_DATA_TYPE,
  STORAGE_ITEM_TYPE,
  type GeneratedDataType,
} from '../../src/emulator/data-types.js'
import type { Fixture } from '../../src/emulator/fixture.js'
import { generateFixture } from '../../src/emulator/generate.js'
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js'
import { generatePdf, generateText, generateWav } from '../../src/emulator/media-generate.js'
import { signedRequest } from '../../src/emulator/testing.js'

const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
const withFfmpeg = toolAvailable('ffmpeg', 'emulator video and audio decoding')

let fixture: Fixture
let emulator: EmulatorHandle
let client: EncordClient
let projectHash: string
/** Label row metadata and backing storage item of each kind. */
const byKind = new Map<GeneratedDataType, { meta: LabelRowMetadata; item: StorageItem }>()

async function download(url: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  const res = await request(url)
  return {
    status: res.statusCode,
    type: String(res.headers['content-type']),
    bytes: Buffer.from(await res.body.arrayBuffer()),
  }
}

async function childItems(item: StorageItem): Promise<StorageItem[]> {
  const res = await signedRequest(
    emulator.domain,
    key,
    'GET',
    `/v2/public/storage/folders/${item.parent}/items/${item.uuid}/child-items?signUrls=True`,
  )
  expect(res.status).toBe(200)
  return (res.json.results as Array<Record<string, unknown>>).map(
    (r) => ({ ...r, signedUrl: r.signedUrl }) as unknown as StorageItem,
  )
}

beforeAll(async () => {
  // One data unit of each kind (`mixed` cycles through them in GENERATED_DATA_TYPES order).
  fixture = generateFixture({
    tasks: GENERATED_DATA_TYPES.length,
    dataType: 'mixed',
    seed: 16,
    labelledFraction: 0,
    users: [{ email: 'a@b', publicKeyHex: key.publicKeyHex }],
  })
  projectHash = fixture.projects[0].projectHash
  emulator = await startEmulator({ fixture, inMemory: true })
  client = new EncordClient({ key, domain: emulator.domain })
  const metadata = await client.listLabelRowMetadata(projectHash, {
    includeClientMetadata: true,
    includeImagesData: true,
  })
  const items = await client.getStorageItems(
    metadata.map((m) => m.backingItemUuid!),
    { signUrls: true },
  )
  GENERATED_DATA_TYPES.forEach((kind, i) => {
    const meta = metadata.find((m) => m.dataHash === fixture.projects[0].dataUnits[i].dataHash)!
    byKind.set(kind, { meta, item: items.find((it) => it.uuid === meta.backingItemUuid)! })
  })
})

afterAll(async () => {
  await client?.close()
  await emulator?.stop()
})

describe('every data type: metadata, storage items, label rows', () => {
  it('label row metadata and storage items have each kind’s type, size, frames and audio fields', () => {
    for (const kind of GENERATED_DATA_TYPES) {
      const { meta, item } = byKind.get(kind)!
      expect(meta.dataType, kind).toBe(LABEL_DATA_TYPE[kind])
      expect(item.itemType, kind).toBe(STORAGE_ITEM_TYPE[kind])
    }
    expect(byKind.get('video')!.meta).toMatchObject({ numberOfFrames: 10, fps: 5, width: 64, height: 48 })
    expect(byKind.get('image-group')!.meta.numberOfFrames).toBe(3)
    expect(byKind.get('image-sequence')!.meta).toMatchObject({ numberOfFrames: 4, width: 128, height: 96 })
    expect(byKind.get('pdf')!.meta.numberOfFrames).toBe(3)
    expect(byKind.get('audio')!.meta.raw).toMatchObject({
      audio_codec: 'mp3',
      audio_sample_rate: 44100,
      audio_num_channels: 1,
      audio_bit_depth: 16,
    })
    expect(byKind.get('audio')!.item.raw).toMatchObject({
      audioCodec: 'mp3',
      audioSampleRate: 44100,
      audioNumChannels: 1,
    })
    // Image groups list one image per frame; a data group its spaces (one per member).
    expect((byKind.get('image-group')!.meta.raw.images_data as unknown[]).length).toBe(3)
    const spaces = byKind.get('data-group')!.meta.raw.spaces as Record<
      string,
      { space_type: string; child_info: { file_name: string } }
    >
    expect(Object.values(spaces).map((s) => s.space_type)).toEqual(['audio', 'text'])
  })

  it('items with a file of their own have a signed URL; image groups and data groups do not, their children do', async () => {
    for (const kind of GENERATED_DATA_TYPES) {
      const { item } = byKind.get(kind)!
      if (kind === 'image-group' || kind === 'data-group') expect(item.signedUrl, kind).toBeNull()
      else expect(item.signedUrl, kind).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_emulator\/media\//)
    }
    const frames = await childItems(byKind.get('image-group')!.item)
    expect(frames.map((f) => f.itemType)).toEqual(['image', 'image', 'image'])
    const first = decodeImage((await download(frames[0].signedUrl!)).bytes)
    expect([first.width, first.height]).toEqual([frames[0].width, frames[0].height])
    const members = await childItems(byKind.get('data-group')!.item)
    expect(members.map((m) => m.itemType)).toEqual(['audio', 'plainText'])
    for (const member of members) expect((await download(member.signedUrl!)).status).toBe(200)
  })

  it('initialises an empty label row for every kind, which the label model loads and saves back unchanged', async () => {
    const metas = GENERATED_DATA_TYPES.map((k) => byKind.get(k)!.meta)
    const created = await client.createLabelRows(
      projectHash,
      metas.map((m) => m.dataHash),
      { includeSignedUrl: true },
    )
    expect(created).toHaveLength(GENERATED_DATA_TYPES.length)
    const ontology = (await client.getProject(projectHash)).ontology
    for (const [i, kind] of GENERATED_DATA_TYPES.entries()) {
      const dict = created.find((d) => d.data_hash === metas[i].dataHash)!
      expect(dict.data_type, kind).toBe(LABEL_DATA_TYPE[kind].toLowerCase())
      const row = new LabelRow(dict, { ontology, metadata: metas[i] })
      expect(row.objects(), kind).toEqual([])
      const units = Object.values(dict.data_units as Record<string, Record<string, unknown>>)
      if (kind === 'image-group' || kind === 'image-sequence') {
        expect(
          units.map((u) => u.data_sequence),
          kind,
        ).toEqual(kind === 'image-group' ? ['0', '1', '2'] : ['0', '1', '2', '3'])
        for (const u of units) expect(u.data_link, kind).toMatch(/\/_emulator\/media\//) // each frame signed
      }
      if (kind === 'audio')
        expect(units[0]).toMatchObject({
          data_type: 'audio/mpeg',
          labels: {},
          audio_codec: 'mp3',
          audio_sample_rate: 44100,
          data_duration: 1,
        })
      if (kind === 'text') expect(units[0]).toMatchObject({ data_type: 'text/plain', labels: {} })
      if (kind === 'pdf')
        expect(units[0]).toMatchObject({ data_type: 'application/pdf', labels: {}, width: 0, height: 0 })
      if (kind === 'data-group') {
        expect(units[0]).toMatchObject({ data_type: 'group', labels: {} })
        expect(Object.values(dict.spaces as Record<string, { space_type: string }>).map((s) => s.space_type)).toEqual([
          'audio',
          'text',
        ])
      }
    }
    // Saved back as loaded, and read back identical.
    await client.saveLabelRows(
      projectHash,
      created.map((d) => ({ labelHash: String(d.label_hash), labelRow: new LabelRow(d, { ontology }).toDict() })),
    )
    const again = await client.getLabelRows(
      projectHash,
      created.map((d) => String(d.label_hash)),
    )
    for (const d of again) {
      const before = created.find((c) => c.label_hash === d.label_hash)!
      expect({ units: Object.keys(d.data_units as object), spaces: d.spaces }).toEqual({
        units: Object.keys(before.data_units as object),
        spaces: before.spaces,
      })
    }
  })
})

describe('every data type: the served media decodes', () => {
  it('images: PNG and JPEG of the item’s size', async () => {
    const { item } = byKind.get('image')!
    const png = await download(item.signedUrl!)
    expect(png.type).toBe('image/png')
    expect(decodeImage(png.bytes)).toMatchObject({ format: 'png', width: item.width, height: item.height })
    const f = generateFixture({
      tasks: 1,
      seed: 3,
      imageSize: { width: 40, height: 30 },
      users: [{ email: 'a@b', publicKeyHex: key.publicKeyHex }],
    })
    Object.assign(f.storageItems[0], { name: 'a.jpg', mimeType: 'image/jpeg', media: { generate: 'jpeg' } })
    const e = await startEmulator({ fixture: f, inMemory: true })
    try {
      const res = await signedRequest(
        e.domain,
        key,
        'GET',
        `/v2/public/storage/items/${f.storageItems[0].uuid}?signUrl=True`,
      )
      const jpeg = await download(res.json.signedUrl)
      expect(jpeg.type).toBe('image/jpeg')
      expect(decodeImage(jpeg.bytes)).toMatchObject({ format: 'jpeg', width: 40, height: 30 })
    } finally {
      await e.stop()
    }
  })

  it('PDF: the item’s page count, read by an independent parser', async () => {
    const { item, meta } = byKind.get('pdf')!
    const pdf = await download(item.signedUrl!)
    expect(pdf.type).toBe('application/pdf')
    expect(await pdfInfo(pdf.bytes)).toMatchObject({
      pages: meta.numberOfFrames,
      sizes: [
        { width: 612, height: 792 },
        { width: 612, height: 792 },
        { width: 612, height: 792 },
      ],
    })
    expect((await pdfInfo(generatePdf(12, 'a (tricky) title\\', { width: 300, height: 200 }))).pages).toBe(12)
  })

  it('plain text and WAV are made in code', async () => {
    const text = await download(byKind.get('text')!.item.signedUrl!)
    expect(text.type).toMatch(/^text\/plain/)
    expect(text.bytes.toString('utf8')).toMatch(/^text-000007\.txt\n\n1\. The /)
    expect(generateText('t', 'seed').equals(generateText('t', 'seed'))).toBe(true)
    const wav = generateWav(0.5, 'seed', 8000, 2)
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF')
    expect(wav.length).toBe(44 + 4000 * 2 * 2)
  })

  it.skipIf(!withFfmpeg)('video: H.264 without B-frames, the item’s frame count, fps and size', async () => {
    const { item, meta } = byKind.get('video')!
    const video = await download(item.signedUrl!)
    expect(video.type).toBe('video/mp4')
    const stream = probe(video.bytes, 'v.mp4')
    expect(stream).toMatchObject({
      codec_name: 'h264',
      width: item.width,
      height: item.height,
      r_frame_rate: `${item.fps}/1`,
      has_b_frames: 0,
      nb_read_frames: String(meta.numberOfFrames),
    })
  })

  it.skipIf(!withFfmpeg)('image sequence: a video whose frame n is child image n', async () => {
    const { item } = byKind.get('image-sequence')!
    const video = await download(item.signedUrl!)
    expect(probe(video.bytes, 's.mp4')).toMatchObject({
      codec_name: 'h264',
      width: 128,
      height: 96,
      nb_read_frames: '4',
      r_frame_rate: '2/1',
    })
    const frames = decodeFrames(video.bytes, 's.mp4', 128, 96)
    const children = await childItems(item)
    expect(children).toHaveLength(4)
    for (const [i, child] of children.entries()) {
      const image = decodeImage((await download(child.signedUrl!)).bytes)
      expect(meanAbsDiff(frames[i], image.rgb), `frame ${i}`).toBeLessThan(6) // lossy, but the same picture
      if (i > 0)
        expect(meanAbsDiff(frames[i], decodeImage((await download(children[0].signedUrl!)).bytes).rgb)).toBeGreaterThan(
          6,
        )
    }
  })

  it.skipIf(!withFfmpeg)('audio: MP3 at the item’s sample rate and channels, about its duration', async () => {
    const { item } = byKind.get('audio')!
    const audio = await download(item.signedUrl!)
    expect(audio.type).toBe('audio/mpeg')
    const stream = probe(audio.bytes, 'a.mp3')
    expect(stream).toMatchObject({ codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 1 })
    expect(Math.abs(Number(stream.duration) - item.duration!)).toBeLessThan(0.1)
  })
})
