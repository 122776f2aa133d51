import { fail } from '../shared/error-catalogue/index.js'
/**
 * Bitmask labels (label-model.md §3.3). A mask is flattened row-major; run lengths alternate starting
 * with a run of zeros (0 when the first pixel is set); the counts are written in the COCO compressed
 * string form: 5-bit groups, low bits first, character = 48 + group, 0x20 = more groups follow, sign
 * taken from 0x10 of the last group; from the 4th count on, the stored value is the difference to the
 * count two places earlier.
 *
 * Arithmetic instead of bit shifts: counts of large images pass 2^31 once shifted by 5·k.
 */

/** Run lengths → compressed string. */
export function encodeRleCounts(counts: readonly number[]): string {
  let out = ''
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]
    if (i > 2) x -= counts[i - 2]
    let more = true
    while (more) {
      let c = ((x % 32) + 32) % 32 // low 5 bits, also for negatives (two's complement view)
      x = Math.floor(x / 32) // arithmetic shift right by 5
      more = c & 0x10 ? x !== -1 : x !== 0
      if (more) c |= 0x20
      out += String.fromCharCode(c + 48)
    }
  }
  return out
}

/** Compressed string → run lengths. */
export function decodeRleCounts(rle: string): number[] {
  const counts: number[] = []
  let p = 0
  while (p < rle.length) {
    let x = 0
    let k = 0
    let more = true
    while (more) {
      if (p >= rle.length) throw invalid(`the RLE string ${JSON.stringify(shorten(rle))} ends in the middle of a count`)
      const c = rle.charCodeAt(p) - 48
      if (c < 0 || c > 63) throw invalid(`the RLE string has a character outside the RLE alphabet at position ${p}`)
      x += (c & 0x1f) * 2 ** (5 * k)
      more = (c & 0x20) !== 0
      p++
      k++
      if (!more && c & 0x10) x -= 2 ** (5 * k) // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2]
    counts.push(x)
  }
  return counts
}

/** A 0/1 mask (row-major) → run lengths. */
export function maskToRleCounts(mask: ArrayLike<number | boolean>): number[] {
  const counts: number[] = []
  let current = 0 // runs start with zeros
  let run = 0
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 1 : 0
    if (v !== current) {
      counts.push(run)
      run = 0
      current = v
    }
    run++
  }
  counts.push(run)
  return counts
}

/** Run lengths → a 0/1 mask of `size` pixels. */
export function rleCountsToMask(counts: readonly number[], size: number): Uint8Array {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total !== size || counts.some((c) => c < 0 || !Number.isInteger(c))) {
    throw invalid(`the RLE counts cover ${total} pixels but the mask has ${size}`)
  }
  const mask = new Uint8Array(size)
  let pos = 0
  for (let i = 0; i < counts.length; i++) {
    if (i % 2 === 1) mask.fill(1, pos, pos + counts[i])
    pos += counts[i]
  }
  return mask
}

/** The bitmask JSON of a label (`bitmask` key), sizes in pixels. */
export interface BitmaskDict {
  top: number
  left: number
  height: number
  width: number
  rleString: string
}

/** What {@link Bitmask.from} accepts: a flat row-major mask with its size, rows of pixels, or an RLE. */
export type BitmaskInput =
  | Bitmask
  | BitmaskDict
  | { mask: ArrayLike<number | boolean>; width: number; height: number }
  | { rows: ArrayLike<ArrayLike<number | boolean>> }

/**
 * A bitmask label: an RLE-compressed mask covering the whole frame (`top`/`left` are 0 and
 * `width`/`height` must equal the frame's, or Encord refuses the save).
 *
 * @example
 * const m = Bitmask.fromMask(pixels, { width: 640, height: 480 }) // pixels: Uint8Array, 1 = set
 * m.toMask()[y * m.width + x]
 */
export class Bitmask {
  readonly top: number
  readonly left: number
  readonly width: number
  readonly height: number
  readonly rleString: string

  constructor(dict: BitmaskDict) {
    for (const k of ['top', 'left', 'width', 'height'] as const) {
      if (!Number.isInteger(dict[k]) || dict[k] < 0)
        throw invalid(`"${k}" must be a non-negative integer (pixels), got ${JSON.stringify(dict[k])}`)
    }
    if (typeof dict.rleString !== 'string') throw invalid('"rleString" must be a string')
    this.top = dict.top
    this.left = dict.left
    this.width = dict.width
    this.height = dict.height
    this.rleString = dict.rleString
    Object.freeze(this)
  }

  /** From a flat row-major mask (truthy = set) of `width × height` pixels. */
  static fromMask(mask: ArrayLike<number | boolean>, size: { width: number; height: number }): Bitmask {
    const { width, height } = size
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw invalid(`the mask size must be positive integers, got ${width}×${height}`)
    }
    if (mask.length !== width * height)
      throw invalid(`the mask has ${mask.length} pixels, but ${width}×${height} = ${width * height}`)
    return new Bitmask({ top: 0, left: 0, height, width, rleString: encodeRleCounts(maskToRleCounts(mask)) })
  }

  /** From rows of pixels (`rows[y][x]`, truthy = set). */
  static fromRows(rows: ArrayLike<ArrayLike<number | boolean>>): Bitmask {
    const height = rows.length
    const width = height > 0 ? rows[0].length : 0
    const flat = new Uint8Array(width * height)
    for (let y = 0; y < height; y++) {
      const row = rows[y]
      if (row.length !== width) throw invalid(`row ${y} has ${row.length} pixels, row 0 has ${width}`)
      for (let x = 0; x < width; x++) flat[y * width + x] = row[x] ? 1 : 0
    }
    return Bitmask.fromMask(flat, { width, height })
  }

  /** From any {@link BitmaskInput}. */
  static from(input: BitmaskInput): Bitmask {
    if (input instanceof Bitmask) return input
    if ('rows' in input) return Bitmask.fromRows(input.rows)
    if ('mask' in input) return Bitmask.fromMask(input.mask, input)
    const b = new Bitmask(input)
    b.toMask() // validate the RLE now rather than at the server
    return b
  }

  /** The mask, row-major, 1 = set. */
  toMask(): Uint8Array {
    return rleCountsToMask(decodeRleCounts(this.rleString), this.width * this.height)
  }

  /** Number of set pixels. */
  get area(): number {
    return decodeRleCounts(this.rleString).reduce((sum, c, i) => (i % 2 === 1 ? sum + c : sum), 0)
  }

  /** The JSON written to the label (key order as the SDK writes it). */
  toDict(): BitmaskDict {
    return { top: this.top, left: this.left, height: this.height, width: this.width, rleString: this.rleString }
  }

  toJSON(): BitmaskDict {
    return this.toDict()
  }
}

function shorten(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s
}

function invalid(why: string): Error {
  return fail('InvalidCoordinates.bitmask', { why })
}
