import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inflateSync } from 'node:zlib'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../../src/encord/auth/keys.js'
import { generateFixture } from '../../src/emulator/generate.js'
import { startEmulator } from '../../src/emulator/index.js'
import { generatePng, SIGNED_URL_TTL_SECONDS } from '../../src/emulator/media.js'
import { signedRequest } from '../../src/emulator/testing.js'
import { toolAvailable } from '../helpers/system-tools.js'

const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
const hasFfmpeg = toolAvailable('ffmpeg', 'MP4s made with ffmpeg')

function fixtureWith(media: Array<Record<string, unknown>>, size = { width: 96, height: 64 }) {
  const f = generateFixture({
    tasks: media.length,
    seed: 6,
    users: [{ email: 'a@b', publicKeyHex: key.publicKeyHex }],
    imageSize: size,
  })
  f.storageItems.forEach((item, i) => Object.assign(item, media[i]))
  return f
}

async function download(domain: string, uuid: string) {
  const item = await signedRequest(domain, key, 'GET', `/v2/public/storage/items/${uuid}?signUrl=True`)
  const res = await request(item.json.signedUrl)
  return {
    status: res.statusCode,
    type: res.headers['content-type'],
    bytes: Buffer.from(await res.body.arrayBuffer()),
    url: item.json.signedUrl as string,
  }
}

describe('media', () => {
  it('generated PNGs have the item size and decode', () => {
    const png = generatePng(30, 20, 'seed')
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([30, 20])
    const idat = png.indexOf('IDAT')
    const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)))
    expect(raw.length).toBe((30 * 3 + 1) * 20)
    expect(generatePng(30, 20, 'other').equals(png)).toBe(false)
  })

  it('serves files relative to the fixture and inline base64, with their types', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-media-'))
    writeFileSync(join(dir, 'a.jpg'), Buffer.from('not really a jpeg'))
    const f = fixtureWith([
      { media: { path: 'a.jpg' }, mimeType: null },
      { media: { base64: Buffer.from('hello').toString('base64') }, mimeType: 'text/plain' },
    ])
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(f))
    const e = await startEmulator({ fixture: join(dir, 'fixture.json'), inMemory: true })
    try {
      const file = await download(e.domain, f.storageItems[0].uuid)
      expect(file).toMatchObject({ status: 200, type: 'image/jpeg' })
      expect(file.bytes.toString()).toBe('not really a jpeg')
      const inline = await download(e.domain, f.storageItems[1].uuid)
      expect(inline).toMatchObject({ status: 200, type: 'text/plain' })
      expect(inline.bytes.toString()).toBe('hello')
    } finally {
      await e.stop()
    }
  })

  it('signed URLs expire', async () => {
    let now = Date.now()
    const f = fixtureWith([{}])
    const e = await startEmulator({ fixture: f, clock: () => now })
    try {
      const { url } = await download(e.domain, f.storageItems[0].uuid)
      now += (SIGNED_URL_TTL_SECONDS + 5) * 1000
      const res = await request(url)
      expect(res.statusCode).toBe(403)
      expect(await res.body.text()).toContain('expired')
    } finally {
      await e.stop()
    }
  })

  it.skipIf(!hasFfmpeg)('makes MP4s of the item size with ffmpeg when it is installed', async () => {
    const f = fixtureWith([
      {
        itemType: 'video',
        mimeType: 'video/mp4',
        width: 96,
        height: 64,
        fps: 5,
        frameCount: 4,
        media: { generate: 'mp4' },
      },
    ])
    const e = await startEmulator({ fixture: f })
    try {
      const video = await download(e.domain, f.storageItems[0].uuid)
      expect(video.type).toBe('video/mp4')
      const dir = mkdtempSync(join(tmpdir(), 'emulator-mp4-'))
      writeFileSync(join(dir, 'v.mp4'), video.bytes)
      const probe = JSON.parse(
        execFileSync(
          'ffprobe',
          [
            '-v',
            'error',
            '-count_frames',
            '-show_entries',
            'stream=width,height,nb_read_frames',
            '-of',
            'json',
            join(dir, 'v.mp4'),
          ],
          { encoding: 'utf8' },
        ),
      )
      expect(probe.streams[0]).toMatchObject({ width: 96, height: 64, nb_read_frames: '4' })
    } finally {
      await e.stop()
    }
  })
})
