import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { extname, isAbsolute, resolve } from 'node:path'
import { TINY_MP3, TINY_MP4 } from './media-assets.js'
import {
  generateJpeg,
  generatePdf,
  generatePng,
  generateText,
  generateWav,
  hasFfmpeg,
  makeMp3,
  makeMp4,
  makeMp4FromFrames,
  MAX_AUDIO_SECONDS,
  testPattern,
} from './media-generate.js'
import type { StorageItemRecord } from './state.js'

export { generatePng } from './media-generate.js'

/**
 * Media bytes of storage items, served unauthenticated at signed URLs (spec §6.13), and the URL
 * signing itself. Sources (fixture `media`): a file relative to the fixture, base64 bytes, or small
 * generated media of the item's kind (media-generate.ts): PNG/JPEG images of the item's size, MP4
 * videos (an image sequence's is made from its child images), MP3/WAV audio, PDFs, plain text.
 */

/** Signed URLs stay valid this long (real signed URLs expire too). */
export const SIGNED_URL_TTL_SECONDS = 3600
export const MEDIA_PREFIX = '/_emulator/media'

/** Generated videos bigger than this (or longer) are served as the built-in clip instead. */
const MAX_GENERATED_VIDEO = { width: 1920, height: 1080, frames: 600 }

export interface MediaBytes {
  body: Buffer
  contentType: string
}

export type GeneratedMediaKind = 'png' | 'jpeg' | 'mp4' | 'mp3' | 'wav' | 'pdf' | 'txt'

/** Storage item types that have no file of their own (their children do). */
const WITHOUT_MEDIA = new Set(['imageGroup', 'group', 'dicomSeries', 'scene'])

/**
 * What an item without a `media` entry serves: generated media of its kind, or nothing for items
 * without a file of their own (image groups, data groups, DICOM series, scenes) and unknown kinds.
 */
export function defaultMediaKind(item: Pick<StorageItemRecord, 'itemType' | 'mimeType'>): GeneratedMediaKind | null {
  if (WITHOUT_MEDIA.has(item.itemType)) return null
  switch (item.itemType) {
    case 'image':
      return item.mimeType === 'image/jpeg' ? 'jpeg' : 'png'
    case 'video':
    case 'imageSequence':
      return 'mp4'
    case 'audio':
      return item.mimeType === 'audio/wav' || item.mimeType === 'audio/x-wav' ? 'wav' : 'mp3'
    case 'pdf':
      return 'pdf'
    case 'plainText':
      return 'txt'
    default:
      return null
  }
}

/** Whether an item has a file of its own to download (so a signed URL): image groups and data groups do not. */
export function hasOwnMedia(item: Pick<StorageItemRecord, 'itemType' | 'media'>): boolean {
  return item.media !== undefined || !WITHOUT_MEDIA.has(item.itemType)
}

const CONTENT_TYPES: Record<GeneratedMediaKind, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
}

export class MediaStore {
  readonly #secret = randomBytes(32)
  readonly #baseDir: string
  readonly #now: () => number
  readonly #cache = new Map<string, MediaBytes>()

  constructor(baseDir: string, now: () => number) {
    this.#baseDir = baseDir
    this.#now = now
  }

  /** A signed download URL for an item, on `origin` (e.g. `http://127.0.0.1:4010`). */
  signedUrl(origin: string, item: StorageItemRecord): string {
    const expires = Math.floor(this.#now() / 1000) + SIGNED_URL_TTL_SECONDS
    return `${origin}${MEDIA_PREFIX}/${item.uuid}/${encodeURIComponent(item.name)}?expires=${expires}&sig=${this.#sign(item.uuid, expires)}`
  }

  /** Check a signed URL's query; returns a reason when it is not valid. */
  checkSignature(itemUuid: string, expires: string | undefined, sig: string | undefined): string | null {
    if (!expires || !sig || !/^\d+$/.test(expires)) return 'missing or malformed signature'
    const expected = Buffer.from(this.#sign(itemUuid, Number(expires)))
    const got = Buffer.from(sig)
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return 'bad signature'
    if (Number(expires) < this.#now() / 1000) return 'signed URL expired'
    return null
  }

  #sign(itemUuid: string, expires: number): string {
    return createHmac('sha256', this.#secret).update(`${itemUuid}:${expires}`).digest('base64url').slice(0, 32)
  }

  /** The bytes of an item (cached), or null when the item has no media. */
  async bytes(item: StorageItemRecord): Promise<MediaBytes | null> {
    const kind = defaultMediaKind(item)
    const media = item.media ?? (kind === null ? null : { generate: kind })
    if (!media) return null
    const key = `${item.uuid}:${JSON.stringify(media)}:${item.width}x${item.height}:${item.fps}:${item.frameCount}:${item.duration}:${item.children.length}`
    const cached = this.#cache.get(key)
    if (cached) return cached
    let out: MediaBytes
    if ('path' in media) {
      const file = isAbsolute(media.path) ? media.path : resolve(this.#baseDir, media.path)
      out = { body: await readFile(file), contentType: item.mimeType ?? mimeFromExtension(file) }
    } else if ('base64' in media) {
      out = { body: Buffer.from(media.base64, 'base64'), contentType: item.mimeType ?? 'application/octet-stream' }
    } else {
      out = { body: await this.#generate(media.generate, item), contentType: CONTENT_TYPES[media.generate] }
    }
    if (this.#cache.size > 256) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(key, out)
    return out
  }

  async #generate(kind: GeneratedMediaKind, item: StorageItemRecord): Promise<Buffer> {
    switch (kind) {
      case 'png':
        return generatePng(item.width ?? 64, item.height ?? 48, item.uuid)
      case 'jpeg':
        return generateJpeg(item.width ?? 64, item.height ?? 48, item.uuid)
      case 'pdf':
        // Page count: the item's frame count (Encord reports a PDF's pages as its frames).
        return generatePdf(item.frameCount ?? 1, item.name, { width: item.width, height: item.height })
      case 'txt':
        return generateText(item.name, item.uuid)
      case 'wav':
        return generateWav(item.duration ?? 1, item.uuid, item.audioSampleRate ?? 16_000, item.audioNumChannels ?? 1)
      case 'mp3':
        return this.#mp3(item)
      case 'mp4':
        return item.itemType === 'imageSequence' && item.children.length > 0 ? this.#sequenceMp4(item) : this.#mp4(item)
    }
  }

  async #mp4(item: StorageItemRecord): Promise<Buffer> {
    const width = even(item.width ?? TINY_MP4.width)
    const height = even(item.height ?? TINY_MP4.height)
    const fps = item.fps ?? TINY_MP4.fps
    const frames = item.frameCount ?? TINY_MP4.frameCount
    const isTiny =
      width === TINY_MP4.width && height === TINY_MP4.height && fps === TINY_MP4.fps && frames === TINY_MP4.frameCount
    if (isTiny || !fitsGeneratedVideo(width, height, frames) || !(await hasFfmpeg()))
      return Buffer.from(TINY_MP4.base64, 'base64')
    return makeMp4(width, height, fps, frames).catch(() => Buffer.from(TINY_MP4.base64, 'base64'))
  }

  /**
   * An image sequence's video: one frame per child image, each the picture generated for that child
   * (so frame n shows what child n serves when the children are generated; children with media files
   * of their own are not decoded for this).
   */
  async #sequenceMp4(item: StorageItemRecord): Promise<Buffer> {
    const width = even(item.width ?? TINY_MP4.width)
    const height = even(item.height ?? TINY_MP4.height)
    if (!fitsGeneratedVideo(width, height, item.children.length) || !(await hasFfmpeg())) return this.#mp4(item)
    const frames = item.children.map((uuid) => testPattern(width, height, uuid).rgb)
    return makeMp4FromFrames(width, height, item.fps ?? 1, frames).catch(() => this.#mp4(item))
  }

  async #mp3(item: StorageItemRecord): Promise<Buffer> {
    const seconds = item.duration ?? TINY_MP3.duration
    const rate = item.audioSampleRate ?? TINY_MP3.sampleRate
    const channels = item.audioNumChannels ?? TINY_MP3.channels
    const isTiny = seconds === TINY_MP3.duration && rate === TINY_MP3.sampleRate && channels === TINY_MP3.channels
    if (isTiny || seconds > MAX_AUDIO_SECONDS || !(await hasFfmpeg())) return Buffer.from(TINY_MP3.base64, 'base64')
    return makeMp3(seconds, item.uuid, rate, channels).catch(() => Buffer.from(TINY_MP3.base64, 'base64'))
  }
}

function fitsGeneratedVideo(width: number, height: number, frames: number): boolean {
  return (
    width <= MAX_GENERATED_VIDEO.width &&
    height <= MAX_GENERATED_VIDEO.height &&
    frames <= MAX_GENERATED_VIDEO.frames &&
    frames > 0
  )
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2)
}

const MIME_BY_EXT: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo',
  '.mkv': 'video/x-matroska',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.dcm': 'application/dicom',
}

export function mimeFromExtension(file: string): string {
  return MIME_BY_EXT[extname(file).toLowerCase()] ?? 'application/octet-stream'
}
