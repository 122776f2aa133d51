import { fail } from '../shared/error-catalogue/index.js'
/**
 * Frame views: an object's or a classification's label on one frame (coordinates and metadata),
 * read and edited through the instance they belong to.
 */
import { Bitmask } from './bitmask.js'
import {
  normaliseCoordinates,
  type Coordinates,
  type CoordinatesByShape,
  type CoordinatesInputByShape,
} from './coordinates.js'
import { parseEncordDate } from './dates.js'
import type { ClassificationInstance } from './classification-instance.js'
import type { AnnotationOptions, ObjectAnnotationOptions } from './label-options.js'
import {
  applyMetaChanges,
  classificationState,
  objectState,
  unknownFeature,
  type ObjectFrameData,
  type RowInternals,
} from './label-state.js'
import type { ObjectInstance } from './object-instance.js'
import type { OntologyObject, Shape } from './ontology.js'
import type { Raw } from '../shared/records.js'

/** Reads and edits common to label metadata on one frame. */
abstract class AnnotationView {
  /** The frame this is about. */
  readonly frame: number

  constructor(frame: number) {
    this.frame = frame
  }

  protected abstract get fields(): Raw

  /** @default 1 when the label has none */
  get confidence(): number {
    const v = this.fields['confidence']
    return typeof v === 'number' ? v : 1
  }

  get manualAnnotation(): boolean {
    return this.fields['manualAnnotation'] === true
  }

  get createdAt(): Date | null {
    return parseEncordDate(this.fields['createdAt'])
  }

  get createdBy(): string | null {
    const v = this.fields['createdBy']
    return typeof v === 'string' ? v : null
  }

  get lastEditedAt(): Date | null {
    return parseEncordDate(this.fields['lastEditedAt'])
  }

  get lastEditedBy(): string | null {
    const v = this.fields['lastEditedBy']
    return typeof v === 'string' ? v : null
  }

  /**
   * Reviews of this label on this frame, as Encord sends them when labels are loaded with reviews
   * (`labelRow({ includeReviews: true })`); `null` without. Read-only.
   */
  get reviews(): Raw[] | null {
    const v = this.fields['reviews']
    return Array.isArray(v) ? (structuredClone(v) as Raw[]) : null
  }
}

/** An object's label on one frame: its coordinates and metadata. */
export class ObjectAnnotation<S extends Shape = Shape> extends AnnotationView {
  readonly #instance: ObjectInstance<S>

  constructor(instance: ObjectInstance<S>, frame: number) {
    super(frame)
    this.#instance = instance
  }

  get #data(): ObjectFrameData {
    const d = objectState(this.#instance).frames.get(this.frame)
    if (!d)
      throw fail('FrameOutOfRange.objectLeftFrame', {
        title: JSON.stringify(this.#instance.title),
        objectHash: this.#instance.objectHash,
        frame: this.frame,
      })
    return d
  }

  protected get fields(): Raw {
    return this.#data.fields
  }

  /** The instance this label belongs to. */
  get instance(): ObjectInstance<S> {
    return this.#instance
  }

  /** Coordinates on this frame (frozen; change them with {@link update}). */
  get coordinates(): CoordinatesByShape[S] {
    return this.#data.coordinates as CoordinatesByShape[S]
  }

  get isDeleted(): boolean {
    return this.fields['isDeleted'] === true
  }

  /**
   * Change the coordinates and/or metadata. Stamps `lastEditedAt` (now) and `lastEditedBy` (the
   * row's `defaults.createdBy`) unless given.
   * @example box.annotation(0)!.update({ coordinates: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, confidence: 0.9 })
   */
  update(changes: ObjectAnnotationOptions & { coordinates?: CoordinatesInputByShape[S] }): this {
    const st = objectState(this.#instance)
    const data = this.#data
    if (changes.coordinates !== undefined) {
      if (!st.feature) throw unknownFeature('object', st.title, st.featureHash)
      const coords = normaliseCoordinates(st.feature, changes.coordinates)
      checkBitmaskSize(st.owner, st.feature, this.frame, coords)
      data.coordinates = coords
      data.rawCoordinates = null
    }
    applyMetaChanges(st.ctx, data.fields, changes, true)
    st.owner?.touch()
    return this
  }
}

/** A classification's presence on one frame: its metadata (the answer is per instance). */
export class ClassificationAnnotation extends AnnotationView {
  readonly #instance: ClassificationInstance

  constructor(instance: ClassificationInstance, frame: number) {
    super(frame)
    this.#instance = instance
  }

  protected get fields(): Raw {
    const d = classificationState(this.#instance).frames.get(this.frame)
    if (!d)
      throw fail('FrameOutOfRange.classificationLeftFrame', {
        title: JSON.stringify(this.#instance.title),
        frame: this.frame,
      })
    return d.fields
  }

  get instance(): ClassificationInstance {
    return this.#instance
  }

  /** Change the metadata. Stamps `lastEditedAt`/`lastEditedBy` unless given. */
  update(changes: AnnotationOptions): this {
    const st = classificationState(this.#instance)
    applyMetaChanges(st.ctx, this.fields, changes, false)
    st.owner?.touch()
    return this
  }
}

export function checkBitmaskSize(
  owner: RowInternals | null,
  feature: OntologyObject,
  frame: number,
  coords: Coordinates,
): void {
  if (owner === null || !(coords instanceof Bitmask)) return
  const size = owner.frameSize(frame)
  if (size && (size.width !== coords.width || size.height !== coords.height)) {
    throw fail('BitmaskSizeMismatch', {
      name: JSON.stringify(feature.name),
      frame,
      width: coords.width,
      height: coords.height,
      width2: size.width,
      height2: size.height,
    })
  }
}
