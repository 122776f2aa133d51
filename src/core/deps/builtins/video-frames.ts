import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { deflateSync } from 'node:zlib'
import { UserError } from '../../errors.js'
import { defineDependency, makeFactory } from '../dependency.js'
import { asset, type Asset } from './asset.js'

/** One decoded frame. */
export interface VideoFrame {
  /** 0-based index among the frames produced (after `fps` sampling). */
  index: number
  width: number
  height: number
  /** `rgb24`: width × height × 3 bytes, row by row. `png`: a complete PNG file. */
  data: Buffer
  format: 'rgb24' | 'png'
}

/** Options of `videoFrames()`. */
export interface VideoFramesOptions {
  /** Pixel format of `data`. @default 'rgb24' */
  format?: 'rgb24' | 'png'
  /** Sample this many frames per second instead of every frame. @default every frame */
  fps?: number
  /** Stop after this many frames. @default all */
  maxFrames?: number
  /** The ffmpeg executable. @default 'ffmpeg' (from PATH), or FFMPEG_PATH */
  ffmpegPath?: string
}

/** The frames of the task's video: iterate with `for await`. Each iteration decodes afresh. */
export interface VideoFrames extends AsyncIterable<VideoFrame> {
  /** The downloaded video file. */
  asset: Asset
}

const INSTALL_HINT =
  'Install ffmpeg and make sure it is on PATH (or set FFMPEG_PATH): Debian/Ubuntu `sudo apt-get install ffmpeg`, ' +
  'macOS `brew install ffmpeg`, Windows `winget install ffmpeg`.'

/** Run a tool and collect its output; ENOENT becomes a clear "install ffmpeg" error. */
function runTool(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let child
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (error) {
      reject(error)
      return
    }
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function ffmpegMissing(command: string, cause: unknown): UserError {
  return new UserError('FfmpegNotFound', `videoFrames() needs ffmpeg, and "${command}" could not be run.`, { hint: INSTALL_HINT, cause })
}

/** Check ffmpeg can run (once per run). */
async function checkFfmpeg(command: string): Promise<void> {
  try {
    const { code } = await runTool(command, ['-hide_banner', '-version'])
    if (code !== 0) throw new Error(`exit code ${code}`)
  } catch (error) {
    throw ffmpegMissing(command, error)
  }
}

/** Width and height of the first video stream (ffprobe next to ffmpeg). */
async function probeSize(ffmpeg: string, path: string): Promise<{ width: number; height: number } | undefined> {
  const ffprobe = ffmpeg.replace(/ffmpeg(\.exe)?$/i, (_m, exe: string | undefined) => `ffprobe${exe ?? ''}`)
  try {
    const { code, stdout } = await runTool(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', path])
    const match = /^(\d+)x(\d+)/.exec(stdout.trim())
    if (code === 0 && match !== null) return { width: Number(match[1]), height: Number(match[2]) }
  } catch {
    // no ffprobe: fall back to the storage item's dimensions
  }
  return undefined
}

/** Decode frames with a spawned ffmpeg, killing it when the iteration stops early. */
async function* decode(asset: Asset, options: VideoFramesOptions, ffmpeg: string): AsyncGenerator<VideoFrame> {
  const format = options.format ?? 'rgb24'
  let size: { width: number; height: number } | undefined
  if (format === 'rgb24') {
    size = (await probeSize(ffmpeg, asset.path)) ?? (asset.item.width !== null && asset.item.height !== null ? { width: asset.item.width, height: asset.item.height } : undefined)
    if (size === undefined) throw new Error(`Could not read the dimensions of ${asset.path} (ffprobe failed and the storage item has none).`)
  }
  const filters = options.fps !== undefined ? ['-vf', `fps=${options.fps}`] : []
  const output = format === 'rgb24' ? ['-f', 'rawvideo', '-pix_fmt', 'rgb24'] : ['-f', 'image2pipe', '-c:v', 'png']
  const limit = options.maxFrames !== undefined ? ['-frames:v', String(options.maxFrames)] : []
  const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', asset.path, ...filters, ...limit, ...output, 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? ffmpegMissing(ffmpeg, error) : error))
    child.on('close', (code) => resolve(code))
  })
  exited.catch(() => undefined)
  let index = 0
  let finished = false
  try {
    const splitter = format === 'rgb24' ? rawSplitter(size!.width * size!.height * 3) : pngSplitter()
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const data of splitter(chunk)) {
        const dims = format === 'png' ? pngSize(data) : size!
        yield { index: index++, width: dims.width, height: dims.height, data, format }
      }
    }
    const code = await exited
    finished = true
    if (code !== 0) throw new Error(`ffmpeg could not decode ${asset.item.name}: ${stderr.trim() || `exit code ${code}`}`)
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGKILL')
  }
}

/** Cut a byte stream into fixed-size frames. */
function rawSplitter(frameBytes: number): (chunk: Buffer) => Buffer[] {
  let pending: Buffer[] = []
  let pendingBytes = 0
  return (chunk) => {
    pending.push(chunk)
    pendingBytes += chunk.length
    const out: Buffer[] = []
    if (pendingBytes < frameBytes) return out
    let all = Buffer.concat(pending, pendingBytes)
    while (all.length >= frameBytes) {
      out.push(all.subarray(0, frameBytes))
      all = all.subarray(frameBytes)
    }
    pending = all.length > 0 ? [Buffer.from(all)] : []
    pendingBytes = all.length
    return out
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Cut a stream of concatenated PNG files at each IEND chunk. */
function pngSplitter(): (chunk: Buffer) => Buffer[] {
  let buffer: Buffer = Buffer.alloc(0)
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    const out: Buffer[] = []
    for (;;) {
      if (buffer.length < 8) break
      let offset = 8
      let end = -1
      while (offset + 8 <= buffer.length) {
        const length = buffer.readUInt32BE(offset)
        const type = buffer.toString('latin1', offset + 4, offset + 8)
        const next = offset + 12 + length
        if (next > buffer.length) break
        offset = next
        if (type === 'IEND') {
          end = next
          break
        }
      }
      if (end < 0) break
      out.push(Buffer.from(buffer.subarray(0, end)))
      buffer = buffer.subarray(end)
    }
    return out
  }
}

function pngSize(data: Buffer): { width: number; height: number } {
  // IHDR is the first chunk: width and height right after its type.
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function crc32(buffer: Buffer): number {
  let crc = 0xffffffff
  for (let i = 0; i < buffer.length; i++) crc = CRC_TABLE[(crc ^ buffer[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A frame as a PNG file (rgb24 frames are encoded; png frames are returned as they are). */
export function frameToPng(frame: VideoFrame): Buffer {
  if (frame.format === 'png') return frame.data
  const { width, height, data } = frame
  const stride = width * 3
  const raw = Buffer.alloc((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0 // filter: none
    data.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: truecolour
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))])
}

function sniffMime(data: Buffer): string {
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png'
  if (data[0] === 0xff && data[1] === 0xd8) return 'image/jpeg'
  if (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp'
  if (data.toString('latin1', 0, 3) === 'GIF') return 'image/gif'
  return 'application/octet-stream'
}

/** Base64 of a frame (as PNG), an image buffer, or an image file, for model prompts. */
export async function toBase64(input: VideoFrame | Buffer | { path: string }): Promise<string> {
  return (await bytesOf(input)).toString('base64')
}

/**
 * A `data:` URL of a frame (as PNG), an image buffer or an image file, e.g. for a vision model's
 * `image_url`.
 * @example const url = await toDataUrl(frame)
 */
export async function toDataUrl(input: VideoFrame | Buffer | { path: string }, mimeType?: string): Promise<string> {
  const bytes = await bytesOf(input)
  return `data:${mimeType ?? sniffMime(bytes)};base64,${bytes.toString('base64')}`
}

async function bytesOf(input: VideoFrame | Buffer | { path: string }): Promise<Buffer> {
  if (Buffer.isBuffer(input)) return input
  if ('format' in input && 'data' in input) return frameToPng(input)
  return readFile(input.path)
}

/**
 * The frames of the task's video, decoded by the system's ffmpeg (spawned per iteration, killed when
 * the loop ends early). The video is downloaded with `asset()` and removed after the task.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { frames: videoFrames({ fps: 1 }) }, async handler({ deps }) {
 *   for await (const frame of deps.frames) if (await hasCar(frame)) return 'has car'
 *   return 'no car'
 * } })
 * ```
 */
export const videoFrames = makeFactory<VideoFramesOptions, VideoFrames>('videoFrames', (options = {}) =>
  defineDependency({
    name: 'videoFrames()',
    deps: { asset: asset() },
    async resolve({ deps, runCache }): Promise<VideoFrames> {
      const ffmpeg = options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg'
      const key = `ffmpeg:${ffmpeg}`
      if (runCache.get(key) !== true) {
        await checkFfmpeg(ffmpeg)
        runCache.set(key, true)
      }
      const video = deps.asset
      return {
        asset: video,
        [Symbol.asyncIterator]: () => decode(video, options, ffmpeg),
      }
    },
  }),
)
