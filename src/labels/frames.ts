import { fail } from '../shared/error-catalogue/index.js'

/** An inclusive range of frames. */
export interface FrameRange {
  start: number
  end: number
}

/**
 * Which frames: one index, a range, or a list of indices and ranges.
 * @example 0; [0, 1, 5]; { start: 0, end: 9 }; [{ start: 0, end: 3 }, 7]
 */
export type FrameSpec = number | FrameRange | Iterable<number | FrameRange>

function isRange(v: unknown): v is FrameRange {
  return typeof v === 'object' && v !== null && 'start' in v && 'end' in v
}

function checkFrame(f: unknown): number {
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 0) {
    throw fail('FrameOutOfRange.notAFrameIndex', { frame: JSON.stringify(f) })
  }
  return f
}

/** The frames of a {@link FrameSpec}, sorted, without duplicates. */
export function framesOf(spec: FrameSpec): number[] {
  const out = new Set<number>()
  const add = (v: unknown) => {
    if (isRange(v)) {
      const start = checkFrame(v.start)
      const end = checkFrame(v.end)
      if (end < start) throw fail('FrameOutOfRange.backwardsRange', { start, end })
      for (let f = start; f <= end; f++) out.add(f)
    } else out.add(checkFrame(v))
  }
  if (typeof spec === 'number' || isRange(spec)) add(spec)
  else for (const v of spec) add(v)
  return [...out].sort((a, b) => a - b)
}

/** Sorted frames → inclusive `[start, end]` pairs of consecutive runs, as label JSON writes `range`. */
export function framesToRanges(frames: Iterable<number>): [number, number][] {
  const sorted = [...new Set(frames)].sort((a, b) => a - b)
  const out: [number, number][] = []
  for (const f of sorted) {
    const last = out[out.length - 1]
    if (last && f === last[1] + 1) last[1] = f
    else out.push([f, f])
  }
  return out
}

/** `[[start, end], ...]` from label JSON → frames (tolerates junk: ignored). */
export function rangesToFrames(ranges: unknown): number[] {
  const out = new Set<number>()
  if (Array.isArray(ranges)) {
    for (const r of ranges) {
      if (Array.isArray(r) && r.length >= 2 && Number.isInteger(r[0]) && Number.isInteger(r[1])) {
        for (let f = r[0] as number; f <= (r[1] as number); f++) out.add(f)
      }
    }
  }
  return [...out].sort((a, b) => a - b)
}

/** `0–3, 7` for messages. */
export function describeFrames(frames: Iterable<number>): string {
  return framesToRanges(frames)
    .map(([a, b]) => (a === b ? String(a) : `${a}–${b}`))
    .join(', ')
}
