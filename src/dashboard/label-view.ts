/**
 * A label row (Encord's save format, label-model.md §3) read for display: the geometry of every object
 * on every frame of every data unit, and the objects and classifications with their answers in words.
 *
 * Reading is forgiving on purpose: the dashboard shows whatever an agent saved, including rows the
 * SDK would refuse, so an unknown shape or a malformed coordinate becomes a note in `problems`
 * instead of an error. Pure (no DOM, no Node), shared by the front end and its unit tests.
 */

import { isRecord, type Raw } from '../shared/records.js'

/** Coordinates are normalised to [0, 1] of the frame, except bitmasks (pixels). */
export type Geometry =
  | { kind: 'box'; x: number; y: number; w: number; h: number }
  | { kind: 'rotated-box'; x: number; y: number; w: number; h: number; theta: number }
  /** polygons → rings (the first is the outer one) → points */
  | { kind: 'polygon'; polygons: Array<Array<Array<[number, number]>>> }
  | { kind: 'polyline'; points: Array<[number, number]> }
  | { kind: 'point'; x: number; y: number }
  | { kind: 'skeleton'; points: Array<{ x: number; y: number; name: string }> }
  | { kind: 'bitmask'; top: number; left: number; width: number; height: number; rleString: string }
  | { kind: 'other'; shape: string }

/** One object instance drawn on one frame. */
export interface DrawnObject {
  objectHash: string
  name: string
  color: string
  shape: string
  geometry: Geometry
  confidence: number | null
}

/** A data unit of the row: a single image or video, or one image of an image group. */
export interface UnitView {
  /** The key in `data_units` (the data hash, or the child item's uuid in an image group). */
  unitHash: string
  title: string
  /** Position in an image group (0 otherwise). */
  sequence: number
  /** The unit's mime type (`data_type` inside `data_units`). */
  mimeType: string | null
  width: number | null
  height: number | null
  fps: number | null
  /** Frames with objects or classifications, ascending (images: `[0]`). */
  frames: number[]
  /** frame → objects drawn on it */
  objects: Record<number, DrawnObject[]>
  /** frame → classification hashes present on it */
  classifications: Record<number, string[]>
}

/** An answer, ready to print: `Colour: Red`. */
export interface AnswerLine {
  name: string
  value: string
  /** Dynamic answers (video): the frames they hold for, e.g. `1–2, 5`. */
  frames?: string
}

export interface ObjectSummary {
  objectHash: string
  name: string
  color: string
  shape: string
  featureHash: string
  /** unit hash → frames the object is on */
  frames: Record<string, number[]>
  confidence: number | null
  createdBy: string | null
  manualAnnotation: boolean | null
  answers: AnswerLine[]
}

export interface ClassificationSummary {
  classificationHash: string
  name: string
  featureHash: string
  /** unit hash → frames (empty for global classifications) */
  frames: Record<string, number[]>
  createdBy: string | null
  manualAnnotation: boolean | null
  answers: AnswerLine[]
}

export interface LabelView {
  units: UnitView[]
  objects: ObjectSummary[]
  classifications: ClassificationSummary[]
  /** What could not be read (shown, never thrown). */
  problems: string[]
}

const FALLBACK_COLOR = '#2f80ed'

/** Read a label row dict for display. */
export function viewLabels(labels: unknown): LabelView {
  const view: LabelView = { units: [], objects: [], classifications: [], problems: [] }
  if (!isRecord(labels)) {
    view.problems.push('the label row is not an object')
    return view
  }
  const objects = new Map<string, ObjectSummary>()
  const classifications = new Map<string, ClassificationSummary>()
  const dataUnits = isRecord(labels.data_units) ? labels.data_units : {}
  for (const [unitHash, rawUnit] of Object.entries(dataUnits)) {
    if (!isRecord(rawUnit)) continue
    const unit: UnitView = {
      unitHash,
      title: str(rawUnit.data_title) ?? unitHash,
      sequence: Number(rawUnit.data_sequence ?? 0) || 0,
      mimeType: str(rawUnit.data_type),
      width: num(rawUnit.width),
      height: num(rawUnit.height),
      fps: num(rawUnit.data_fps),
      frames: [],
      objects: {},
      classifications: {},
    }
    const frameLabels = isRecord(rawUnit.labels) ? rawUnit.labels : {}
    // Images carry `{objects, classifications}` directly; videos and other frame-based media key them by frame.
    const perFrame: Array<[number, Raw]> =
      Array.isArray(frameLabels.objects) || Array.isArray(frameLabels.classifications)
        ? [[0, frameLabels]]
        : Object.entries(frameLabels)
            .filter((e): e is [string, Raw] => isRecord(e[1]) && /^\d+$/.test(e[0]))
            .map(([k, v]): [number, Raw] => [Number(k), v])
            .sort((a, b) => a[0] - b[0])
    for (const [frame, entry] of perFrame) {
      const drawn: DrawnObject[] = []
      for (const o of Array.isArray(entry.objects) ? entry.objects : []) {
        if (!isRecord(o) || o.isDeleted === true) continue
        const objectHash = str(o.objectHash) ?? `?${drawn.length}`
        const shape = str(o.shape) ?? 'unknown'
        const geometry = readGeometry(shape, o, view.problems, `${str(o.name) ?? objectHash} on frame ${frame}`)
        const color = str(o.color) ?? FALLBACK_COLOR
        drawn.push({
          objectHash,
          name: str(o.name) ?? '(unnamed)',
          color,
          shape,
          geometry,
          confidence: num(o.confidence),
        })
        let summary = objects.get(objectHash)
        if (!summary) {
          summary = {
            objectHash,
            name: str(o.name) ?? '(unnamed)',
            color,
            shape,
            featureHash: str(o.featureHash) ?? '',
            frames: {},
            confidence: num(o.confidence),
            createdBy: str(o.createdBy),
            manualAnnotation: bool(o.manualAnnotation),
            answers: [],
          }
          objects.set(objectHash, summary)
        }
        ;(summary.frames[unitHash] ??= []).push(frame)
      }
      const classes: string[] = []
      for (const c of Array.isArray(entry.classifications) ? entry.classifications : []) {
        if (!isRecord(c)) continue
        const hash = str(c.classificationHash)
        if (!hash) continue
        classes.push(hash)
        let summary = classifications.get(hash)
        if (!summary) {
          summary = {
            classificationHash: hash,
            name: str(c.name) ?? '(unnamed)',
            featureHash: str(c.featureHash) ?? '',
            frames: {},
            createdBy: str(c.createdBy),
            manualAnnotation: bool(c.manualAnnotation),
            answers: [],
          }
          classifications.set(hash, summary)
        }
        ;(summary.frames[unitHash] ??= []).push(frame)
      }
      if (drawn.length > 0) unit.objects[frame] = drawn
      if (classes.length > 0) unit.classifications[frame] = classes
      if (drawn.length > 0 || classes.length > 0) unit.frames.push(frame)
    }
    view.units.push(unit)
  }
  view.units.sort((a, b) => a.sequence - b.sequence)

  // Static answers of objects (§3.5); range-based media (audio, text) keep their objects only here.
  const objectAnswers = isRecord(labels.object_answers) ? labels.object_answers : {}
  for (const [hash, entry] of Object.entries(objectAnswers)) {
    if (!isRecord(entry)) continue
    let summary = objects.get(hash)
    if (!summary) {
      if (str(entry.name) === null) continue
      summary = {
        objectHash: hash,
        name: str(entry.name)!,
        color: str(entry.color) ?? FALLBACK_COLOR,
        shape: str(entry.shape) ?? 'unknown',
        featureHash: str(entry.featureHash) ?? '',
        frames: {},
        confidence: null,
        createdBy: str(entry.createdBy),
        manualAnnotation: bool(entry.manualAnnotation),
        answers: [],
      }
      objects.set(hash, summary)
    }
    summary.answers.push(...answerLines(entry.classifications))
  }
  // Dynamic answers (§3.6), with the frames they hold for.
  const objectActions = isRecord(labels.object_actions) ? labels.object_actions : {}
  for (const [hash, entry] of Object.entries(objectActions)) {
    const summary = objects.get(hash)
    if (!summary || !isRecord(entry) || !Array.isArray(entry.actions)) continue
    for (const action of entry.actions) {
      if (!isRecord(action)) continue
      for (const line of answerLines([action])) summary.answers.push({ ...line, frames: describeRanges(action.range) })
    }
  }
  // Classification answers (§3.7); global classifications appear only here.
  const classificationAnswers = isRecord(labels.classification_answers) ? labels.classification_answers : {}
  for (const [hash, entry] of Object.entries(classificationAnswers)) {
    if (!isRecord(entry)) continue
    const lines = answerLines(entry.classifications)
    let summary = classifications.get(hash)
    if (!summary) {
      summary = {
        classificationHash: hash,
        name: lines[0]?.name ?? '(unnamed)',
        featureHash: str(entry.featureHash) ?? '',
        frames: {},
        createdBy: str(entry.createdBy),
        manualAnnotation: bool(entry.manualAnnotation),
        answers: [],
      }
      classifications.set(hash, summary)
    }
    summary.answers.push(...lines)
  }
  view.objects = [...objects.values()]
  view.classifications = [...classifications.values()]
  return view
}

/** How an object changed between two versions of a row. */
export type ObjectChange = 'added' | 'removed' | 'changed' | 'same'

/** Compare the objects of two versions (by object hash; geometry and answers). */
export function compareObjects(before: LabelView, after: LabelView): Map<string, ObjectChange> {
  const fingerprint = (view: LabelView) => {
    const out = new Map<string, string>()
    for (const o of view.objects) out.set(o.objectHash, JSON.stringify([o.name, o.answers]))
    for (const u of view.units) {
      for (const f of u.frames)
        for (const d of u.objects[f] ?? [])
          out.set(d.objectHash, `${out.get(d.objectHash) ?? ''}|${u.unitHash}:${f}:${JSON.stringify(d.geometry)}`)
    }
    return out
  }
  const a = fingerprint(before)
  const b = fingerprint(after)
  const changes = new Map<string, ObjectChange>()
  for (const [hash, print] of b) changes.set(hash, !a.has(hash) ? 'added' : a.get(hash) === print ? 'same' : 'changed')
  for (const hash of a.keys()) if (!b.has(hash)) changes.set(hash, 'removed')
  return changes
}

function readGeometry(shape: string, o: Raw, problems: string[], what: string): Geometry {
  const bad = (detail: string): Geometry => {
    problems.push(`${what}: ${detail}`)
    return { kind: 'other', shape }
  }
  switch (shape) {
    case 'bounding_box': {
      const b = box(o.boundingBox)
      return b ? { kind: 'box', ...b } : bad('boundingBox is missing or not {x, y, w, h}')
    }
    case 'rotatable_bounding_box': {
      const r = o.rotatableBoundingBox
      const b = box(r)
      return b && isRecord(r)
        ? { kind: 'rotated-box', ...b, theta: num(r.theta) ?? 0 }
        : bad('rotatableBoundingBox is missing or not {x, y, w, h, theta}')
    }
    case 'polygon': {
      const polygons = readPolygons(o.polygons) ?? wrap(points(o.polygon))
      return polygons ? { kind: 'polygon', polygons } : bad('polygon has no points')
    }
    case 'polyline': {
      const line = points(o.polyline)
      return line ? { kind: 'polyline', points: line } : bad('polyline has no points')
    }
    case 'point': {
      const p = points(o.point)
      return p ? { kind: 'point', x: p[0][0], y: p[0][1] } : bad('point is missing')
    }
    case 'skeleton': {
      const raw = o.skeleton
      const list = isRecord(raw) ? Object.values(raw) : Array.isArray(raw) ? raw : []
      const pts = list
        .filter(isRecord)
        .flatMap((p) =>
          num(p.x) !== null && num(p.y) !== null ? [{ x: num(p.x)!, y: num(p.y)!, name: str(p.name) ?? '' }] : [],
        )
      return pts.length > 0 ? { kind: 'skeleton', points: pts } : bad('skeleton has no points')
    }
    case 'bitmask': {
      const m = o.bitmask
      if (!isRecord(m) || typeof m.rleString !== 'string') return bad('bitmask is missing or has no rleString')
      const [top, left, width, height] = [num(m.top) ?? 0, num(m.left) ?? 0, num(m.width), num(m.height)]
      if (width === null || height === null) return bad('bitmask has no width/height')
      return { kind: 'bitmask', top, left, width, height, rleString: m.rleString }
    }
    default:
      return { kind: 'other', shape }
  }
}

function box(raw: unknown): { x: number; y: number; w: number; h: number } | null {
  if (!isRecord(raw)) return null
  const [x, y, w, h] = [num(raw.x), num(raw.y), num(raw.w), num(raw.h)]
  return x === null || y === null || w === null || h === null ? null : { x, y, w, h }
}

/** `{"0": {x, y}, ...}` or `[{x, y}, ...]` → points in index order. */
function points(raw: unknown): Array<[number, number]> | null {
  const list = Array.isArray(raw)
    ? raw
    : isRecord(raw)
      ? Object.entries(raw)
          .sort((a, b) => Number(a[0]) - Number(b[0]))
          .map((e) => e[1])
      : []
  const out = list
    .filter(isRecord)
    .flatMap((p): Array<[number, number]> => (num(p.x) !== null && num(p.y) !== null ? [[num(p.x)!, num(p.y)!]] : []))
  return out.length > 0 ? out : null
}

/** `polygons`: polygons → rings → flat [x0, y0, x1, y1, ...]. */
function readPolygons(raw: unknown): Array<Array<Array<[number, number]>>> | null {
  if (!Array.isArray(raw)) return null
  const out = raw.flatMap((polygon) => {
    if (!Array.isArray(polygon)) return []
    const rings = polygon.flatMap((ring) => {
      if (!Array.isArray(ring)) return []
      const pts: Array<[number, number]> = []
      for (let i = 0; i + 1 < ring.length; i += 2)
        if (typeof ring[i] === 'number' && typeof ring[i + 1] === 'number') pts.push([ring[i], ring[i + 1]])
      return pts.length > 0 ? [pts] : []
    })
    return rings.length > 0 ? [rings] : []
  })
  return out.length > 0 ? out : null
}

function wrap(ring: Array<[number, number]> | null): Array<Array<Array<[number, number]>>> | null {
  return ring ? [[ring]] : null
}

/** Answers (`classifications` of object/classification answers) → lines; nested answers are flat siblings. */
function answerLines(raw: unknown): AnswerLine[] {
  if (!Array.isArray(raw)) return []
  return raw.filter(isRecord).map((a) => ({ name: str(a.name) ?? str(a.value) ?? '?', value: formatAnswer(a.answers) }))
}

function formatAnswer(answers: unknown): string {
  if (typeof answers === 'string') return answers
  if (typeof answers === 'number' || typeof answers === 'boolean') return String(answers)
  if (Array.isArray(answers))
    return answers.map((o) => (isRecord(o) ? (str(o.name) ?? str(o.value) ?? '?') : String(o))).join(', ')
  return answers === null || answers === undefined ? '' : JSON.stringify(answers)
}

/** `[[1, 2], [5, 5]]` → `1–2, 5`. */
export function describeRanges(raw: unknown): string {
  if (!Array.isArray(raw)) return ''
  return raw
    .filter((r): r is [number, number] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number')
    .map(([a, b]) => (a === b ? String(a) : `${a}–${b}`))
    .join(', ')
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null
}
