import { execFile } from 'node:child_process'
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, isAbsolute, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { crc32, deflateSync } from 'node:zlib'
import { TINY_MP4 } from './media-assets.js'
import type { StorageItemRecord } from './state.js'

/**
 * Media bytes of storage items, served unauthenticated at signed URLs (spec §6.13), and the URL
 * signing itself. Sources (fixture `media`): a file relative to the fixture, base64 bytes, or small
 * generated media (a PNG of the item's size; an MP4 made with ffmpeg when installed, else a built-in
 * 64×48 clip).
 */

const execFileAsync = promisify(execFile)

/** Signed URLs stay valid this long (real signed URLs expire too). */
export const SIGNED_URL_TTL_SECONDS = 3600
export const MEDIA_PREFIX = '/_emulator/media'

export interface MediaBytes {
  body: Buffer
  contentType: string
}

export class MediaStore {
  readonly #secret = randomBytes(32)
  readonly #baseDir: string
  readonly #now: () => number
  readonly #cache = new Map<string, MediaBytes>()
  #ffmpeg: Promise<boolean> | null = null

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
    const media = item.media ?? defaultMedia(item)
    if (!media) return null
    const key = `${item.uuid}:${JSON.stringify(media)}:${item.width}x${item.height}`
    const cached = this.#cache.get(key)
    if (cached) return cached
    let out: MediaBytes
    if ('path' in media) {
      const file = isAbsolute(media.path) ? media.path : resolve(this.#baseDir, media.path)
      out = { body: await readFile(file), contentType: item.mimeType ?? mimeFromExtension(file) }
    } else if ('base64' in media) {
      out = { body: Buffer.from(media.base64, 'base64'), contentType: item.mimeType ?? 'application/octet-stream' }
    } else if (media.generate === 'png') {
      out = { body: generatePng(item.width ?? 64, item.height ?? 48, item.uuid), contentType: 'image/png' }
    } else {
      out = { body: await this.#mp4(item), contentType: 'video/mp4' }
    }
    if (this.#cache.size > 256) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(key, out)
    return out
  }

  async #mp4(item: StorageItemRecord): Promise<Buffer> {
    const width = even(item.width ?? TINY_MP4.width)
    const height = even(item.height ?? TINY_MP4.height)
    const fps = item.fps ?? TINY_MP4.fps
    const frames = item.frameCount ?? TINY_MP4.frameCount
    const isTiny = width === TINY_MP4.width && height === TINY_MP4.height && fps === TINY_MP4.fps && frames === TINY_MP4.frameCount
    if (isTiny || width > 1920 || height > 1080 || frames > 600 || !(await this.#hasFfmpeg())) return Buffer.from(TINY_MP4.base64, 'base64')
    return makeMp4(width, height, fps, frames).catch(() => Buffer.from(TINY_MP4.base64, 'base64'))
  }

  #hasFfmpeg(): Promise<boolean> {
    this.#ffmpeg ??= execFileAsync('ffmpeg', ['-hide_banner', '-version'], { timeout: 5000 }).then(
      () => true,
      () => false,
    )
    return this.#ffmpeg
  }
}

function defaultMedia(item: StorageItemRecord): StorageItemRecord['media'] | null {
  if (item.itemType === 'image') return { generate: 'png' }
  if (item.itemType === 'video') return { generate: 'mp4' }
  return null
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2)
}

/** An MP4 (H.264 or MPEG-4 part 2) of ffmpeg's test pattern, made in a temp dir. */
async function makeMp4(width: number, height: number, fps: number, frames: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'encord-emulator-'))
  const out = join(dir, 'clip.mp4')
  const input = ['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`, '-frames:v', String(frames)]
  try {
    try {
      await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...input, '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', out], { timeout: 30_000 })
    } catch {
      await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...input, '-c:v', 'mpeg4', out], { timeout: 30_000 })
    }
    return await readFile(out)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
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

/**
 * A small RGB PNG: a diagonal gradient whose colours come from `seed` (so each item looks different)
 * with a darker block in the middle, which gives detectors and tests something to find.
 */
export function generatePng(width: number, height: number, seed: string): Buffer {
  const w = Math.max(1, Math.min(4096, Math.round(width)))
  const h = Math.max(1, Math.min(4096, Math.round(height)))
  const c = createHash('sha256').update(seed).digest()
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1)
    raw[row] = 0 // filter: none
    for (let x = 0; x < w; x++) {
      const t = (x / w + y / h) / 2
      const inBlock = x > w / 3 && x < (2 * w) / 3 && y > h / 3 && y < (2 * h) / 3
      const k = inBlock ? 0.35 : 1
      const o = row + 1 + x * 3
      raw[o] = Math.round((c[0] * (1 - t) + c[3] * t) * k)
      raw[o + 1] = Math.round((c[1] * (1 - t) + c[4] * t) * k)
      raw[o + 2] = Math.round((c[2] * (1 - t) + c[5] * t) * k)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type: RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0)
  return Buffer.concat([head, data, crc])
}
