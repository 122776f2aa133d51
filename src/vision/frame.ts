import { fail } from '../shared/error-catalogue/index.js'
/**
 * A decoded image: an image task's media, a video frame, an image of an image group, or a crop of
 * one. Pixels are 8-bit RGB row by row (Python's `Frame.content`, an `[h, w, 3]` array, flattened);
 * encoding to PNG/JPEG, base64 and `data:` URLs is on demand.
 */
import { sniffImageMimeType } from '../labels/media.js'
import { decodeImage, encodeImage, MIME_OF, type EncodeOptions, type ImageFormat } from './codec.js'

/** A rectangle in pixels; `left`/`top` is its top-left corner. */
export interface PixelBox {
  left: number
  top: number
  width: number
  height: number
}

function formatOfMime(mime: string | undefined): ImageFormat | undefined {
  return mime === 'image/png' ? 'png' : mime === 'image/jpeg' ? 'jpeg' : undefined
}

/**
 * One decoded frame.
 *
 * @example
 * ```ts
 * const { width, height, data } = deps.frame          // data: width × height × 3 bytes (RGB)
 * const url = await deps.frame.toDataUrl({ format: 'jpeg' })
 * ```
 */
export class Frame {
  /** The frame number in the source media: 0 for an image, the video frame, or the image's index in its group. */
  readonly frame: number
  readonly width: number
  readonly height: number
  /** RGB pixels, `width × height × 3` bytes, row by row. */
  readonly data: Buffer
  /**
   * The media type `toBase64()` and `toDataUrl()` give without a `format`: the source's own
   * (`image/jpeg` or `image/png`) for an image decoded from such a file, else `image/png`.
   */
  readonly mimeType: string
  /** The encoded bytes this frame was decoded from, when PNG or JPEG: returned as they are. */
  readonly #source: Buffer | undefined

  private constructor(
    data: Buffer,
    width: number,
    height: number,
    frame: number,
    source?: Buffer,
    sourceMime?: string,
  ) {
    this.data = data
    this.width = width
    this.height = height
    this.frame = frame
    const sourceFormat = formatOfMime(sourceMime)
    this.#source = sourceFormat === undefined ? undefined : source
    this.mimeType = sourceFormat === undefined ? MIME_OF.png : MIME_OF[sourceFormat]
  }

  /**
   * Decode an image file's bytes (JPEG, PNG, WebP, GIF, TIFF, AVIF).
   * @param options.frame the frame number to record (an image group's index) @default 0
   * @param options.name names the image in errors
   */
  static async decode(bytes: Uint8Array, options: { frame?: number; name?: string } = {}): Promise<Frame> {
    const source = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const pixels = await decodeImage(source, options.name ?? 'the image')
    return new Frame(pixels.data, pixels.width, pixels.height, options.frame ?? 0, source, sniffImageMimeType(source))
  }

  /** A frame of RGB pixels (`width × height × 3` bytes, row by row), e.g. decoded by your own code. */
  static fromRgb(data: Uint8Array, size: { width: number; height: number; frame?: number }): Frame {
    const { width, height } = size
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw fail('InvalidImage.frameSize', { width, height })
    }
    if (data.length !== width * height * 3) {
      throw fail('InvalidImage.pixelBufferSize', { width, height, length: data.length })
    }
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    return new Frame(buffer, width, height, size.frame ?? 0)
  }

  /** The RGB values of one pixel. */
  pixel(x: number, y: number): [number, number, number] {
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= this.width || y >= this.height) {
      throw fail('InvalidImage.pixelOutside', { x, y, width: this.width, height: this.height })
    }
    const i = (y * this.width + x) * 3
    return [this.data[i], this.data[i + 1], this.data[i + 2]]
  }

  /** A new frame of the pixels inside `box` (clamped to the frame; at least one pixel). */
  crop(box: PixelBox): Frame {
    const left = clamp(Math.floor(box.left), 0, this.width - 1)
    const top = clamp(Math.floor(box.top), 0, this.height - 1)
    const right = clamp(Math.ceil(box.left + box.width), left + 1, this.width)
    const bottom = clamp(Math.ceil(box.top + box.height), top + 1, this.height)
    const width = right - left
    const height = bottom - top
    const out = Buffer.allocUnsafe(width * height * 3)
    const rowBytes = width * 3
    for (let y = 0; y < height; y++) {
      const from = ((top + y) * this.width + left) * 3
      this.data.copy(out, y * rowBytes, from, from + rowBytes)
    }
    return new Frame(out, width, height, this.frame)
  }

  /** The frame as an image file (PNG or JPEG). */
  async encode(options: EncodeOptions = {}): Promise<Buffer> {
    const format = options.format ?? formatOfMime(this.mimeType) ?? 'png'
    if (this.#source !== undefined && MIME_OF[format] === this.mimeType && options.quality === undefined)
      return this.#source
    return encodeImage(this, format, options.quality)
  }

  /**
   * Base64 of the frame as an image file (Python's `b64_encoding(output_format="raw")`).
   * @example await frame.toBase64({ format: 'jpeg' })
   */
  async toBase64(options: EncodeOptions = {}): Promise<string> {
    return (await this.encode(options)).toString('base64')
  }

  /**
   * A `data:` URL of the frame (Python's `b64_encoding(output_format="url")`), for `<img src>` or a
   * vision model's image URL.
   */
  async toDataUrl(options: EncodeOptions = {}): Promise<string> {
    const bytes = await this.encode(options)
    return `data:${this.mimeTypeOf(options)};base64,${bytes.toString('base64')}`
  }

  /** The media type of `encode(options)`. */
  mimeTypeOf(options: EncodeOptions = {}): string {
    return options.format === undefined ? this.mimeType : MIME_OF[options.format]
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(Math.max(v, min), max)
}
