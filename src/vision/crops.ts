import { fail } from '../shared/error-catalogue/index.js'
/**
 * Where an object label sits on its frame, in pixels: the box a crop cuts out. Normalised geometry is
 * scaled by the frame's size; bitmasks are pixels already.
 */
import { UserError } from '../shared/errors.js'
import { Bitmask } from '../labels/bitmask.js'
import type { Coordinates, Point2D } from '../labels/coordinates.js'
import type { PixelBox } from './frame.js'

/** Padding around a crop: pixels on each side, or a percentage of the box's width/height (`'10%'`). */
export type CropPadding = number | `${number}%`

function pointsBox(points: Iterable<Point2D>, size: { width: number; height: number }): PixelBox | undefined {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (const p of points) {
    minX = Math.min(minX, p.x)
    minY = Math.min(minY, p.y)
    maxX = Math.max(maxX, p.x)
    maxY = Math.max(maxY, p.y)
  }
  if (minX === Infinity) return undefined
  return {
    left: minX * size.width,
    top: minY * size.height,
    width: (maxX - minX) * size.width,
    height: (maxY - minY) * size.height,
  }
}

/** The corners of a box rotated by `theta` degrees about its centre (the direction does not change the enclosing box). */
function rotatedCorners(
  b: { x: number; y: number; w: number; h: number; theta: number },
  size: { width: number; height: number },
): Point2D[] {
  const cx = (b.x + b.w / 2) * size.width
  const cy = (b.y + b.h / 2) * size.height
  const hw = (b.w * size.width) / 2
  const hh = (b.h * size.height) / 2
  const t = (b.theta * Math.PI) / 180
  const cos = Math.cos(t)
  const sin = Math.sin(t)
  return [
    [-hw, -hh],
    [hw, -hh],
    [hw, hh],
    [-hw, hh],
  ].map(([dx, dy]) => ({ x: (cx + dx * cos - dy * sin) / size.width, y: (cy + dx * sin + dy * cos) / size.height }))
}

function maskBox(mask: Bitmask): PixelBox | undefined {
  const pixels = mask.toMask()
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (let i = 0; i < pixels.length; i++) {
    if (pixels[i] === 0) continue
    const x = i % mask.width
    const y = (i - x) / mask.width
    if (x < minX) minX = x
    if (x > maxX) maxX = x
    if (y < minY) minY = y
    if (y > maxY) maxY = y
  }
  if (minX === Infinity) return undefined
  return { left: mask.left + minX, top: mask.top + minY, width: maxX - minX + 1, height: maxY - minY + 1 }
}

/**
 * The pixel box around an object's coordinates on a frame of `size`, or `undefined` when the shape
 * has no extent there (an empty bitmask; cuboids, audio and text ranges).
 */
export function pixelBoxOf(coordinates: Coordinates, size: { width: number; height: number }): PixelBox | undefined {
  if (coordinates instanceof Bitmask) return maskBox(coordinates)
  const c = coordinates as unknown as Record<string, unknown>
  if ('raw' in c) return undefined
  if ('theta' in c)
    return pointsBox(
      rotatedCorners(coordinates as { x: number; y: number; w: number; h: number; theta: number }, size),
      size,
    )
  if ('w' in c && 'h' in c) {
    const b = coordinates as { x: number; y: number; w: number; h: number }
    return { left: b.x * size.width, top: b.y * size.height, width: b.w * size.width, height: b.h * size.height }
  }
  if ('polygons' in c)
    return pointsBox(
      (coordinates as { polygons: readonly (readonly (readonly Point2D[])[])[] }).polygons.flatMap((p) => p[0] ?? []),
      size,
    )
  if ('points' in c) return pointsBox((coordinates as { points: readonly Point2D[] }).points, size)
  if ('x' in c && 'y' in c) return pointsBox([coordinates as Point2D], size)
  return undefined
}

/** `box` grown by `padding` on every side (then clamped to the frame by `Frame.crop`). */
export function padBox(box: PixelBox, padding: CropPadding | undefined): PixelBox {
  if (padding === undefined || padding === 0) return box
  let dx: number
  let dy: number
  if (typeof padding === 'number') {
    if (!Number.isFinite(padding) || padding < 0) throw invalidPadding(padding)
    dx = dy = padding
  } else {
    const match = /^(\d+(?:\.\d+)?)%$/.exec(padding)
    if (match === null) throw invalidPadding(padding)
    const ratio = Number(match[1]) / 100
    dx = box.width * ratio
    dy = box.height * ratio
  }
  return { left: box.left - dx, top: box.top - dy, width: box.width + 2 * dx, height: box.height + 2 * dy }
}

function invalidPadding(padding: unknown): UserError {
  return fail('InvalidCropPadding', { padding: JSON.stringify(padding) })
}
