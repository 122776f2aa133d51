import { fail } from '../shared/error-catalogue/index.js'
/**
 * The frame checks of a label row: which frames labels may go on (by the row's data units and frame
 * count), and that a classification is on a frame at most once.
 */
import type { ClassificationInstance } from './classification-instance.js'
import { describeFrames, framesOf, type FrameSpec } from './frames.js'
import { num, unitForFrame, type UnitState } from './row-content.js'
import type { LabelRowMetadata } from '../encord/types.js'

/** Refuse `frames` the row has no place for (read-only data, a frame past the images or the frame count). */
export function checkFrames(
  units: readonly UnitState[],
  frames: number[],
  what: string,
  row: { dataType: string; dataTitle: string; metadata: LabelRowMetadata | null },
): void {
  const writable = units.some((u) => u.layout !== 'opaque')
  if (!writable) {
    throw fail('ReadOnlyLabels', { what, row: row.dataType || 'this' })
  }
  const flat = units.filter((u) => u.layout === 'flat')
  if (flat.length > 0) {
    const valid = new Set(flat.map((u) => u.frame))
    const bad = frames.filter((f) => !valid.has(f))
    if (bad.length > 0) {
      const desc =
        row.dataType === 'image'
          ? 'an image has only frame 0'
          : `this ${row.dataType} has frames ${describeFrames(valid)}`
      throw fail('FrameOutOfRange.framesNotAllowed', { what, bad: describeFrames(bad), desc })
    }
    return
  }
  const count = row.metadata?.numberOfFrames
  if (typeof count === 'number' && count > 0) {
    const bad = frames.filter((f) => f >= count)
    if (bad.length > 0) {
      throw fail('FrameOutOfRange.pastLastFrame', {
        what,
        bad: describeFrames(bad),
        dataTitle: JSON.stringify(row.dataTitle),
        count,
      })
    }
  }
}

/**
 * Refuse a classification on frames where another instance of the same classification is, or with
 * `force` take those frames from it.
 */
export function checkClassificationFrames(
  classifications: ReadonlyMap<string, ClassificationInstance>,
  inst: ClassificationInstance,
  frames: number[],
  force: boolean,
): void {
  for (const other of classifications.values()) {
    if (other === inst || other.featureHash !== inst.featureHash) continue
    const overlap = other.frames().filter((f) => frames.includes(f))
    if (overlap.length === 0) continue
    if (force) {
      other.removeFrames(overlap)
      continue
    }
    throw fail('ClassificationFramesOverlap.framesTaken', {
      title: JSON.stringify(inst.title),
      overlap: describeFrames(overlap),
      classificationHash: other.classificationHash,
    })
  }
}

/** The size of the frame's data unit in pixels, when it says. */
export function frameSize(units: readonly UnitState[], frame: number): { width: number; height: number } | null {
  const u = unitForFrame(units, frame)
  const w = num(u?.fields['width'])
  const h = num(u?.fields['height'])
  return w !== null && h !== null ? { width: w, height: h } : null
}

/**
 * Instances of one feature (when `featureHash` is given) that are on any of `frames` (when given), in
 * their order: the filter of `LabelRow.objects()` and `LabelRow.classifications()`.
 */
export function filterInstances<T extends { featureHash: string }>(
  list: T[],
  featureHash: string | undefined,
  frames: FrameSpec | undefined,
  isOn: (instance: T, frame: number) => boolean,
): T[] {
  let out = featureHash === undefined ? list : list.filter((i) => i.featureHash === featureHash)
  if (frames !== undefined) {
    const wanted = framesOf(frames)
    out = out.filter((i) => wanted.some((f) => isOn(i, f)))
  }
  return out
}

/** `frames: 'all'` of a row with `count` frames (refused when the count is unknown). */
export function allFrames(count: number | null, dataTitle: string): FrameSpec {
  if (count === null || count <= 0)
    throw fail('FrameOutOfRange.allFramesUnknown', { dataTitle: JSON.stringify(dataTitle) })
  return { start: 0, end: count - 1 }
}
