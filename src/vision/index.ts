/** Decoded images for vision models: frames, crops, video decoding, and message parts for model APIs. */
export { Frame, type PixelBox } from './frame.js'
export type { EncodeOptions, ImageFormat } from './codec.js'
export { pixelBoxOf, padBox, type CropPadding } from './crops.js'
export type { VideoInfo, VideoSelection } from './video.js'
export {
  openaiImagePart,
  openaiInputImage,
  anthropicImagePart,
  openaiUserMessage,
  anthropicUserMessage,
  type ImageInput,
  type ImagePartOptions,
  type OpenAIImagePart,
  type OpenAIInputImage,
  type AnthropicImagePart,
  type OpenAIUserMessage,
  type AnthropicUserMessage,
} from './messages.js'
