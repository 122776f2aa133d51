import { fail } from '../../../shared/error-catalogue/index.js'
import {
  checkFfmpeg,
  decodeVideo,
  ffmpegCommand,
  probeVideo,
  type VideoInfo,
  type VideoSelection,
} from '../../../vision/video.js'
import type { Frame } from '../../../vision/frame.js'
import { defineDependency, makeFactory } from '../dependency.js'
import { asset, type Asset } from './asset.js'

/** Options of `videoFrames()`. */
export interface VideoFramesOptions extends VideoSelection {
  /** The ffmpeg executable. @default 'ffmpeg' (from PATH), or FFMPEG_PATH */
  ffmpegPath?: string
}

/**
 * The frames of the task's video: iterate with `for await` (each iteration decodes afresh). Every
 * frame's `frame` is its number in the video, which is where its labels go.
 */
export interface VideoFrames extends AsyncIterable<Frame> {
  /** The downloaded video file. */
  asset: Asset
  /** Width, height and frame rate of the video. */
  info: VideoInfo
  /**
   * Other frames than the dependency's options: an explicit list, or another rate (Python's
   * `dep_video_sampler`).
   * @example for await (const f of deps.frames.sample({ frames: row.objects()[0].frames() })) ...
   */
  sample(selection: VideoSelection): AsyncIterable<Frame>
}

/** Storage item types whose file is a video (an image sequence's is the video made of its images). */
const VIDEO_ITEM_TYPES = new Set(['video', 'imagesequence']) // compared in lower case

/** Run once per run and ffmpeg executable: check it can be run at all. */
export async function ensureFfmpeg(ffmpegPath: string | undefined, runCache: Map<string, unknown>): Promise<string> {
  const ffmpeg = ffmpegCommand(ffmpegPath)
  const key = `ffmpeg:${ffmpeg}`
  if (runCache.get(key) !== true) {
    await checkFfmpeg(ffmpeg)
    runCache.set(key, true)
  }
  return ffmpeg
}

/** Size and rate of a downloaded video: ffprobe, else the storage item's. */
export async function videoInfoOf(ffmpeg: string, video: Asset): Promise<VideoInfo> {
  const probed = await probeVideo(ffmpeg, video.path)
  const { width, height, fps } = video.item
  if (probed !== undefined) return { ...probed, fps: probed.fps ?? fps }
  if (width === null || height === null) {
    throw fail('VideoDecodeFailed.unknownSize', { name: video.item.name })
  }
  return { width, height, fps }
}

/**
 * The frames of the task's video, decoded by the system's ffmpeg (spawned per iteration, killed when
 * the loop ends early). The video is downloaded with `asset()` and removed after the task. Without
 * options every frame; `fps` samples (the first frame of each interval); `frames` picks exact frame
 * numbers. Each frame's `frame` is its number in the video (Python's `Frame.frame`).
 *
 * @example
 * ```ts
 * defineAgent({ deps: { frames: videoFrames({ fps: 1 }), row: labelRow() }, async handler({ deps }) {
 *   for await (const f of deps.frames) for (const box of await detect(f)) deps.row.addBoundingBox('Car', box, { frames: f.frame })
 *   return 'done'
 * } })
 * ```
 */
export const videoFrames = makeFactory<VideoFramesOptions, VideoFrames>('videoFrames', (options = {}) =>
  defineDependency({
    name: 'videoFrames()',
    deps: { asset: asset() },
    async resolve({ deps, runCache }): Promise<VideoFrames> {
      const { ffmpegPath, ...selection } = options
      const video = deps.asset
      // An image would decode as a one-frame "video": almost always a mistake (frame() is for images).
      if (!VIDEO_ITEM_TYPES.has(video.item.itemType.toLowerCase())) {
        throw fail('NotAVideo', { name: video.item.name, itemType: video.item.itemType })
      }
      const ffmpeg = await ensureFfmpeg(ffmpegPath, runCache)
      const info = await videoInfoOf(ffmpeg, video)
      const sample = (chosen: VideoSelection): AsyncIterable<Frame> => ({
        [Symbol.asyncIterator]: () => decodeVideo(video.path, info, chosen, ffmpeg, video.item.name),
      })
      return {
        asset: video,
        info,
        sample,
        [Symbol.asyncIterator]: () => decodeVideo(video.path, info, selection, ffmpeg, video.item.name),
      }
    },
  }),
)
