import { newStorageItem, type FixtureDataUnit, type FixtureStorageItem } from './fixture.js'
import { TINY_MP3, TINY_MP4 } from './media-assets.js'
import type { Prng } from './prng.js'

/**
 * One data unit of each kind Encord's SDK knows, with its storage item(s) and generated media: what
 * `generate` (and workspace fixtures) put in a dataset. The shapes follow what Encord reports for each
 * kind (docs/emulator.md, "Data types"); sizes are small so that a fixture with every kind stays fast.
 */

/** The data kinds `generate` can make, as `--data-type` names them. */
export const GENERATED_DATA_TYPES = [
  'image',
  'video',
  'image-group',
  'image-sequence',
  'pdf',
  'audio',
  'text',
  'data-group',
] as const
export type GeneratedDataType = (typeof GENERATED_DATA_TYPES)[number]

/** Label row metadata `data_type` (UPPER case) of each kind. Image sequences are image groups to the label API. */
export const LABEL_DATA_TYPE: Record<GeneratedDataType, string> = {
  image: 'IMAGE',
  video: 'VIDEO',
  'image-group': 'IMG_GROUP',
  'image-sequence': 'IMG_GROUP',
  pdf: 'PDF',
  audio: 'AUDIO',
  text: 'PLAIN_TEXT',
  'data-group': 'GROUP',
}

/** Storage item type (`itemType`, camelCase as on the wire) of each kind's backing item. */
export const STORAGE_ITEM_TYPE: Record<GeneratedDataType, string> = {
  image: 'image',
  video: 'video',
  'image-group': 'imageGroup',
  'image-sequence': 'imageSequence',
  pdf: 'pdf',
  audio: 'audio',
  text: 'plainText',
  'data-group': 'group',
}

/** Images per generated image group / image sequence, pages per PDF. */
export const GENERATED_FRAMES = { imageGroup: 3, imageSequence: 4, pdfPages: 3 } as const
/** Frames per second of a generated image sequence's video. */
export const IMAGE_SEQUENCE_FPS = 2

export interface BuildDataUnitOptions {
  rng: Prng
  /** Storage folder of the items. */
  folder: string
  datasetHash: string
  /** Number used in names (`image-000001.png`). */
  index: number
  /** Digits of the number in names. @default 6 */
  digits?: number
  createdAt: string
  clientMetadata?: Record<string, unknown>
  /** Size of generated images (image, image group, image sequence). @default 128×96 */
  imageSize?: { width: number; height: number }
  /** Image encoding of single images. @default "png" */
  imageFormat?: 'png' | 'jpeg'
}

export interface BuiltDataUnit {
  /** The backing storage item first, then its children (image group/sequence frames, data group members). */
  items: FixtureStorageItem[]
  dataUnit: FixtureDataUnit
}

type ItemFields = Partial<FixtureStorageItem> & Pick<FixtureStorageItem, 'itemType' | 'name'>

/**
 * Make the storage item(s) and the data unit of one generated asset of `kind`. Draws the same number
 * of values from `rng` for a kind whatever the options, so fixtures stay stable.
 *
 * @example
 * const { items, dataUnit } = buildDataUnit('pdf', { rng, folder, datasetHash, index: 0, createdAt })
 */
export function buildDataUnit(kind: GeneratedDataType, options: BuildDataUnitOptions): BuiltDataUnit {
  const { rng, folder, createdAt } = options
  const n = String(options.index + 1).padStart(options.digits ?? 6, '0')
  const image = options.imageSize ?? { width: 128, height: 96 }
  const item = (fields: ItemFields) =>
    newStorageItem({ uuid: rng.uuid(), parent: folder, createdAt, lastEditedAt: createdAt, ...fields })
  const frames = (count: number, prefix: string, size: (i: number) => { width: number; height: number }) =>
    Array.from({ length: count }, (_, i) =>
      item({
        itemType: 'image',
        name: `${prefix}-frame-${i}.png`,
        mimeType: 'image/png',
        ...size(i),
        media: { generate: 'png' },
      }),
    )

  let backing: FixtureStorageItem
  let children: FixtureStorageItem[] = []
  switch (kind) {
    case 'image': {
      const jpeg = options.imageFormat === 'jpeg'
      backing = item({
        itemType: 'image',
        name: `image-${n}.${jpeg ? 'jpg' : 'png'}`,
        mimeType: jpeg ? 'image/jpeg' : 'image/png',
        ...image,
        media: { generate: jpeg ? 'jpeg' : 'png' },
      })
      break
    }
    case 'video':
      backing = item({
        itemType: 'video',
        name: `video-${n}.mp4`,
        mimeType: 'video/mp4',
        width: TINY_MP4.width,
        height: TINY_MP4.height,
        frameCount: TINY_MP4.frameCount,
        fps: TINY_MP4.fps,
        duration: TINY_MP4.duration,
        media: { generate: 'mp4' },
      })
      break
    case 'image-group':
      // Images of a group may differ in size (Encord reports no size for the group itself).
      backing = item({ itemType: 'imageGroup', name: `image-group-${n}`, frameCount: GENERATED_FRAMES.imageGroup })
      children = frames(GENERATED_FRAMES.imageGroup, `image-group-${n}`, (i) => ({
        width: Math.max(8, image.width - 16 * i),
        height: Math.max(8, image.height - 8 * i),
      }))
      break
    case 'image-sequence': {
      const count = GENERATED_FRAMES.imageSequence
      backing = item({
        itemType: 'imageSequence',
        name: `image-sequence-${n}`,
        mimeType: 'video/mp4',
        ...image,
        frameCount: count,
        fps: IMAGE_SEQUENCE_FPS,
        duration: count / IMAGE_SEQUENCE_FPS,
        media: { generate: 'mp4' },
      })
      children = frames(count, `image-sequence-${n}`, () => image)
      break
    }
    case 'pdf':
      backing = item({
        itemType: 'pdf',
        name: `document-${n}.pdf`,
        mimeType: 'application/pdf',
        frameCount: GENERATED_FRAMES.pdfPages,
        media: { generate: 'pdf' },
      })
      break
    case 'audio':
      backing = item(audioFields(`audio-${n}.mp3`))
      break
    case 'text':
      backing = item({
        itemType: 'plainText',
        name: `text-${n}.txt`,
        mimeType: 'text/plain',
        media: { generate: 'txt' },
      })
      break
    case 'data-group':
      backing = item({ itemType: 'group', name: `data-group-${n}` })
      children = [
        item(audioFields(`data-group-${n}-audio.mp3`)),
        item({
          itemType: 'plainText',
          name: `data-group-${n}-text.txt`,
          mimeType: 'text/plain',
          media: { generate: 'txt' },
        }),
      ]
      break
  }
  backing.clientMetadata = options.clientMetadata ?? {}
  backing.children = children.map((c) => c.uuid)
  const dataUnit: FixtureDataUnit = {
    dataHash: rng.uuid(),
    dataTitle: backing.name,
    dataType: LABEL_DATA_TYPE[kind],
    datasetHash: options.datasetHash,
    backingItemUuid: backing.uuid,
    width: backing.width,
    height: backing.height,
    numberOfFrames: backing.frameCount ?? 1,
    fps: backing.fps,
    duration: backing.duration,
    fileType: backing.mimeType,
    dataLink: null,
  }
  return { items: children.length === 0 ? [backing] : [backing, ...children], dataUnit }
}

function audioFields(name: string): ItemFields {
  return {
    itemType: 'audio',
    name,
    mimeType: 'audio/mpeg',
    duration: TINY_MP3.duration,
    audioSampleRate: TINY_MP3.sampleRate,
    audioBitDepth: TINY_MP3.bitDepth,
    audioCodec: TINY_MP3.codec,
    audioNumChannels: TINY_MP3.channels,
    media: { generate: 'mp3' },
  }
}
