import { describe, expect, it } from 'vitest'
import { formatEncordDate, parseEncordDate } from './dates.js'
import { describeFrames, framesOf, framesToRanges, rangesToFrames } from './frames.js'
import { bytesToBase64, sniffImageMimeType, toBase64, toDataUrl } from './media.js'
import { editDistance } from '../shared/suggest.js'
import { closest, quoteList } from '../shared/suggest.js'
import { cloneJson } from './wire.js'

// 1×1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

describe('media helpers', () => {
  it('turns bytes into base64 and data URLs, sniffing image types', () => {
    expect(bytesToBase64(Buffer.from('hello'))).toBe('aGVsbG8=')
    expect(bytesToBase64(new Uint8Array([104, 105]))).toBe('aGk=')
    expect(bytesToBase64(new Uint8Array([0, 104, 105, 0]).subarray(1, 3))).toBe('aGk=') // views respect their offset
    expect(bytesToBase64(new Uint8Array([104, 105]).buffer)).toBe('aGk=')
    // The old name stays exported (deprecated) so code written against it keeps working.
    expect(toBase64).toBe(bytesToBase64)
    expect(toDataUrl(PNG)).toBe(`data:image/png;base64,${PNG.toString('base64')}`)
    expect(toDataUrl(Buffer.from('x'), 'text/plain')).toBe('data:text/plain;base64,eA==')
    expect(toDataUrl(Buffer.from('x'))).toBe('data:application/octet-stream;base64,eA==')
    expect(sniffImageMimeType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg')
    expect(sniffImageMimeType(Buffer.from('GIF89a'))).toBe('image/gif')
    expect(sniffImageMimeType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp')
    expect(sniffImageMimeType(Buffer.from([1, 2, 3]))).toBeUndefined()
  })
})

describe('dates', () => {
  it('writes the SDK form and reads every form Encord sends', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5))
    expect(formatEncordDate(d)).toBe('Tue, 02 Jan 2024 03:04:05 UTC')
    for (const s of [
      'Tue, 02 Jan 2024 03:04:05 UTC',
      'Tue, 02 Jan 2024 03:04:05 GMT',
      '2024-01-02T03:04:05',
      '2024-01-02 03:04:05',
      '2024-01-02T03:04:05.000000+00:00',
    ]) {
      expect(parseEncordDate(s)?.toISOString()).toBe('2024-01-02T03:04:05.000Z')
    }
    expect(parseEncordDate('nope')).toBeNull()
    expect(parseEncordDate(null)).toBeNull()
    expect(parseEncordDate('')).toBeNull()
  })
})

describe('frames', () => {
  it('reads frame specs and writes ranges', () => {
    expect(framesOf(3)).toEqual([3])
    expect(framesOf([5, 1, 1, { start: 2, end: 3 }])).toEqual([1, 2, 3, 5])
    expect(framesOf({ start: 0, end: 2 })).toEqual([0, 1, 2])
    expect(framesOf(new Set([2, 0]))).toEqual([0, 2])
    expect(() => framesOf(-1)).toThrow('Frame -1 is not a frame index')
    expect(() => framesOf(1.5)).toThrow('not a frame index')
    expect(() => framesOf({ start: 3, end: 1 })).toThrow('Frame range 3–1 ends before it starts.')
    expect(framesToRanges([0, 1, 2, 5, 7, 8])).toEqual([
      [0, 2],
      [5, 5],
      [7, 8],
    ])
    expect(rangesToFrames([[1, 2], [4, 4], 'junk'])).toEqual([1, 2, 4])
    expect(describeFrames([0, 1, 2, 5])).toBe('0–2, 5')
  })
})

describe('suggestions', () => {
  it('finds plausible typos only', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(closest('Colr', ['Colour', 'Note'])).toBe('Colour')
    expect(closest('occl', ['Occluded', 'Note'])).toBe('Occluded') // prefix
    expect(closest('Zebra', ['Car', 'Lane'])).toBeUndefined()
    expect(quoteList(['a', 'b', 'c'], 2)).toBe('"a", "b" … and 1 more')
    expect(quoteList([])).toBe('(none)')
  })
})

describe('cloneJson', () => {
  it('deep-copies parsed JSON exactly, sharing nothing with the input', () => {
    const text = '{"b":[1,-0.5,{"x":null,"y":[true,"s"]}],"a":{"__proto__":{"p":1},"n":1e-7},"empty":{},"list":[]}'
    const input = JSON.parse(text) as Record<string, unknown>
    const copy = cloneJson(input)
    expect(copy).toEqual(structuredClone(input))
    expect(JSON.stringify(copy)).toBe(JSON.stringify(input))
    expect(Object.keys(copy)).toEqual(['b', 'a', 'empty', 'list'])
    // "__proto__" stays an own key; the copy's prototype is untouched.
    const a = copy['a'] as Record<string, unknown>
    expect(Object.keys(a)).toEqual(['__proto__', 'n'])
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype)
    ;((copy['b'] as unknown[])[2] as Record<string, unknown>)['x'] = 'changed'
    expect(JSON.stringify(input)).toBe(JSON.stringify(JSON.parse(text)))
    expect(copy['b']).not.toBe(input['b'])
  })

  it('copies anything else as structuredClone does, cycles included', () => {
    const date = new Date(0)
    const map = new Map([['k', { v: 1 }]])
    const copy = cloneJson({ date, map, bytes: new Uint8Array([1, 2]) })
    expect(copy.date).toEqual(date)
    expect(copy.date).not.toBe(date)
    expect(copy.map.get('k')).toEqual({ v: 1 })
    expect(copy.map).not.toBe(map)
    expect(copy.bytes).toEqual(new Uint8Array([1, 2]))
    const cyclic: Record<string, unknown> = { name: 'c' }
    cyclic['self'] = cyclic
    const c = cloneJson({ cyclic })
    expect(c.cyclic['name']).toBe('c')
    expect(c.cyclic).not.toBe(cyclic)
    expect(() => cloneJson({ f: () => 1 })).toThrow()
  })
})
