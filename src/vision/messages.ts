import { fail } from '../shared/error-catalogue/index.js'
/**
 * Image parts and user messages for the OpenAI and Anthropic vision APIs, as plain objects in the
 * shapes their HTTP APIs document (no SDK needed; pass them to either SDK or to `fetch`). Python's
 * `Frame.b64_encoding(output_format="openai" | "anthropic")`.
 */
import { sniffImageMimeType } from '../labels/media.js'
import type { EncodeOptions } from './codec.js'
import { Frame } from './frame.js'

/** A decoded frame (or crop), or the bytes of an image file. */
export type ImageInput = Frame | Uint8Array

/** Options of the image helpers. */
export interface ImagePartOptions extends EncodeOptions {
  /** OpenAI's `detail`: how finely the model looks. @default not sent (the API's `auto`) */
  detail?: 'auto' | 'low' | 'high'
}

/** OpenAI Chat Completions: a content part with an image (`messages[].content[]`). */
export interface OpenAIImagePart {
  type: 'image_url'
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' }
}

/** OpenAI Responses API: an `input_image` content item. */
export interface OpenAIInputImage {
  type: 'input_image'
  image_url: string
  detail: 'auto' | 'low' | 'high'
}

/** Anthropic Messages API: an image content block with base64 data. */
export interface AnthropicImagePart {
  type: 'image'
  source: { type: 'base64'; media_type: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp'; data: string }
}

/** OpenAI Chat Completions: a user message of text and images. */
export interface OpenAIUserMessage {
  role: 'user'
  content: Array<{ type: 'text'; text: string } | OpenAIImagePart>
}

/** Anthropic Messages API: a user message of images and text. */
export interface AnthropicUserMessage {
  role: 'user'
  content: Array<AnthropicImagePart | { type: 'text'; text: string }>
}

const ANTHROPIC_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])

/** Base64 and media type of an image input, encoded as asked (image file bytes pass through unless a format is asked). */
async function encoded(image: ImageInput, options: EncodeOptions): Promise<{ base64: string; mimeType: string }> {
  if (image instanceof Frame) return { base64: await image.toBase64(options), mimeType: image.mimeTypeOf(options) }
  if (!(image instanceof Uint8Array)) {
    throw fail('InvalidImage.notAFrame')
  }
  const sniffed = sniffImageMimeType(image)
  if (sniffed === undefined) {
    throw fail('InvalidImage.unknownImageBytes')
  }
  const wanted = options.format === undefined ? undefined : options.format === 'png' ? 'image/png' : 'image/jpeg'
  if (wanted === undefined || wanted === sniffed)
    return {
      base64: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64'),
      mimeType: sniffed,
    }
  const frame = await Frame.decode(image)
  return { base64: await frame.toBase64(options), mimeType: wanted }
}

/**
 * An image part for OpenAI Chat Completions (`{ type: 'image_url', image_url: { url } }`, the URL a
 * base64 `data:` URL).
 * @example
 * ```ts
 * await openai.chat.completions.create({ model, messages: [{ role: 'user', content: [
 *   { type: 'text', text: 'Is there a car?' }, await openaiImagePart(deps.frame, { format: 'jpeg' }) ] }] })
 * ```
 */
export async function openaiImagePart(image: ImageInput, options: ImagePartOptions = {}): Promise<OpenAIImagePart> {
  const { base64, mimeType } = await encoded(image, options)
  const url = `data:${mimeType};base64,${base64}`
  return { type: 'image_url', image_url: options.detail === undefined ? { url } : { url, detail: options.detail } }
}

/** An `input_image` item for the OpenAI Responses API (`detail` defaults to `auto`). */
export async function openaiInputImage(image: ImageInput, options: ImagePartOptions = {}): Promise<OpenAIInputImage> {
  const { base64, mimeType } = await encoded(image, options)
  return { type: 'input_image', image_url: `data:${mimeType};base64,${base64}`, detail: options.detail ?? 'auto' }
}

/**
 * An image block for the Anthropic Messages API (`{ type: 'image', source: { type: 'base64',
 * media_type, data } }`). Anthropic takes JPEG, PNG, GIF and WebP.
 */
export async function anthropicImagePart(image: ImageInput, options: EncodeOptions = {}): Promise<AnthropicImagePart> {
  const { base64, mimeType } = await encoded(image, options)
  if (!ANTHROPIC_TYPES.has(mimeType)) {
    throw fail('InvalidImage.anthropicFormat', { mimeType })
  }
  return {
    type: 'image',
    source: { type: 'base64', media_type: mimeType as AnthropicImagePart['source']['media_type'], data: base64 },
  }
}

/** A Chat Completions user message: the text, then the images. */
export async function openaiUserMessage(
  text: string,
  images: readonly ImageInput[],
  options: ImagePartOptions = {},
): Promise<OpenAIUserMessage> {
  const parts = await Promise.all(images.map((image) => openaiImagePart(image, options)))
  return { role: 'user', content: [{ type: 'text', text }, ...parts] }
}

/** An Anthropic user message: the images, then the text (the order Anthropic recommends). */
export async function anthropicUserMessage(
  text: string,
  images: readonly ImageInput[],
  options: EncodeOptions = {},
): Promise<AnthropicUserMessage> {
  const parts = await Promise.all(images.map((image) => anthropicImagePart(image, options)))
  return { role: 'user', content: [...parts, { type: 'text', text }] }
}
