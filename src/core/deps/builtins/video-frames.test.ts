import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, inflateSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { frameToPng, toBase64, toDataUrl, type VideoFrame } from './video-frames.js'

/** Read back a PNG: every chunk's CRC checked, IHDR, and the pixels (filter bytes removed). */
function decodePng(png: Buffer): { width: number; height: number; colourType: number; pixels: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  let at = 8
  let ihdr: Buffer | undefined
  const idat: Buffer[] = []
  while (at < png.length) {
    const length = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    const data = png.subarray(at + 8, at + 8 + length)
    expect(png.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + length)))
    if (type === 'IHDR') ihdr = data
    if (type === 'IDAT') idat.push(data)
    at += 12 + length
  }
  const width = ihdr!.readUInt32BE(0)
  const height = ihdr!.readUInt32BE(4)
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * 3
  const rows: Buffer[] = []
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0)
    rows.push(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)))
  }
  return { width, height, colourType: ihdr![9], pixels: Buffer.concat(rows) }
}

const dir = mkdtempSync(join(tmpdir(), 'video-frames-helpers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('frame helpers', () => {
  // 3 × 2 pixels: red, green, blue / white, black, grey.
  const pixels = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128])
  const frame: VideoFrame = { index: 4, width: 3, height: 2, data: pixels, format: 'rgb24' }

  it('frameToPng writes a valid PNG of the same pixels; a PNG frame is passed through', () => {
    const png = frameToPng(frame)
    expect(decodePng(png)).toEqual({ width: 3, height: 2, colourType: 2, pixels })
    const pngFrame: VideoFrame = { ...frame, data: png, format: 'png' }
    expect(frameToPng(pngFrame)).toBe(png)
  })

  it('toBase64 and toDataUrl take a frame, a buffer or a file', async () => {
    const png = frameToPng(frame)
    expect(await toBase64(frame)).toBe(png.toString('base64'))
    expect(await toDataUrl(frame)).toBe(`data:image/png;base64,${png.toString('base64')}`)
    const jpegish = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
    expect(await toDataUrl(jpegish)).toBe(`data:image/jpeg;base64,${jpegish.toString('base64')}`)
    expect(await toDataUrl(jpegish, 'image/x-custom')).toMatch(/^data:image\/x-custom;base64,/)
    const file = join(dir, 'frame.png')
    writeFileSync(file, png)
    expect(await toBase64({ path: file })).toBe(png.toString('base64'))
    expect(await toDataUrl({ path: file })).toBe(`data:image/png;base64,${png.toString('base64')}`)
    expect(await toDataUrl(Buffer.from('plain text'))).toMatch(/^data:application\/octet-stream;base64,/)
  })
})
