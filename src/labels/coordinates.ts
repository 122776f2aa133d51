import { fail } from '../shared/error-catalogue/index.js'
/**
 * Coordinates of object labels, one type per shape, with the JSON each is written as (label-model.md
 * §3.3). Geometry is normalised to [0, 1] of the frame's width/height; bitmasks are in pixels.
 *
 * Coordinates read from a label row are frozen: change them through the instance (so the row knows
 * it changed), e.g. `instance.annotation(0)!.update({ coordinates })`.
 */
import { isRecord, type Raw } from '../shared/records.js'
import { Bitmask, type BitmaskInput } from './bitmask.js'
import type { OntologyObject, Shape, SkeletonTemplatePoint } from './ontology.js'

/** An axis-aligned box; `x`/`y` is the top-left corner. Normalised. */
export interface BoundingBox {
  x: number
  y: number
  w: number
  h: number
}

/** A box rotated by `theta` degrees about its centre. Normalised. */
export interface RotatableBoundingBox extends BoundingBox {
  theta: number
}

/** A point. Normalised. */
export interface Point2D {
  x: number
  y: number
}

/**
 * One or more polygons. `polygons[p][r]` is ring `r` of polygon `p` (ring 0 is the outer boundary,
 * the others are holes); `points` is ring 0 of polygon 0, which is all most polygons have.
 */
export interface Polygon {
  points: readonly Point2D[]
  polygons: readonly (readonly (readonly Point2D[])[])[]
}

/** An open line through `points`. */
export interface Polyline {
  points: readonly Point2D[]
}

/** How visible a skeleton point is. */
export type SkeletonVisibility = 'visible' | 'occluded' | 'invisible' | 'selfOccluded'

/** One point of a skeleton label; the names come from the skeleton template. */
export interface SkeletonPoint extends SkeletonTemplatePoint {
  visibility?: SkeletonVisibility | (string & {})
}

/** A skeleton (keypoints) label: its points in template order. */
export interface Skeleton {
  points: readonly SkeletonPoint[]
}

/** Coordinates of shapes this model does not interpret (cuboids, segmentation): the JSON keys as they are. */
export interface RawCoordinates {
  raw: Readonly<Record<string, unknown>>
}

/** The coordinates type of each shape, as read from a label row. */
export interface CoordinatesByShape {
  bounding_box: BoundingBox
  rotatable_bounding_box: RotatableBoundingBox
  polygon: Polygon
  polyline: Polyline
  point: Point2D
  bitmask: Bitmask
  skeleton: Skeleton
  cuboid: RawCoordinates
  cuboid_2d: RawCoordinates
  segmentation: RawCoordinates
  audio: RawCoordinates
  text: RawCoordinates
}

/** Any coordinates. */
export type Coordinates = CoordinatesByShape[Shape]

/** A skeleton point as given when writing: position (and visibility); names default from the template. */
export type SkeletonPointInput = Point2D & Partial<Omit<SkeletonPoint, 'x' | 'y'>>

/** What each shape accepts when writing (plain lists of points are fine). */
export interface CoordinatesInputByShape {
  bounding_box: BoundingBox
  rotatable_bounding_box: RotatableBoundingBox
  polygon:
    readonly Point2D[] | { points: readonly Point2D[] } | { polygons: readonly (readonly (readonly Point2D[])[])[] }
  polyline: readonly Point2D[] | { points: readonly Point2D[] }
  point: Point2D
  bitmask: BitmaskInput
  skeleton: readonly SkeletonPointInput[] | { points: readonly SkeletonPointInput[] }
  cuboid: RawCoordinates
  cuboid_2d: RawCoordinates
  segmentation: RawCoordinates
  audio: RawCoordinates
  text: RawCoordinates
}

/** Any coordinates input. */
export type CoordinatesInput = CoordinatesInputByShape[Shape]

/** JSON keys of a frame object entry that hold coordinates. */
export const COORDINATE_KEYS: ReadonlySet<string> = new Set([
  'boundingBox',
  'rotatableBoundingBox',
  'polygon',
  'polygons',
  'polyline',
  'point',
  'bitmask',
  'skeleton',
  'cuboid',
  'cuboid_2d',
  'cuboid2d',
])

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v)
    // No `Object.values`: it allocates an array per object frozen (this runs for every loaded label).
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) deepFreeze(v[i])
    else for (const k in v) if (Object.hasOwn(v, k)) deepFreeze((v as Record<string, unknown>)[k])
  }
  return v
}

// ---------------------------------------------------------------------------------------------------
// Reading (tolerant: the JSON came from Encord)

/** Points written either as `{"0": {x, y}, ...}` or as a list. */
function readPointMap(v: unknown): Point2D[] {
  const entries = Array.isArray(v) ? v.map((p, i) => [String(i), p] as const) : isRecord(v) ? Object.entries(v) : []
  return entries
    .filter(([, p]) => isRecord(p))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, p]) => ({ x: Number((p as Raw)['x']), y: Number((p as Raw)['y']) }))
}

function readFlatRings(v: unknown): Point2D[][][] {
  if (!Array.isArray(v)) return []
  return v.map((polygon) =>
    Array.isArray(polygon)
      ? polygon.map((ring) => {
          const flat = Array.isArray(ring) ? ring.map(Number) : []
          const pts: Point2D[] = []
          for (let i = 0; i + 1 < flat.length; i += 2) pts.push({ x: flat[i], y: flat[i + 1] })
          return pts
        })
      : [],
  )
}

/**
 * The coordinates in a frame object entry, decided by which key it has (as the SDK does), or
 * {@link RawCoordinates} for keys we do not interpret.
 */
export function readCoordinates(entry: Raw): Coordinates {
  const bb = entry['boundingBox']
  // Boxes hold numbers only: frozen as they are (deepFreeze walks values through an array per object).
  if (isRecord(bb))
    return Object.freeze({ x: Number(bb['x']), y: Number(bb['y']), w: Number(bb['w']), h: Number(bb['h']) })
  const rb = entry['rotatableBoundingBox']
  if (isRecord(rb)) {
    return Object.freeze({
      x: Number(rb['x']),
      y: Number(rb['y']),
      w: Number(rb['w']),
      h: Number(rb['h']),
      theta: Number(rb['theta']),
    })
  }
  if ('polygon' in entry || 'polygons' in entry) {
    let polygons = readFlatRings(entry['polygons'])
    if (polygons.length === 0 || polygons[0].length === 0) polygons = [[readPointMap(entry['polygon'])]]
    return deepFreeze({ points: polygons[0]?.[0] ?? [], polygons })
  }
  if ('polyline' in entry) return deepFreeze({ points: readPointMap(entry['polyline']) })
  if ('point' in entry) {
    const p = readPointMap(entry['point'])[0]
    return deepFreeze(p ?? { x: Number.NaN, y: Number.NaN })
  }
  if (isRecord(entry['bitmask'])) {
    const b = entry['bitmask']
    return new Bitmask({
      top: Number(b['top'] ?? 0),
      left: Number(b['left'] ?? 0),
      height: Number(b['height']),
      width: Number(b['width']),
      rleString: String(b['rleString'] ?? ''),
    })
  }
  if (isRecord(entry['skeleton'])) {
    const points = Object.entries(entry['skeleton'])
      .filter(([, p]) => isRecord(p))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, p]) => {
        const r = p as Raw
        const point: SkeletonPoint = {
          x: Number(r['x']),
          y: Number(r['y']),
          name: String(r['name'] ?? ''),
          color: String(r['color'] ?? ''),
          value: String(r['value'] ?? ''),
          featureHash: String(r['featureHash'] ?? ''),
        }
        if (typeof r['visibility'] === 'string') point.visibility = r['visibility']
        return point
      })
    return deepFreeze({ points })
  }
  const raw: Raw = {}
  for (const [k, v] of Object.entries(entry)) if (COORDINATE_KEYS.has(k)) raw[k] = structuredClone(v)
  return deepFreeze({ raw })
}

// ---------------------------------------------------------------------------------------------------
// Writing

function pointMap(points: readonly Point2D[]): Record<string, Point2D> {
  const out: Record<string, Point2D> = {}
  points.forEach((p, i) => (out[String(i)] = { x: p.x, y: p.y }))
  return out
}

/** The JSON keys (and values) that coordinates of `shape` are written as, in the SDK's key order. */
export function writeCoordinates(shape: Shape, c: Coordinates): Raw {
  switch (shape) {
    case 'bounding_box': {
      const b = c as BoundingBox
      return { boundingBox: { h: b.h, w: b.w, x: b.x, y: b.y } }
    }
    case 'rotatable_bounding_box': {
      const b = c as RotatableBoundingBox
      return { rotatableBoundingBox: { h: b.h, w: b.w, x: b.x, y: b.y, theta: b.theta } }
    }
    case 'polygon': {
      const p = c as Polygon
      return {
        polygon: pointMap(p.polygons[0]?.[0] ?? []),
        polygons: p.polygons.map((poly) => poly.map((ring) => ring.flatMap((pt) => [pt.x, pt.y]))),
      }
    }
    case 'polyline':
      return { polyline: pointMap((c as Polyline).points) }
    case 'point': {
      const p = c as Point2D
      return { point: { '0': { x: p.x, y: p.y } } }
    }
    case 'bitmask':
      return { bitmask: (c as Bitmask).toDict() }
    case 'skeleton': {
      const out: Record<string, Raw> = {}
      ;(c as Skeleton).points.forEach((p, i) => {
        const e: Raw = { x: p.x, y: p.y, name: p.name, color: p.color, value: p.value, featureHash: p.featureHash }
        if (p.visibility !== undefined) e['visibility'] = p.visibility
        out[String(i)] = e
      })
      return { skeleton: out }
    }
    default:
      return structuredClone((c as RawCoordinates).raw)
  }
}

// ---------------------------------------------------------------------------------------------------
// Validating what a handler passes

/** Tolerance for float noise at the edges of [0, 1]. */
const EPS = 1e-9

function what(input: unknown): string {
  if (input instanceof Bitmask) return 'a bitmask'
  if (Array.isArray(input)) return `a list of ${input.length} item(s)`
  if (!isRecord(input)) return JSON.stringify(input) ?? String(input)
  if ('theta' in input && 'w' in input) return 'a rotatable bounding box {x, y, w, h, theta}'
  if ('w' in input && 'h' in input) return 'a bounding box {x, y, w, h}'
  if ('rleString' in input || 'mask' in input || 'rows' in input) return 'a bitmask'
  if ('polygons' in input) return 'polygons'
  if ('points' in input) return 'a list of points'
  if ('x' in input && 'y' in input) return 'a point {x, y}'
  if ('raw' in input) return 'raw coordinates'
  return `an object with keys ${Object.keys(input).join(', ') || '(none)'}`
}

const EXPECTED: Record<string, string> = {
  bounding_box: 'a bounding box {x, y, w, h}',
  rotatable_bounding_box: 'a rotatable bounding box {x, y, w, h, theta}',
  polygon: 'points [{x, y}, ...] (at least 3), { points } or { polygons }',
  polyline: 'points [{x, y}, ...] (at least 2) or { points }',
  point: 'a point {x, y}',
  bitmask: 'a Bitmask (Bitmask.fromMask(pixels, { width, height }))',
  skeleton: 'skeleton points [{x, y, visibility?}, ...] in template order',
}

function wrongShape(obj: OntologyObject, input: unknown): Error {
  return fail(
    'WrongShape.coordinatesOfOtherShape',
    {
      name: JSON.stringify(obj.name),
      shape: obj.shape,
      expected: EXPECTED[obj.shape] ?? 'raw coordinates { raw }',
      input: what(input),
    },
    { data: { object: obj.name, shape: obj.shape } },
  )
}

function bad(obj: OntologyObject, why: string, hint?: string): Error {
  return fail('InvalidCoordinates.object', {
    shape: obj.shape,
    name: JSON.stringify(obj.name),
    why,
    hint,
  })
}

function unit(obj: OntologyObject, v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw bad(obj, `${name} must be a finite number, got ${JSON.stringify(v)}`)
  if (v < -EPS || v > 1 + EPS) {
    throw bad(
      obj,
      `${name} = ${v} is outside [0, 1]`,
      v > 1 ? 'Looks like pixels: divide x and w by the frame width, y and h by its height.' : undefined,
    )
  }
  return v
}

function point(obj: OntologyObject, p: unknown, name: string): Point2D {
  if (!isRecord(p)) throw bad(obj, `${name} must be a point {x, y}, got ${JSON.stringify(p)}`)
  return { x: unit(obj, p['x'], `${name}.x`), y: unit(obj, p['y'], `${name}.y`) }
}

function points(obj: OntologyObject, list: unknown, min: number, name = 'points'): Point2D[] {
  if (!Array.isArray(list)) throw wrongShape(obj, list)
  if (list.length < min) throw bad(obj, `${name} has ${list.length} point(s); a ${obj.shape} needs at least ${min}`)
  return list.map((p, i) => point(obj, p, `${name}[${i}]`))
}

/**
 * Check coordinates given for an object of `obj.shape` and return them in the read form (frozen).
 * Throws `WrongShape` for coordinates of another shape and `InvalidCoordinates` for bad values.
 */
export function normaliseCoordinates<S extends Shape>(obj: OntologyObject<S>, input: unknown): CoordinatesByShape[S] {
  return deepFreeze(normalise(obj as OntologyObject, input)) as CoordinatesByShape[S]
}

function normalise(obj: OntologyObject, input: unknown): Coordinates {
  if (input === null || input === undefined) throw bad(obj, 'no coordinates given')
  const r = input as Raw
  switch (obj.shape) {
    case 'bounding_box':
    case 'rotatable_bounding_box': {
      const rotatable = obj.shape === 'rotatable_bounding_box'
      if (!isRecord(input) || !('w' in r) || !('h' in r) || (rotatable && !('theta' in r)) || input instanceof Bitmask)
        throw wrongShape(obj, input)
      const box = {
        x: unit(obj, r['x'], 'x'),
        y: unit(obj, r['y'], 'y'),
        w: unit(obj, r['w'], 'w'),
        h: unit(obj, r['h'], 'h'),
      }
      if (!rotatable) return box
      const theta = r['theta']
      if (typeof theta !== 'number' || !Number.isFinite(theta))
        throw bad(obj, `theta must be a finite number of degrees, got ${JSON.stringify(theta)}`)
      return { ...box, theta }
    }
    case 'polygon': {
      if (Array.isArray(input)) {
        const ring = points(obj, input, 3)
        return { points: ring, polygons: [[ring]] }
      }
      if (isRecord(input) && Array.isArray(r['polygons'])) {
        const polys = r['polygons'] as unknown[]
        if (polys.length === 0) throw bad(obj, 'polygons is empty')
        const polygons = polys.map((poly, p) => {
          if (!Array.isArray(poly) || poly.length === 0)
            throw bad(obj, `polygons[${p}] must be a non-empty list of rings (lists of points)`)
          return poly.map((ring, k) => points(obj, ring, 3, `polygons[${p}][${k}]`))
        })
        return { points: polygons[0][0], polygons }
      }
      if (isRecord(input) && Array.isArray(r['points'])) {
        const ring = points(obj, r['points'], 3)
        return { points: ring, polygons: [[ring]] }
      }
      throw wrongShape(obj, input)
    }
    case 'polyline': {
      if (Array.isArray(input)) return { points: points(obj, input, 2) }
      if (isRecord(input) && Array.isArray(r['points'])) return { points: points(obj, r['points'], 2) }
      throw wrongShape(obj, input)
    }
    case 'point': {
      if (!isRecord(input) || 'w' in r || !('x' in r) || input instanceof Bitmask) throw wrongShape(obj, input)
      return point(obj, input, 'point')
    }
    case 'bitmask': {
      if (!(input instanceof Bitmask) && !(isRecord(input) && ('rleString' in r || 'mask' in r || 'rows' in r)))
        throw wrongShape(obj, input)
      return Bitmask.from(input as BitmaskInput)
    }
    case 'skeleton': {
      const list = Array.isArray(input)
        ? input
        : isRecord(input) && Array.isArray(r['points'])
          ? (r['points'] as unknown[])
          : undefined
      if (!list) throw wrongShape(obj, input)
      const template = obj.skeletonTemplate?.points ?? []
      if (template.length > 0 && list.length !== template.length) {
        throw bad(
          obj,
          `the skeleton template has ${template.length} points (${template.map((p) => p.name).join(', ')}), got ${list.length}`,
          'Give one point per template point, in template order.',
        )
      }
      return {
        points: list.map((p, i) => {
          const xy = point(obj, p, `points[${i}]`)
          const given = p as Partial<SkeletonPoint>
          const t = template[i]
          const out: SkeletonPoint = {
            ...xy,
            name: given.name ?? t?.name ?? `point_${i}`,
            color: given.color ?? t?.color ?? '#000000',
            value: given.value ?? t?.value ?? `point_${i}`,
            featureHash: given.featureHash ?? t?.featureHash ?? '',
          }
          if (given.visibility !== undefined) out.visibility = given.visibility
          return out
        }),
      }
    }
    default: {
      if (!isRecord(input) || !isRecord(r['raw'])) throw wrongShape(obj, input)
      return { raw: structuredClone(r['raw']) }
    }
  }
}
