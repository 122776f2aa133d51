import { fail } from '../shared/error-catalogue/index.js'
/**
 * Video frames decoded by the system's ffmpeg (spawned per iteration, killed when the loop stops
 * early), each with its frame number in the source video, which is where its labels go.
 *
 * Which frames: every one; an explicit list; or sampled at `fps` (the first frame of each 1/fps
 * interval). ffmpeg's `select` filter drops the others before they are converted and piped, and the
 * same rule, evaluated here with the same double arithmetic, tells which source frame each output is.
 */
import { spawn } from 'node:child_process'
import { UserError } from '../shared/errors.js'
import { Frame } from './frame.js'

/** Which frames of a video to decode. */
export interface VideoSelection {
  /** Sample this many frames per second of video (the first frame of each interval). @default every frame */
  fps?: number
  /** Exactly these source frame numbers (sorted, duplicates dropped). Takes precedence over `fps`. */
  frames?: Iterable<number>
  /** Stop after this many frames. @default all */
  maxFrames?: number
}

/** What ffprobe says about the first video stream. */
export interface VideoInfo {
  width: number
  height: number
  /** Frames per second (the stream's average rate), or `null` when unknown. */
  fps: number | null
}

/** The ffmpeg to run: the option, else FFMPEG_PATH, else `ffmpeg` from PATH. */
export function ffmpegCommand(path?: string): string {
  return path ?? process.env.FFMPEG_PATH ?? 'ffmpeg'
}

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
  return fail('FfmpegNotFound', { command }, { cause })
}

/** Check that ffmpeg runs; a clear "install ffmpeg" error otherwise. */
export async function checkFfmpeg(command: string): Promise<void> {
  try {
    const { code } = await runTool(command, ['-hide_banner', '-version'])
    if (code !== 0) throw new Error(`exit code ${code}`)
  } catch (error) {
    throw ffmpegMissing(command, error)
  }
}

function parseRate(rate: string | undefined): number | null {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(rate ?? '')
  if (m === null) return null
  const value = Number(m[1]) / Number(m[2] ?? 1)
  return Number.isFinite(value) && value > 0 ? value : null
}

/** Size and frame rate of the first video stream, with the ffprobe next to `ffmpeg`; `undefined` when it cannot tell. */
export async function probeVideo(ffmpeg: string, path: string): Promise<VideoInfo | undefined> {
  const ffprobe = ffmpeg.replace(/ffmpeg(\.exe)?$/i, (_m, exe: string | undefined) => `ffprobe${exe ?? ''}`)
  try {
    const { code, stdout } = await runTool(ffprobe, [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,avg_frame_rate,r_frame_rate',
      '-of',
      'json',
      path,
    ])
    if (code !== 0) return undefined
    const stream = (JSON.parse(stdout) as { streams?: Array<Record<string, unknown>> }).streams?.[0]
    if (stream === undefined || typeof stream['width'] !== 'number' || typeof stream['height'] !== 'number')
      return undefined
    const fps =
      parseRate(stream['avg_frame_rate'] as string | undefined) ??
      parseRate(stream['r_frame_rate'] as string | undefined)
    return { width: stream['width'], height: stream['height'], fps }
  } catch {
    return undefined
  }
}

/** Sorted, unique, checked frame numbers. */
export function frameList(frames: Iterable<number>): number[] {
  const list = [...new Set(frames)].sort((a, b) => a - b)
  const bad = list.find((f) => !Number.isInteger(f) || f < 0)
  if (bad !== undefined) throw fail('InvalidVideoFrames.frameNumber', { bad })
  return list
}

/** `[[start, end], ...]` runs of consecutive frames. */
function runs(list: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (const f of list) {
    const last = out[out.length - 1]
    if (last !== undefined && f === last[1] + 1) last[1] = f
    else out.push([f, f])
  }
  return out
}

/** More runs than this and the list is filtered here instead of by ffmpeg (its expression is evaluated for every frame). */
const MAX_SELECT_TERMS = 64

/**
 * How to pick frames: the ffmpeg `select` expression (or none: every frame reaches us), and the test
 * for decoded frame number `n`, applied to every frame we receive when ffmpeg sends them all.
 */
export interface FramePlan {
  /** ffmpeg `select` expression over `n`; `undefined` to send every frame. */
  expression: string | undefined
  /** Source frame number of each frame ffmpeg sends, in order (a generator over the selected numbers). */
  numbers: () => Iterator<number>
  /** Frames to let ffmpeg send at most (`-frames:v`). */
  limit: number | undefined
  /** For lists filtered here: whether source frame `n` is wanted. */
  wanted?: (n: number) => boolean
}

export function planFrames(selection: VideoSelection, sourceFps: number | null): FramePlan {
  const max = selection.maxFrames
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw fail('InvalidVideoFrames.maxFrames', { max })
  if (selection.frames !== undefined) {
    const list = frameList(selection.frames).slice(0, max)
    const terms = runs(list)
    const numbers = () => list[Symbol.iterator]()
    if (terms.length <= MAX_SELECT_TERMS) {
      const expression =
        terms.length === 0
          ? '0'
          : terms.map(([a, b]) => (a === b ? `eq(n\\,${a})` : `between(n\\,${a}\\,${b})`)).join('+')
      return { expression, numbers, limit: list.length }
    }
    const wanted = new Set(list)
    return {
      expression: undefined,
      numbers: everyFrame,
      limit: list.length === 0 ? 0 : list[list.length - 1] + 1,
      wanted: (n) => wanted.has(n),
    }
  }
  if (selection.fps !== undefined) {
    if (typeof selection.fps !== 'number' || !Number.isFinite(selection.fps) || selection.fps <= 0) {
      throw fail('InvalidVideoFrames.fps', { fps: JSON.stringify(selection.fps) })
    }
    if (sourceFps === null) {
      throw fail('InvalidVideoFrames.frameRateUnknown')
    }
    const ratio = selection.fps / sourceFps
    if (ratio < 1) {
      // Printed with 17 significant digits so ffmpeg parses the very same double.
      const r = ratio.toPrecision(17)
      const picked = (n: number) => n === 0 || Math.floor(n * ratio) !== Math.floor((n - 1) * ratio)
      return {
        expression: `eq(n\\,0)+not(eq(floor(n*${r})\\,floor((n-1)*${r})))`,
        numbers: function* () {
          for (let n = 0; ; n++) if (picked(n)) yield n
        },
        limit: max,
      }
    }
  }
  return { expression: undefined, numbers: everyFrame, limit: max }
}

function* everyFrame(): Iterator<number> {
  for (let n = 0; ; n++) yield n
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
      out.push(Buffer.from(all.subarray(0, frameBytes)))
      all = all.subarray(frameBytes)
    }
    pending = all.length > 0 ? [Buffer.from(all)] : []
    pendingBytes = all.length
    return out
  }
}

/**
 * Decode the selected frames of a video file as RGB frames numbered as in the source.
 * @param info the video's size and rate (from {@link probeVideo}, or the storage item)
 */
export async function* decodeVideo(
  path: string,
  info: VideoInfo,
  selection: VideoSelection,
  ffmpeg: string,
  name = path,
): AsyncGenerator<Frame> {
  const plan = planFrames(selection, info.fps)
  if (plan.limit === 0) return
  const filters = plan.expression === undefined ? [] : ['-vf', `select=${plan.expression}`]
  const limit = plan.limit === undefined ? [] : ['-frames:v', String(plan.limit)]
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-i',
    path,
    ...filters,
    '-fps_mode',
    'passthrough',
    ...limit,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ]
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d
  })
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? ffmpegMissing(ffmpeg, error) : error),
    )
    child.on('close', (code) => resolve(code))
  })
  exited.catch(() => undefined)
  const numbers = plan.numbers()
  let sent = 0
  let finished = false
  try {
    const split = rawSplitter(info.width * info.height * 3)
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const data of split(chunk)) {
        const n = numbers.next().value as number
        if (plan.wanted !== undefined && !plan.wanted(n)) continue
        yield Frame.fromRgb(data, { width: info.width, height: info.height, frame: n })
        if (selection.maxFrames !== undefined && ++sent >= selection.maxFrames) return
      }
    }
    const code = await exited
    finished = true
    if (code !== 0) throw fail('VideoDecodeFailed.ffmpegFailed', { name, stderr, code })
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGKILL')
  }
}
