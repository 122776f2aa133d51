import { describe, expect, it } from 'vitest'
import { Bitmask, decodeRleCounts, encodeRleCounts, maskToRleCounts, rleCountsToMask } from './bitmask.js'

/** 4×8 mask with rows 1–2, columns 2–4 set: the `objMsk01` example of generated_image_all_shapes_output.json. */
function exampleMask(): Uint8Array {
  const m = new Uint8Array(32)
  for (const y of [1, 2]) for (const x of [2, 3, 4]) m[y * 8 + x] = 1
  return m
}

describe('bitmask RLE', () => {
  it('encodes the fixture example to ":3506" and decodes it back', () => {
    expect(maskToRleCounts(exampleMask())).toEqual([10, 3, 5, 3, 11])
    expect(encodeRleCounts([10, 3, 5, 3, 11])).toBe(':3506')
    expect(decodeRleCounts(':3506')).toEqual([10, 3, 5, 3, 11])
    const b = Bitmask.fromMask(exampleMask(), { width: 8, height: 4 })
    expect(b.toDict()).toEqual({ top: 0, left: 0, height: 4, width: 8, rleString: ':3506' })
    expect([...new Bitmask({ top: 0, left: 0, height: 4, width: 8, rleString: ':3506' }).toMask()]).toEqual([
      ...exampleMask(),
    ])
    expect(b.area).toBe(6)
  })

  it('starts with a zero-length run when the first pixel is set', () => {
    expect(maskToRleCounts([1, 1, 0])).toEqual([0, 2, 1])
    expect([...rleCountsToMask([0, 2, 1], 3)]).toEqual([1, 1, 0])
    expect(maskToRleCounts([])).toEqual([0])
  })

  it('round-trips large counts, negative deltas and multi-group values', () => {
    const cases = [
      [0, 1],
      [5, 100000, 3, 2, 99999999, 1, 7],
      [2 ** 31 + 5, 1, 2 ** 31, 17], // past 32-bit shifts
      [40, 2, 1, 1, 38], // negative deltas from the 4th count on
      [16, 15, 31, 32, 33, 1023, 1024],
    ]
    for (const counts of cases) expect(decodeRleCounts(encodeRleCounts(counts))).toEqual(counts)
  })

  it('round-trips random masks through RLE', () => {
    let seed = 42
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let n = 0; n < 20; n++) {
      const width = 1 + Math.floor(rand() * 40)
      const height = 1 + Math.floor(rand() * 40)
      const density = rand()
      const mask = Uint8Array.from({ length: width * height }, () => (rand() < density ? 1 : 0))
      const b = Bitmask.fromMask(mask, { width, height })
      expect([...b.toMask()]).toEqual([...mask])
    }
  })

  it('builds from rows and from any input form', () => {
    const rows = [
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 1, 1, 1, 0, 0, 0],
      [0, 0, true, true, true, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ]
    expect(Bitmask.fromRows(rows).rleString).toBe(':3506')
    expect(Bitmask.from({ rows }).rleString).toBe(':3506')
    expect(Bitmask.from({ mask: exampleMask(), width: 8, height: 4 }).rleString).toBe(':3506')
    expect(Bitmask.from({ top: 0, left: 0, width: 8, height: 4, rleString: ':3506' }).area).toBe(6)
  })

  it('refuses masks whose size does not add up', () => {
    expect(() => Bitmask.fromMask(new Uint8Array(10), { width: 8, height: 4 })).toThrow(
      'the mask has 10 pixels, but 8×4 = 32',
    )
    expect(() => Bitmask.from({ top: 0, left: 0, width: 8, height: 5, rleString: ':3506' })).toThrow(
      'cover 32 pixels but the mask has 40',
    )
    expect(() => Bitmask.fromRows([[1, 0], [1]])).toThrow('row 1 has 1 pixels, row 0 has 2')
    expect(() => decodeRleCounts('3\x7f')).toThrow('outside the RLE alphabet')
    expect(() => new Bitmask({ top: 0, left: 0, width: 1.5, height: 2, rleString: '' })).toThrow(
      '"width" must be a non-negative integer',
    )
  })
})
