import { fail } from '../../../shared/error-catalogue/index.js'
import { readFile } from 'node:fs/promises'
import { Frame } from '../../../vision/frame.js'
import { decodeVideo } from '../../../vision/video.js'
import { UserError } from '../../../shared/errors.js'
import { defineDependency, makeFactory } from '../dependency.js'
import type { TaskResolveContext } from '../types.js'
import { downloadToTemp, removeDownload, signedUrlOf } from './asset.js'
import { storageItem, type TaskStorageItem } from './storage-item.js'
import { ensureFfmpeg, videoInfoOf } from './video-frames.js'

/** Options of `frame()`. */
export interface FrameOptions {
  /** Which frame: the video frame, or the image's index in an image group. @default 0 */
  frame?: number
  /** The ffmpeg executable, for videos. @default 'ffmpeg' (from PATH), or FFMPEG_PATH */
  ffmpegPath?: string
}

/** Item types (compared in lower case: fixtures and older payloads write `IMAGE`, Encord `image`). */
const VIDEO_TYPES = new Set(['video', 'imagesequence'])

function frameOutOfRange(item: TaskStorageItem, frame: number, count: number | null): UserError {
  return fail('FrameOutOfRange.noSuchFrame', { name: item.name, frame, count })
}

/** One frame of an image, a video or an image group, decoded (downloads go to a temp folder, removed before returning). */
export async function loadFrame(
  ctx: Pick<TaskResolveContext<unknown, unknown>, 'client' | 'signal' | 'runCache'>,
  item: TaskStorageItem,
  options: FrameOptions,
): Promise<Frame> {
  const n = options.frame ?? 0
  if (!Number.isInteger(n) || n < 0) throw fail('FrameOutOfRange.frameArgument', { n })
  const type = item.itemType.toLowerCase()
  if (type === 'image') {
    if (n !== 0) throw frameOutOfRange(item, n, 1)
    const file = await downloadToTemp(ctx.client, item, await signedUrlOf(ctx.client, item), ctx.signal)
    try {
      return await Frame.decode(await readFile(file.path), { name: `"${item.name}"` })
    } finally {
      await removeDownload(file.path)
    }
  }
  if (VIDEO_TYPES.has(type)) {
    const ffmpeg = await ensureFfmpeg(options.ffmpegPath, ctx.runCache)
    const file = await downloadToTemp(ctx.client, item, await signedUrlOf(ctx.client, item), ctx.signal)
    try {
      const info = await videoInfoOf(ffmpeg, { ...file, item })
      for await (const frame of decodeVideo(file.path, info, { frames: [n] }, ffmpeg, item.name)) return frame
      throw frameOutOfRange(item, n, item.frameCount)
    } finally {
      await removeDownload(file.path)
    }
  }
  throw fail('FrameUnavailable', { name: item.name, itemType: item.itemType })
}

/**
 * The decoded image of the task: the image of an image task, or one frame of a video (`frame`,
 * default 0). RGB pixels with their size, encodable to PNG/JPEG, base64 and `data:` URLs, and usable
 * with the OpenAI and Anthropic message helpers (Python's `dep_single_frame`).
 *
 * @example
 * ```ts
 * defineAgent({ deps: { image: frame(), row: labelRow() }, async handler({ deps }) {
 *   const reply = await anthropic.messages.create({ model, max_tokens: 512,
 *     messages: [await anthropicUserMessage('List the cars as boxes.', [deps.image])] })
 *   ...
 * } })
 * ```
 */
export const frame = makeFactory<FrameOptions, Frame>('frame', (options = {}) =>
  defineDependency({
    name: 'frame()',
    deps: { item: storageItem() },
    resolve: (ctx) => loadFrame(ctx, ctx.deps.item, options),
  }),
)
