import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { rejected, thrown } from '../../test/helpers/thrown.js'
import { Bitmask } from '../labels/bitmask.js'
import { padBox, pixelBoxOf } from './crops.js'
import { Frame } from './frame.js'
import {
  anthropicImagePart,
  anthropicUserMessage,
  openaiImagePart,
  openaiInputImage,
  openaiUserMessage,
} from './messages.js'
import { planFrames } from './video.js'

// 3 × 2 pixels: red, green, blue / white, black, grey.
const PIXELS = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128])

/** A 40 × 20 image: left half red, right half blue, encoded by sharp (an independent encoder). */
async function halves(format: 'png' | 'jpeg'): Promise<Buffer> {
  const rgb = Buffer.alloc(40 * 20 * 3)
  for (let y = 0; y < 20; y++)
    for (let x = 0; x < 40; x++) rgb.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3)
  const image = sharp(rgb, { raw: { width: 40, height: 20, channels: 3 } })
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer()
}

describe('Frame', () => {
  it('decodes PNG exactly and JPEG closely, as RGB with its size; the source bytes are its default encoding', async () => {
    const png = await halves('png')
    const a = await Frame.decode(png)
    expect([a.width, a.height, a.data.length, a.frame, a.mimeType]).toEqual([40, 20, 40 * 20 * 3, 0, 'image/png'])
    expect(a.pixel(0, 0)).toEqual([255, 0, 0])
    expect(a.pixel(39, 19)).toEqual([0, 0, 255])
    expect(await a.encode()).toBe(png) // no re-encoding
    expect(await a.toBase64()).toBe(png.toString('base64'))
    expect(await a.toDataUrl()).toBe(`data:image/png;base64,${png.toString('base64')}`)

    const jpeg = await halves('jpeg')
    const b = await Frame.decode(jpeg, { frame: 3 })
    expect([b.width, b.height, b.frame, b.mimeType]).toEqual([40, 20, 3, 'image/jpeg'])
    const [r, g, bl] = b.pixel(5, 10)
    expect(r).toBeGreaterThan(240)
    expect(g + bl).toBeLessThan(20)
    expect(await b.toDataUrl()).toBe(`data:image/jpeg;base64,${jpeg.toString('base64')}`)
  })

  it('encodes to PNG (lossless, read back by sharp) and JPEG on demand', async () => {
    const f = Frame.fromRgb(PIXELS, { width: 3, height: 2, frame: 7 })
    expect(f.mimeType).toBe('image/png')
    const png = await f.encode()
    const back = await sharp(png).raw().toBuffer({ resolveWithObject: true })
    expect(back.info).toMatchObject({ width: 3, height: 2, channels: 3 })
    expect(back.data).toEqual(PIXELS)
    const jpeg = await f.encode({ format: 'jpeg', quality: 80 })
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
    expect(await f.toDataUrl({ format: 'jpeg' })).toMatch(/^data:image\/jpeg;base64,\/9j\//)
    expect(f.mimeTypeOf({ format: 'jpeg' })).toBe('image/jpeg')
    // A PNG source asked as JPEG is re-encoded; as PNG it is its own bytes.
    const decoded = await Frame.decode(png)
    expect(await decoded.encode({ format: 'png' })).toBe(png)
    expect((await decoded.encode({ format: 'jpeg' }))[0]).toBe(0xff)
  })

  it('applies EXIF orientation and drops alpha (as the editor shows the image)', async () => {
    const rgba = await sharp({
      create: { width: 4, height: 2, channels: 4, background: { r: 0, g: 200, b: 0, alpha: 0.5 } },
    })
      .png()
      .withMetadata({ orientation: 6 }) // rotate 90° clockwise to display
      .toBuffer()
    const f = await Frame.decode(rgba)
    expect([f.width, f.height, f.data.length]).toEqual([2, 4, 2 * 4 * 3])
    expect(f.pixel(0, 0)).toEqual([0, 200, 0])
  })

  it('crops to a pixel box, clamped to the frame, at least one pixel', () => {
    const f = Frame.fromRgb(PIXELS, { width: 3, height: 2, frame: 2 })
    const c = f.crop({ left: 1, top: 0, width: 2, height: 2 })
    expect([c.width, c.height, c.frame]).toEqual([2, 2, 2])
    expect([c.pixel(0, 0), c.pixel(1, 0), c.pixel(0, 1), c.pixel(1, 1)]).toEqual([
      [0, 255, 0],
      [0, 0, 255],
      [0, 0, 0],
      [128, 128, 128],
    ])
    const clamped = f.crop({ left: -5, top: -5, width: 100, height: 100 })
    expect([clamped.width, clamped.height]).toEqual([3, 2])
    const tiny = f.crop({ left: 2.2, top: 1.5, width: 0, height: 0 })
    expect([tiny.width, tiny.height, tiny.pixel(0, 0)]).toEqual([1, 1, [128, 128, 128]])
  })

  it('refuses bad input with clear errors', async () => {
    expect((await rejected(() => Frame.decode(Buffer.from('not an image'), { name: '"cat.jpg"' }))).message).toMatch(
      /Could not decode "cat.jpg" as an image/,
    )
    expect(thrown(() => Frame.fromRgb(Buffer.alloc(5), { width: 3, height: 2 })).message).toMatch(/18 bytes, got 5/)
    expect(thrown(() => Frame.fromRgb(PIXELS, { width: 3, height: 2 }).pixel(3, 0)).message).toMatch(
      /outside the 3×2 frame/,
    )
    expect(
      (await rejected(() => Frame.fromRgb(PIXELS, { width: 3, height: 2 }).encode({ format: 'gif' as 'png' }))).message,
    ).toMatch(/"png" or "jpeg"/)
  })
})

describe('message helpers', () => {
  it('build the documented OpenAI and Anthropic shapes from frames and image bytes', async () => {
    const png = await halves('png')
    const f = await Frame.decode(png)
    const b64 = png.toString('base64')
    expect(await openaiImagePart(f)).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } })
    expect(await openaiImagePart(png, { detail: 'low' })).toEqual({
      type: 'image_url',
      image_url: { url: `data:image/png;base64,${b64}`, detail: 'low' },
    })
    expect(await openaiInputImage(f)).toEqual({
      type: 'input_image',
      image_url: `data:image/png;base64,${b64}`,
      detail: 'auto',
    })
    expect(await anthropicImagePart(f)).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: b64 },
    })
    const jpegPart = await anthropicImagePart(png, { format: 'jpeg' })
    expect(jpegPart.source.media_type).toBe('image/jpeg')
    expect(Buffer.from(jpegPart.source.data, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))

    const openaiMessage = await openaiUserMessage('Is there a car?', [f, f])
    expect(openaiMessage.role).toBe('user')
    expect(openaiMessage.content.map((c) => c.type)).toEqual(['text', 'image_url', 'image_url'])
    const anthropicMessage = await anthropicUserMessage('Is there a car?', [f])
    expect(anthropicMessage.content.map((c) => c.type)).toEqual(['image', 'text'])
    expect(anthropicMessage.content[1]).toEqual({ type: 'text', text: 'Is there a car?' })
  })

  it('refuse what is not an image, and types Anthropic does not take', async () => {
    expect((await rejected(() => openaiImagePart(Buffer.from('hello')))).message).toMatch(/not an image file/)
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])
    expect((await rejected(() => anthropicImagePart(bmp))).message).toMatch(/not image\/bmp/)
  })
})

describe('pixel boxes of coordinates', () => {
  const size = { width: 200, height: 100 }
  it('scale normalised shapes and find the set pixels of bitmasks', () => {
    expect(pixelBoxOf({ x: 0.1, y: 0.2, w: 0.5, h: 0.5 }, size)).toEqual({ left: 20, top: 20, width: 100, height: 50 })
    const rotated = pixelBoxOf({ x: 0.25, y: 0.25, w: 0.5, h: 0.5, theta: 90 }, size)!
    // 100 × 50 px turned a quarter: 50 × 100 about the same centre (100, 50).
    expect(rotated.left).toBeCloseTo(75)
    expect(rotated.top).toBeCloseTo(0)
    expect(rotated.width).toBeCloseTo(50)
    expect(rotated.height).toBeCloseTo(100)
    const poly = [
      { x: 0.1, y: 0.1 },
      { x: 0.5, y: 0.2 },
      { x: 0.3, y: 0.6 },
    ]
    expect(pixelBoxOf({ points: poly, polygons: [[poly]] }, size)).toEqual({ left: 20, top: 10, width: 80, height: 50 })
    expect(pixelBoxOf({ points: poly }, size)).toEqual({ left: 20, top: 10, width: 80, height: 50 })
    expect(pixelBoxOf({ x: 0.5, y: 0.5 }, size)).toEqual({ left: 100, top: 50, width: 0, height: 0 })
    const rows = Array.from({ length: 4 }, (_, y) =>
      Array.from({ length: 8 }, (_, x) => (y >= 1 && y <= 2 && x >= 2 && x <= 4 ? 1 : 0)),
    )
    expect(pixelBoxOf(Bitmask.fromRows(rows), { width: 8, height: 4 })).toEqual({
      left: 2,
      top: 1,
      width: 3,
      height: 2,
    })
    expect(pixelBoxOf(Bitmask.fromRows([[0, 0]]), { width: 2, height: 1 })).toBeUndefined()
    expect(pixelBoxOf({ raw: {} }, size)).toBeUndefined()
  })

  it('pad by pixels or by a percentage of the box', () => {
    const box = { left: 20, top: 20, width: 100, height: 50 }
    expect(padBox(box, 5)).toEqual({ left: 15, top: 15, width: 110, height: 60 })
    expect(padBox(box, '10%')).toEqual({ left: 10, top: 15, width: 120, height: 60 })
    expect(thrown(() => padBox(box, -1)).message).toMatch(/number of pixels ≥ 0 or a percentage/)
    expect(thrown(() => padBox(box, 'ten' as '1%')).message).toMatch(/"ten"/)
  })
})

describe('video frame plans', () => {
  const numbers = (plan: ReturnType<typeof planFrames>, count: number) => {
    const it = plan.numbers()
    return Array.from({ length: count }, () => it.next().value)
  }
  it('sample at fps by source frame numbers: the first frame of each interval', () => {
    const plan = planFrames({ fps: 1 }, 5)
    expect(plan.expression).toBe('eq(n\\,0)+not(eq(floor(n*0.20000000000000001)\\,floor((n-1)*0.20000000000000001)))')
    expect(numbers(plan, 4)).toEqual([0, 5, 10, 15])
    expect(numbers(planFrames({ fps: 1 }, 29.97), 4)).toEqual([0, 30, 60, 90])
    expect(numbers(planFrames({ fps: 2 }, 5), 5)).toEqual([0, 3, 5, 8, 10])
    expect(planFrames({ fps: 50 }, 25).expression).toBeUndefined() // faster than the video: every frame
  })
  it('take explicit lists (sorted, unique) as ffmpeg ranges, or filter long lists here', () => {
    const plan = planFrames({ frames: [7, 3, 4, 5, 3, 0] }, 25)
    expect(plan.expression).toBe('eq(n\\,0)+between(n\\,3\\,5)+eq(n\\,7)')
    expect(numbers(plan, 5)).toEqual([0, 3, 4, 5, 7])
    expect(plan.limit).toBe(5)
    const long = planFrames({ frames: Array.from({ length: 100 }, (_, i) => i * 2) }, 25)
    expect(long.expression).toBeUndefined()
    expect(long.wanted!(4)).toBe(true)
    expect(long.wanted!(5)).toBe(false)
    expect(long.limit).toBe(199)
    expect(planFrames({ frames: [] }, 25).limit).toBe(0)
    expect(thrown(() => planFrames({ frames: [-1] }, 25)).message).toMatch(/integers from 0/)
    expect(thrown(() => planFrames({ fps: 1 }, null)).message).toMatch(/frame rate/)
    expect(thrown(() => planFrames({ fps: 0 }, 25)).message).toMatch(/fps must be a number > 0/)
  })
})
