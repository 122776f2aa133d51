import { fail } from '../shared/error-catalogue/index.js'
/**
 * Image decoding and encoding through sharp (libvips): JPEG, PNG, WebP, GIF, TIFF, AVIF in; PNG and
 * JPEG out. sharp ships prebuilt binaries as npm packages (`@img/sharp-<platform>`), so nothing needs a
 * compiler or system library. It is loaded on first use: `import 'encord-agents'` stays cheap for
 * agents that never touch pixels.
 */

/** Formats frames and crops are encoded to. */
export type ImageFormat = 'png' | 'jpeg'

/** How to encode an image. */
export interface EncodeOptions {
  /** @default the image's own format when it is PNG or JPEG (its bytes as they are), else `'png'` */
  format?: ImageFormat
  /** JPEG quality, 1–100. @default 90 */
  quality?: number
}

/** Pixels as 8-bit RGB, row by row. */
export interface RgbPixels {
  width: number
  height: number
  /** `width × height × 3` bytes. */
  data: Buffer
}

type Sharp = typeof import('sharp').default
let loading: Promise<Sharp> | undefined

async function sharp(): Promise<Sharp> {
  loading ??= import('sharp').then(
    (m) => m.default,
    (cause: unknown) => {
      loading = undefined
      throw fail('ImageCodecUnavailable', {}, { cause })
    },
  )
  return loading
}

export const MIME_OF: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg' }

/**
 * Decode an encoded image (any format sharp reads) to RGB. EXIF orientation is applied, as browsers
 * and the Encord editor show the image (labels are drawn on the oriented image); alpha is dropped.
 * @param what names the image in the error when it cannot be decoded
 */
export async function decodeImage(bytes: Uint8Array, what: string): Promise<RgbPixels> {
  const lib = await sharp()
  try {
    const { data, info } = await lib(bytes)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`)
    return { width: info.width, height: info.height, data }
  } catch (cause) {
    throw fail('ImageDecodeFailed', { what, cause: cause instanceof Error ? cause.message : String(cause) }, { cause })
  }
}

/** Encode RGB pixels as PNG or JPEG. */
export async function encodeImage(pixels: RgbPixels, format: ImageFormat, quality = 90): Promise<Buffer> {
  if (format !== 'png' && format !== 'jpeg') {
    throw fail('InvalidImageFormat.format', { format: JSON.stringify(format) })
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw fail('InvalidImageFormat.jpegQuality', { quality })
  }
  const lib = await sharp()
  const image = lib(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality }).toBuffer()
}
