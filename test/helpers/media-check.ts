import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import jpeg from 'jpeg-js'
import { PDFDocument } from 'pdf-lib'

/**
 * Decoding checks for served media, each with an independent decoder: ffprobe/ffmpeg for video and
 * audio (what OpenCV's video backend is built on), jpeg-js for JPEG, zlib for PNG, pdf-lib for PDF.
 * Tests that need ffmpeg check `toolAvailable('ffmpeg', …)` (test/helpers/system-tools.ts) first.
 */

function withFile<T>(bytes: Buffer, name: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'media-check-'))
  try {
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return fn(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface ProbedStream {
  codec_name: string
  codec_type: 'video' | 'audio'
  profile?: string
  width?: number
  height?: number
  r_frame_rate?: string
  has_b_frames?: number
  nb_read_frames?: string
  sample_rate?: string
  channels?: number
  duration?: string
}

/** ffprobe of the first stream, frames counted by decoding (`-count_frames`). */
export function probe(bytes: Buffer, name: string): ProbedStream {
  return withFile(bytes, name, (path) => {
    const out = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_name,codec_type,profile,width,height,r_frame_rate,has_b_frames,nb_read_frames,sample_rate,channels,duration',
        '-of',
        'json',
        path,
      ],
      { encoding: 'utf8' },
    )
    return (JSON.parse(out) as { streams: ProbedStream[] }).streams[0]
  })
}

/** Every frame of a video decoded by ffmpeg as RGB24. */
export function decodeFrames(bytes: Buffer, name: string, width: number, height: number): Buffer[] {
  return withFile(bytes, name, (path) => {
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
      maxBuffer: 256 * 1024 * 1024,
    })
    const size = width * height * 3
    return Array.from({ length: Math.floor(raw.length / size) }, (_, i) => raw.subarray(i * size, (i + 1) * size))
  })
}

/** Width, height and RGB pixels of a PNG (8-bit RGB, as the emulator makes them) or a JPEG. */
export function decodeImage(bytes: Buffer): { format: 'png' | 'jpeg'; width: number; height: number; rgb: Buffer } {
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') {
    const width = bytes.readUInt32BE(16)
    const height = bytes.readUInt32BE(20)
    const idat: Buffer[] = []
    for (let offset = 8; offset < bytes.length;) {
      const length = bytes.readUInt32BE(offset)
      if (bytes.toString('latin1', offset + 4, offset + 8) === 'IDAT')
        idat.push(bytes.subarray(offset + 8, offset + 8 + length))
      offset += 12 + length
    }
    const raw = inflateSync(Buffer.concat(idat))
    const rgb = Buffer.alloc(width * height * 3)
    for (let y = 0; y < height; y++) raw.copy(rgb, y * width * 3, y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1))
    return { format: 'png', width, height, rgb }
  }
  const decoded = jpeg.decode(bytes, { formatAsRGBA: false })
  return { format: 'jpeg', width: decoded.width, height: decoded.height, rgb: decoded.data }
}

/** Mean absolute difference of two same-size RGB buffers (0 = identical, 255 = opposite). */
export function meanAbsDiff(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i])
  return sum / a.length
}

/** Page count and page sizes (points) of a PDF, read by pdf-lib's parser. */
export async function pdfInfo(
  bytes: Buffer,
): Promise<{ pages: number; sizes: Array<{ width: number; height: number }> }> {
  const doc = await PDFDocument.load(bytes, { throwOnInvalidObject: true })
  return { pages: doc.getPageCount(), sizes: doc.getPages().map((p) => p.getSize()) }
}
