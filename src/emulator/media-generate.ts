import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { crc32, deflateSync } from 'node:zlib'
import jpeg from 'jpeg-js'

/**
 * Small, real, decodable test media for every data type the emulator serves: PNG and JPEG images of
 * any size, PDFs of any page count, plain text and WAV audio are made here in code; H.264 MP4 videos and
 * MP3 audio need an encoder, so they are made with ffmpeg (the callers fall back to the built-in clips
 * of media-assets.ts when it is missing). Every generator is deterministic for its seed.
 */

const execFileAsync = promisify(execFile)

/** Largest generated image side (pixels); bigger requests are clamped. */
export const MAX_IMAGE_SIDE = 4096

function clampSide(n: number): number {
  return Math.max(1, Math.min(MAX_IMAGE_SIDE, Math.round(n)))
}

/**
 * An RGB test pattern (3 bytes a pixel, row by row): a diagonal gradient whose colours come from `seed`
 * (so each item looks different) with a darker block in the middle, which gives detectors and tests
 * something to find.
 */
export function testPattern(
  width: number,
  height: number,
  seed: string,
): { width: number; height: number; rgb: Buffer } {
  const w = clampSide(width)
  const h = clampSide(height)
  const c = createHash('sha256').update(seed).digest()
  const rgb = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = (x / w + y / h) / 2
      const inBlock = x > w / 3 && x < (2 * w) / 3 && y > h / 3 && y < (2 * h) / 3
      const k = inBlock ? 0.35 : 1
      const o = (y * w + x) * 3
      rgb[o] = Math.round((c[0] * (1 - t) + c[3] * t) * k)
      rgb[o + 1] = Math.round((c[1] * (1 - t) + c[4] * t) * k)
      rgb[o + 2] = Math.round((c[2] * (1 - t) + c[5] * t) * k)
    }
  }
  return { width: w, height: h, rgb }
}

/** A PNG (8-bit RGB) of the test pattern. */
export function generatePng(width: number, height: number, seed: string): Buffer {
  const { width: w, height: h, rgb } = testPattern(width, height, seed)
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0 // filter: none
    rgb.copy(raw, y * (w * 3 + 1) + 1, y * w * 3, (y + 1) * w * 3)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0)
  return Buffer.concat([head, data, crc])
}

/** A baseline JPEG of the test pattern (jpeg-js, quality 85). */
export function generateJpeg(width: number, height: number, seed: string): Buffer {
  const { width: w, height: h, rgb } = testPattern(width, height, seed)
  const rgba = Buffer.alloc(w * h * 4, 255)
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i]
    rgba[j + 1] = rgb[i + 1]
    rgba[j + 2] = rgb[i + 2]
  }
  return jpeg.encode({ data: rgba, width: w, height: h }, 85).data
}

/** Largest generated PDF, in pages. */
export const MAX_PDF_PAGES = 500

/**
 * A PDF 1.4 of `pages` pages (US Letter unless a size in points is given), each with a frame, a shaded
 * block and "<title>: page i of n" in Helvetica (a standard font: nothing embedded). Every reader opens
 * it; the cross-reference table has exact offsets.
 */
export function generatePdf(
  pages: number,
  title: string,
  size: { width?: number | null; height?: number | null } = {},
): Buffer {
  const n = Math.max(1, Math.min(MAX_PDF_PAGES, Math.round(pages)))
  const w = Math.max(72, Math.round(size.width ?? 612))
  const h = Math.max(72, Math.round(size.height ?? 792))
  const text = pdfString(title.replace(/[^\x20-\x7e]/g, '?').slice(0, 80))
  const objects: string[] = []
  // 1: catalog, 2: page tree, 3: font; then per page: page, content stream.
  const kids = Array.from({ length: n }, (_, i) => `${4 + i * 2} 0 R`).join(' ')
  objects.push('<< /Type /Catalog /Pages 2 0 R >>')
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${n} >>`)
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>')
  for (let i = 0; i < n; i++) {
    const content = [
      `0.2 w 20 20 ${w - 40} ${h - 40} re S`,
      `0.85 g ${Math.round(w / 3)} ${Math.round(h / 3)} ${Math.round(w / 3)} ${Math.round(h / 3)} re f 0 g`,
      `BT /F1 14 Tf 40 ${h - 60} Td (${text}: page ${i + 1} of ${n}) Tj ET`,
    ].join('\n')
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`,
    )
    objects.push(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`)
  }
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'
  const offsets: number[] = []
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'))
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = Buffer.byteLength(out, 'latin1')
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

function pdfString(s: string): string {
  return s.replace(/[\\()]/g, (c) => `\\${c}`)
}

const WORDS = [
  'agent',
  'label',
  'frame',
  'stage',
  'pathway',
  'review',
  'ontology',
  'object',
  'box',
  'task',
  'workflow',
  'annotation',
  'dataset',
  'storage',
  'item',
  'model',
]

/** A few lines of plain UTF-8 text, different per seed (a title line, then numbered sentences). */
export function generateText(title: string, seed: string, lines = 8): Buffer {
  const c = createHash('sha256').update(seed).digest()
  const out = [`${title}`, '']
  for (let i = 0; i < lines; i++) {
    const words = Array.from({ length: 6 + (c[i % 32] % 6) }, (_, j) => WORDS[c[(i * 7 + j) % 32] % WORDS.length])
    out.push(`${i + 1}. The ${words.join(' ')}.`)
  }
  return Buffer.from(out.join('\n') + '\n', 'utf8')
}

/** Longest generated audio, seconds. */
export const MAX_AUDIO_SECONDS = 600

/** A 16-bit PCM WAV of a tone (pitch from the seed) of `seconds`, at `sampleRate` Hz on `channels`. */
export function generateWav(seconds: number, seed: string, sampleRate = 16_000, channels = 1): Buffer {
  const rate = Math.max(8000, Math.min(96_000, Math.round(sampleRate)))
  const ch = Math.max(1, Math.min(8, Math.round(channels)))
  const frames = Math.max(1, Math.round(Math.min(MAX_AUDIO_SECONDS, Math.max(0, seconds)) * rate))
  const pitch = 220 + (createHash('sha256').update(seed).digest()[0] % 32) * 20
  const data = Buffer.alloc(frames * ch * 2)
  for (let i = 0; i < frames; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * pitch * i) / rate) * 0.3 * 32767)
    for (let k = 0; k < ch; k++) data.writeInt16LE(v, (i * ch + k) * 2)
  }
  const head = Buffer.alloc(44)
  head.write('RIFF', 0, 'ascii')
  head.writeUInt32LE(36 + data.length, 4)
  head.write('WAVEfmt ', 8, 'ascii')
  head.writeUInt32LE(16, 16) // fmt chunk size
  head.writeUInt16LE(1, 20) // PCM
  head.writeUInt16LE(ch, 22)
  head.writeUInt32LE(rate, 24)
  head.writeUInt32LE(rate * ch * 2, 28) // byte rate
  head.writeUInt16LE(ch * 2, 32) // block align
  head.writeUInt16LE(16, 34) // bits per sample
  head.write('data', 36, 'ascii')
  head.writeUInt32LE(data.length, 40)
  return Buffer.concat([head, data])
}

// ---------------------------------------------------------------------------------------------------
// made with ffmpeg

let ffmpegAvailable: Promise<boolean> | null = null

/** Whether `ffmpeg` runs (checked once per process). */
export function hasFfmpeg(): Promise<boolean> {
  ffmpegAvailable ??= execFileAsync('ffmpeg', ['-hide_banner', '-version'], { timeout: 5000 }).then(
    () => true,
    () => false,
  )
  return ffmpegAvailable
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'encord-emulator-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * H.264 (Constrained Baseline: no B-frames, a keyframe every second, so frame-accurate seeking works in
 * OpenCV and ffmpeg alike), yuv420p, exact frame count and fps. MPEG-4 part 2 when libx264 is missing.
 */
const H264 = [
  '-pix_fmt',
  'yuv420p',
  '-c:v',
  'libx264',
  '-profile:v',
  'baseline',
  '-bf',
  '0',
  '-preset',
  'veryfast',
  '-crf',
  '30',
  '-movflags',
  '+faststart',
]

function h264Args(fps: number): string[] {
  return [...H264, '-g', String(Math.max(1, Math.round(fps)))]
}

/** An MP4 of ffmpeg's `testsrc` pattern at this size, fps and frame count. */
export function makeMp4(width: number, height: number, fps: number, frames: number): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const out = join(dir, 'clip.mp4')
    const input = ['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`, '-frames:v', String(frames)]
    try {
      await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...input, ...h264Args(fps), out], {
        timeout: 60_000,
      })
    } catch {
      await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...input, '-c:v', 'mpeg4', out], {
        timeout: 60_000,
      })
    }
    return readFile(out)
  })
}

/**
 * An MP4 whose frames are the given RGB images, in order (an image sequence's video: Encord builds it
 * from the sequence's images). All frames must have the size given.
 */
export function makeMp4FromFrames(width: number, height: number, fps: number, frames: Buffer[]): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const out = join(dir, 'sequence.mp4')
    const input = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0']
    const encode = (codec: string[]) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...input, ...codec, out], {
          stdio: ['pipe', 'ignore', 'pipe'],
        })
        let stderr = ''
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 2000)))
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          if (code === 0) resolve()
          else reject(new Error(`ffmpeg exited ${code}: ${stderr.trim()}`))
        })
        child.stdin.on('error', () => undefined) // ffmpeg exiting early surfaces through `close`
        for (const frame of frames) child.stdin.write(frame)
        child.stdin.end()
      })
    try {
      await encode(h264Args(fps))
    } catch {
      await encode(['-c:v', 'mpeg4'])
    }
    return readFile(out)
  })
}

/** An MP3 (libmp3lame) of a tone of `seconds`, at `sampleRate` Hz on `channels`. */
export function makeMp3(seconds: number, seed: string, sampleRate = 44_100, channels = 1): Promise<Buffer> {
  const pitch = 220 + (createHash('sha256').update(seed).digest()[0] % 32) * 20
  return withTempDir(async (dir) => {
    const out = join(dir, 'audio.mp3')
    const duration = Math.min(MAX_AUDIO_SECONDS, Math.max(0.1, seconds))
    await execFileAsync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=${pitch}:sample_rate=${sampleRate}:duration=${duration}`,
        '-ac',
        String(channels),
        '-c:a',
        'libmp3lame',
        '-b:a',
        '32k',
        out,
      ],
      { timeout: 60_000 },
    )
    return readFile(out)
  })
}
