import { defineErrors } from './define.js'

// Errors raised by src/vision (see index.ts for how entries are written and thrown).
export const visionErrors = defineErrors({
  ImageCodecUnavailable: {
    exit: 'user',
    messages: {
      default: {
        message: () => `Decoding images needs the "sharp" package, which could not be loaded on this machine.`,
        hint: `Reinstall dependencies (\`npm install\`) so that sharp's prebuilt binary for this platform (@img/sharp-*) is installed; see https://sharp.pixelplumbing.com/install.`,
      },
    },
  },
  ImageDecodeFailed: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { what: string; cause: string }) => `Could not decode ${p.what} as an image: ${p.cause}.`,
        hint: `Images must be JPEG, PNG, WebP, GIF, TIFF or AVIF files. Check the storage item's media.`,
      },
    },
  },
  InvalidImageFormat: {
    exit: 'user',
    messages: {
      format: {
        message: (p: { format: string }) => `Images are encoded as "png" or "jpeg", not ${p.format}.`,
      },
      jpegQuality: {
        message: (p: { quality: number }) =>
          `JPEG quality must be an integer from 1 to 100, got ${JSON.stringify(p.quality)}.`,
      },
    },
  },
  InvalidCropPadding: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { padding: string }) =>
          `Crop padding must be a number of pixels ≥ 0 or a percentage such as "10%", got ${p.padding}.`,
      },
    },
  },
  InvalidImage: {
    exit: 'user',
    messages: {
      frameSize: {
        message: (p: { width: number; height: number }) =>
          `A frame's size must be positive integers, got ${p.width}×${p.height}.`,
      },
      pixelBufferSize: {
        message: (p: { width: number; height: number; length: number }) =>
          `RGB pixels of ${p.width}×${p.height} are ${p.width * p.height * 3} bytes, got ${p.length}.`,
      },
      pixelOutside: {
        message: (p: { x: number; y: number; width: number; height: number }) =>
          `Pixel (${p.x}, ${p.y}) is outside the ${p.width}×${p.height} frame.`,
      },
      notAFrame: {
        message: () => `Expected a Frame (from frame(), videoFrames(), objectCrops()) or the bytes of an image file.`,
      },
      unknownImageBytes: {
        message: () =>
          `These bytes are not an image file this library recognises (JPEG, PNG, GIF, WebP, BMP, TIFF, AVIF).`,
        hint: `Pass a Frame, or encoded image bytes such as the contents of a .jpg or .png file.`,
      },
      anthropicFormat: {
        message: (p: { mimeType: string }) => `Anthropic accepts JPEG, PNG, GIF and WebP images, not ${p.mimeType}.`,
        hint: `Pass { format: 'png' } or { format: 'jpeg' } to convert it.`,
      },
    },
  },
  FfmpegNotFound: {
    exit: 'user',
    messages: {
      default: {
        message: (p: { command: string }) => `Decoding video frames needs ffmpeg, and "${p.command}" could not be run.`,
        hint: `Install ffmpeg and make sure it is on PATH (or set FFMPEG_PATH): Debian/Ubuntu \`sudo apt-get install ffmpeg\`, macOS \`brew install ffmpeg\`, Windows \`winget install ffmpeg\`.`,
      },
    },
  },
  InvalidVideoFrames: {
    exit: 'user',
    messages: {
      frameNumber: {
        message: (p: { bad: number }) => `Frame numbers are integers from 0; got ${JSON.stringify(p.bad)}.`,
      },
      maxFrames: {
        message: (p: { max: number }) => `maxFrames must be an integer ≥ 1, got ${JSON.stringify(p.max)}.`,
      },
      fps: {
        message: (p: { fps: string }) => `fps must be a number > 0, got ${p.fps}.`,
      },
      frameRateUnknown: {
        message: () =>
          `Sampling by fps needs the video's frame rate, which neither ffprobe nor the storage item gives.`,
        hint: `Pass the frame numbers instead: videoFrames({ frames: [0, 30, 60] }).`,
      },
    },
  },
})
