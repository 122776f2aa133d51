/**
 * Turning media into text for model prompts: base64 and `data:` URLs of image (or any) buffers.
 */

/** Bytes of any common binary type. */
export type BinaryInput = Uint8Array | ArrayBuffer | ArrayBufferView

function bytes(input: BinaryInput): Buffer {
  if (Buffer.isBuffer(input)) return input
  if (input instanceof ArrayBuffer) return Buffer.from(input)
  if (ArrayBuffer.isView(input)) return Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  throw new TypeError(`expected bytes (Buffer, Uint8Array or ArrayBuffer), got ${typeof input}`)
}

/**
 * Standard base64 (with padding) of the bytes, synchronously. Not `Frame.toBase64()`, which encodes
 * an image (PNG or JPEG) first and is async.
 * @example bytesToBase64(Buffer.from('hello')) // 'aGVsbG8='
 */
export function bytesToBase64(input: BinaryInput): string {
  return bytes(input).toString('base64')
}

/**
 * @deprecated Use {@link bytesToBase64}: the same function under a name that does not collide with the
 * async `Frame.toBase64()`.
 */
export const toBase64 = bytesToBase64

/**
 * The mime type of an image from its first bytes (PNG, JPEG, GIF, WebP, BMP, TIFF, AVIF), or
 * `undefined` when not recognised.
 */
export function sniffImageMimeType(input: BinaryInput): string | undefined {
  const b = bytes(input)
  const at = (offset: number, sig: number[]) => sig.every((v, i) => b[offset + i] === v)
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (at(0, [0x47, 0x49, 0x46, 0x38])) return 'image/gif'
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp'
  if (at(0, [0x42, 0x4d])) return 'image/bmp'
  if (at(0, [0x49, 0x49, 0x2a, 0x00]) || at(0, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff'
  if (at(4, [0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66])) return 'image/avif'
  return undefined
}

/**
 * A `data:` URL of the bytes, as multimodal model APIs take images.
 * @param mime the mime type; when omitted, sniffed from the bytes (images), else `application/octet-stream`
 * @example toDataUrl(await readFile('frame.png')) // 'data:image/png;base64,iVBORw0...'
 */
export function toDataUrl(input: BinaryInput, mime?: string): string {
  const type = mime ?? sniffImageMimeType(input) ?? 'application/octet-stream'
  return `data:${type};base64,${bytesToBase64(input)}`
}
