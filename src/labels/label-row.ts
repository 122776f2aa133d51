import { fail } from '../shared/error-catalogue/index.js'
/**
 * A label row: the labels of one data item (image, image group, video, DICOM, ...) on one branch,
 * loaded from the label row JSON (label-model.md §3) and written back in the save format.
 *
 * The JSON stays the source of truth for everything we do not model: unknown keys at every level
 * (reviews, spaces, future fields) are written back untouched, entries nobody changed are written
 * back with exactly the keys they came with, and known keys come out in the SDK's order. Loading a
 * row and saving it unchanged gives the same JSON.
 */
import { ClassificationAnnotation, ObjectAnnotation, checkBitmaskSize } from './annotations.js'
import { ClassificationInstance } from './classification-instance.js'
import type { BoundingBox, CoordinatesInputByShape, Point2D, RotatableBoundingBox } from './coordinates.js'
import { framesOf } from './frames.js'
import type {
  AddClassificationOptions,
  AddObjectOptions,
  AnyObjectInstance,
  HtmlRange,
  ClassificationFilter,
  LabelRowOptions,
  ObjectFilter,
} from './label-options.js'
import {
  ctxOf,
  classificationState,
  newClassificationEntry,
  objectState,
  type Ctx,
  type RowInternals,
} from './label-state.js'
import { ObjectInstance } from './object-instance.js'
import type {
  ClassificationAttrs,
  ClassificationHashOf,
  ClassificationTitleOf,
  ClassificationTitleOfFeature,
  CoordinatesOfTitle,
  ObjectAttrs,
  ObjectHashOf,
  ObjectInstanceOfFeature,
  ObjectInstanceOfTitle,
  ObjectTitleOf,
  ObjectTitleOfFeature,
  RegisteredOntology,
} from './typed.js'
import { Ontology, type OntologyClassification, type OntologyObject, type Shape } from './ontology.js'
import { allFrames, checkClassificationFrames, checkFrames, filterInstances, frameSize } from './row-frames.js'
import { checkLabelRowDict, frameLabels, loadRowContent, type RowContent } from './row-content.js'
import { LabelRowInfo } from './row-info.js'
import { writeRowDict } from './row-write.js'
import { isRecord } from '../shared/records.js'
import type { LabelRowDict } from '../encord/types.js'

/**
 * The labels of one data item, loaded from the label row JSON, editable, and written back with
 * {@link toDict} in the save format.
 *
 * @example
 * const row = LabelRow.fromDict(dict, { ontology, metadata, defaults: { createdBy: 'agent@example.com' } })
 * row.addBoundingBox('Car', { x: 0.1, y: 0.2, w: 0.3, h: 0.2 }, { confidence: 0.9, answers: { Colour: 'Red' } })
 * row.addClassification('Weather', { answer: 'Sunny' })
 * if (row.isDirty) await api.saveLabelRows(projectHash, [{ labelHash: row.labelHash!, labelRow: row.toDict() }])
 */
/** Data whose labels are placed by ranges (audio: milliseconds; plain text and HTML: characters). */
const RANGE_DATA_TYPES = new Set(['audio', 'plain_text'])

export class LabelRow<O = RegisteredOntology> extends LabelRowInfo {
  /** The project's ontology. */
  readonly ontology: Ontology

  /** The loaded JSON and the instances made from it (read and written by row-content.ts). */
  readonly #c: RowContent
  readonly #ctx: Ctx
  readonly #internals: RowInternals
  #labelsDirty = false
  #priority: number | null | undefined = undefined
  #priorityDirty = false

  /**
   * Load a label row from its JSON (as fetched). The dict is never written, so several rows can be
   * loaded from one (each sees it as it is, whatever the others did). The row keeps parts of it
   * without copying them: change a dict only before loading rows from it, or load from a copy.
   */
  constructor(dict: LabelRowDict, options: LabelRowOptions) {
    checkLabelRowDict(dict)
    super(options.metadata ?? null)
    this.ontology = Ontology.from(options.ontology)
    this.#ctx = ctxOf(options)
    this.#internals = new LabelRow.#Internals(this as unknown as LabelRow, this.#ctx)
    // No deep copy of the dict (it was ~8% of the engine's CPU reading the bench's label rows, issue
    // 21): the loader copies the records it edits (row-content.ts), and src/labels/frozen-dict.test.ts
    // edits rows loaded from a deep-frozen dict.
    this.#c = loadRowContent(dict, this.ontology, this.#internals)
  }

  /** Same as `new LabelRow(dict, options)`. */
  static fromDict(dict: LabelRowDict, options: LabelRowOptions): LabelRow {
    return new LabelRow(dict, options)
  }

  // ----- internals shared with instances

  // A class, not an object literal of seven closures: every label row the engine loads makes one (issue 21).
  static readonly #Internals = class implements RowInternals {
    constructor(
      readonly row: LabelRow,
      public ctx: Ctx,
    ) {}
    touch(): void {
      this.row.#labelsDirty = true
    }
    checkFrames(frames: number[], what: string): void {
      this.row.#checkFrames(frames, what)
    }
    checkRanges(what: string): void {
      this.row.#checkRanges(what)
    }
    frameSize(frame: number): { width: number; height: number } | null {
      return frameSize(this.row.#c.units, frame)
    }
    checkClassificationFrames(inst: ClassificationInstance, frames: number[], force: boolean): void {
      checkClassificationFrames(this.row.#c.classifications, inst, frames, force)
    }
    detachObject(inst: ObjectInstance): void {
      const row = this.row
      if (row.#c.objects.get(inst.objectHash) === inst) {
        row.#c.objects.delete(inst.objectHash)
        objectState(inst).owner = null
        row.#labelsDirty = true
      }
    }
    detachClassification(inst: ClassificationInstance): void {
      const row = this.row
      if (row.#c.classifications.get(inst.classificationHash) === inst) {
        row.#c.classifications.delete(inst.classificationHash)
        classificationState(inst).owner = null
        row.#labelsDirty = true
      }
    }
  }

  #checkFrames(frames: number[], what: string): void {
    checkFrames(this.#c.units, frames, what, this)
  }

  /** Audio and plain text (and HTML) rows place labels by ranges; the others by frames. */
  get isRangeBased(): boolean {
    return RANGE_DATA_TYPES.has(this.dataType)
  }

  #checkRanges(what: string): void {
    if (!this.isRangeBased) {
      throw fail('FrameOutOfRange.rangesOnFrameMedia', {
        what,
        dataTitle: JSON.stringify(this.dataTitle),
        value: this.dataType || 'not audio or text',
      })
    }
  }

  // ----- properties: what the row says about its data are in row-info.ts

  /** @internal the row's content, for the properties of {@link LabelRowInfo}. */
  protected override content(): RowContent {
    return this.#c
  }

  /** The task's priority in [0, 1] (`null` when unknown). */
  get priority(): number | null {
    if (this.#priority !== undefined) return this.#priority
    return this.metadata?.priority ?? (typeof this.#c.top['priority'] === 'number' ? this.#c.top['priority'] : null)
  }

  /** Set the task's priority; 0 is valid. Saved separately from the labels ({@link hasPriorityChange}). */
  set priority(value: number) {
    this.setPriority(value)
  }

  /** Set the task's priority in [0, 1] (0 included). */
  setPriority(value: number): this {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw fail('InvalidPriority', { value })
    }
    if (this.metadata && this.metadata.workflowGraphNode === null && !isRecord(this.#c.top['workflow_graph_node'])) {
      throw fail('NotAWorkflowProject', { dataTitle: JSON.stringify(this.dataTitle) })
    }
    this.#priority = value
    this.#priorityDirty = true
    return this
  }

  // ----- dirty tracking

  /** True after any change to labels or priority since loading or {@link markSaved}. */
  get isDirty(): boolean {
    return this.#labelsDirty || this.#priorityDirty
  }

  /** True when the labels changed (the row needs saving). */
  get hasLabelChanges(): boolean {
    return this.#labelsDirty
  }

  /** True when the priority was set (it needs sending). */
  get hasPriorityChange(): boolean {
    return this.#priorityDirty
  }

  /** Record that changes were saved: `'labels'`, `'priority'`, or both (default). */
  markSaved(what: 'labels' | 'priority' | 'all' = 'all'): void {
    if (what !== 'priority') this.#labelsDirty = false
    if (what !== 'labels') this.#priorityDirty = false
  }

  // ----- reading labels

  /**
   * Object instances in the order they first appear, optionally of one ontology object and/or on
   * some frames. Narrow by `shape` to read typed coordinates. In a typed project `feature` takes the
   * project's object titles and feature hashes, and the instances of one title check `setAnswer` against it.
   */
  objects<S extends Shape>(filter: ObjectFilter<O> & { feature: OntologyObject<S> }): ObjectInstance<S>[]
  objects<F extends ObjectTitleOf<O> | ObjectHashOf<O>>(
    filter: ObjectFilter<O> & { feature: F },
  ): ObjectInstanceOfFeature<O, F>[]
  objects(filter?: ObjectFilter<O>): AnyObjectInstance[]
  objects(filter: ObjectFilter<O> = {}): unknown[] {
    const feature = filter.feature === undefined ? undefined : this.ontology.object(filter.feature).featureHash
    const all = [...this.#c.objects.values()] as AnyObjectInstance[]
    return filterInstances(all, feature, filter.frames, (o, f) => objectState(o).frames.has(f))
  }

  /** An object instance by object hash. */
  object(objectHash: string): AnyObjectInstance | undefined {
    return this.#c.objects.get(objectHash) as AnyObjectInstance | undefined
  }

  /**
   * Classification instances in the order they first appear, optionally filtered. In a typed project
   * `feature` takes the project's classification titles and feature hashes.
   */
  classifications<F extends ClassificationTitleOf<O> | ClassificationHashOf<O>>(
    filter: ClassificationFilter<O> & { feature: F },
  ): ClassificationInstance<ClassificationTitleOfFeature<O, F>>[]
  classifications(filter?: ClassificationFilter<O>): ClassificationInstance[]
  classifications(filter: ClassificationFilter<O> = {}): unknown[] {
    const feature = filter.feature === undefined ? undefined : this.ontology.classification(filter.feature).featureHash
    const all = [...this.#c.classifications.values()]
    return filterInstances(all, feature, filter.frames, (c, f) => classificationState(c).frames.has(f))
  }

  /** A classification instance by classification hash. */
  classification(classificationHash: string): ClassificationInstance | undefined {
    return this.#c.classifications.get(classificationHash)
  }

  /**
   * Everything on one frame, in the order the labels have it: object labels (with their
   * coordinates and instances) and classification labels.
   * @example for (const o of row.frameLabels(12).objects) if (o.instance.shape === 'bounding_box') draw(o.coordinates)
   */
  frameLabels(frame: number): { objects: ObjectAnnotation[]; classifications: ClassificationAnnotation[] } {
    return frameLabels(this.#c, frame)
  }

  // ----- writing labels

  #writableGuard(what: string): void {
    if (!this.#c.units.some((u) => u.layout !== 'opaque')) this.#checkFrames([0], what)
  }

  /**
   * Add an object with the same coordinates on `frames` (default 0), with metadata and answers.
   * @example row.addObject('Car', { x: 0.1, y: 0.2, w: 0.3, h: 0.2 }, { frames: [0, 1], answers: { Colour: 'Red' } })
   */
  addObject<S extends Shape>(
    feature: OntologyObject<S>,
    coordinates: CoordinatesInputByShape[S],
    options?: AddObjectOptions,
  ): ObjectInstance<S>
  addObject<T extends ObjectTitleOf<O>>(
    feature: T,
    coordinates: CoordinatesOfTitle<O, T>,
    options?: AddObjectOptions<ObjectAttrs<O, T>>,
  ): ObjectInstanceOfTitle<O, T>
  // `never`: the overloads above give the instance's type.
  addObject(feature: string | OntologyObject, coordinates: unknown, options: object = {}): never {
    return this.#addObject(this.ontology.object(feature), coordinates, options) as never
  }

  #addObject(feature: OntologyObject, coordinates: unknown, options: AddObjectOptions): AnyObjectInstance {
    const what = `object ${JSON.stringify(feature.name)}`
    this.#writableGuard(what)
    const { frames: framesOpt, frame, answers, objectHash, ...meta } = options
    const frames = framesOf(framesOpt ?? frame ?? 0)
    this.#checkFrames(frames, what)
    // Built detached and checked in full before anything in the row changes.
    const inst = new ObjectInstance(feature, { objectHash: objectHash ?? this.#ctx.newHash() })
    const st = objectState(inst)
    st.ctx = this.#ctx
    inst.setForFrames(coordinates as never, { ...meta, frames })
    for (const f of frames) checkBitmaskSize(this.#internals, feature, f, st.frames.get(f)!.coordinates)
    if (answers) inst.setAnswers(answers, { manualAnnotation: meta.manualAnnotation })
    this.#attachObject(inst, true)
    return inst as AnyObjectInstance
  }

  // `never`: each shape method's signature gives the instance's type.
  #addShape(shape: Shape, feature: unknown, coordinates: unknown, options: unknown): never {
    const object = this.ontology.object(feature as string | OntologyObject, shape)
    return this.#addObject(object, coordinates, options as AddObjectOptions) as never
  }

  /** Add an axis-aligned box (normalised `{x, y, w, h}`, top-left corner) of a bounding-box object. */
  addBoundingBox<T extends ObjectTitleOf<O, 'bounding_box'> | OntologyObject<'bounding_box'>>(
    feature: T,
    box: BoundingBox,
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'bounding_box', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('bounding_box', feature, box, options)
  }

  /** Add a rotated box (normalised, `theta` in degrees) of a rotatable-bounding-box object. */
  addRotatableBoundingBox<
    T extends ObjectTitleOf<O, 'rotatable_bounding_box'> | OntologyObject<'rotatable_bounding_box'>,
  >(
    feature: T,
    box: RotatableBoundingBox,
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'rotatable_bounding_box', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('rotatable_bounding_box', feature, box, options)
  }

  /** Add a polygon: a list of points, or `{ polygons }` for several polygons / holes. */
  addPolygon<T extends ObjectTitleOf<O, 'polygon'> | OntologyObject<'polygon'>>(
    feature: T,
    polygon: CoordinatesInputByShape['polygon'],
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'polygon', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('polygon', feature, polygon, options)
  }

  /** Add a polyline through points. */
  addPolyline<T extends ObjectTitleOf<O, 'polyline'> | OntologyObject<'polyline'>>(
    feature: T,
    points: CoordinatesInputByShape['polyline'],
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'polyline', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('polyline', feature, points, options)
  }

  /** Add a point. */
  addPoint<T extends ObjectTitleOf<O, 'point'> | OntologyObject<'point'>>(
    feature: T,
    point: Point2D,
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'point', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('point', feature, point, options)
  }

  /** Add a bitmask (the frame's size; see {@link Bitmask.fromMask}). */
  addBitmask<T extends ObjectTitleOf<O, 'bitmask'> | OntologyObject<'bitmask'>>(
    feature: T,
    mask: CoordinatesInputByShape['bitmask'],
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'bitmask', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('bitmask', feature, mask, options)
  }

  /** Add a skeleton: one point per template point, in template order. */
  addSkeleton<T extends ObjectTitleOf<O, 'skeleton'> | OntologyObject<'skeleton'>>(
    feature: T,
    points: CoordinatesInputByShape['skeleton'],
    options: AddObjectOptions<ObjectAttrs<O, T>> = {},
  ): ObjectInstance<'skeleton', ObjectTitleOfFeature<O, T>> {
    return this.#addShape('skeleton', feature, points, options)
  }

  /**
   * Audio and plain text / HTML rows: add an audio or text object on ranges, `[start, end]` inclusive
   * (milliseconds of audio, characters of text), or HTML ranges `{ start: { xpath, offset }, end }`.
   * @example row.addRangeObject('Speaker', [[0, 1500]], { answers: { Name: 'Ada' } })
   */
  addRangeObject(
    feature: string | OntologyObject,
    ranges: ReadonlyArray<readonly [number, number]> | readonly HtmlRange[],
    options: Omit<AddObjectOptions, 'frames' | 'frame'> = {},
  ): AnyObjectInstance {
    const object = this.ontology.object(feature)
    this.#checkRanges(`object ${JSON.stringify(object.name)}`)
    const { answers, objectHash, ...meta } = options
    const inst = new ObjectInstance(object, { objectHash: objectHash ?? this.#ctx.newHash() })
    objectState(inst).ctx = this.#ctx
    const html = ranges.length > 0 && !Array.isArray(ranges[0])
    if (html) inst.setHtmlRanges(ranges as readonly HtmlRange[], meta)
    else inst.setRanges(ranges as ReadonlyArray<readonly [number, number]>, meta)
    if (answers) inst.setAnswers(answers, { manualAnnotation: meta.manualAnnotation })
    this.#attachObject(inst, true)
    return inst as AnyObjectInstance
  }

  /**
   * Add a detached {@link ObjectInstance} (it must be on at least one frame). With `force` (default)
   * an instance with the same object hash is replaced.
   */
  addObjectInstance<S extends Shape>(
    instance: ObjectInstance<S>,
    options: { force?: boolean } = {},
  ): ObjectInstance<S> {
    const st = objectState(instance)
    if (st.owner?.row === this) return instance
    if (st.owner) {
      throw fail('InvalidInstance.objectInOtherRow', {
        title: JSON.stringify(st.title),
        hash: st.hash,
        dataTitle: JSON.stringify(st.owner.row.dataTitle),
      })
    }
    const own = this.ontology.objects.find((o) => o.featureHash === st.featureHash && o.shape === st.shape)
    if (!st.feature || !own) {
      throw fail('InvalidInstance.objectNotInOntology', {
        title: JSON.stringify(st.title),
        featureHash: st.featureHash,
      })
    }
    const what = `object ${JSON.stringify(st.title)}`
    if (instance.isRangeBased) this.#checkRanges(what)
    else if (st.frames.size === 0) {
      throw fail('InvalidInstance.objectOnNoFrame', { title: JSON.stringify(st.title), hash: st.hash })
    } else {
      this.#writableGuard(what)
      this.#checkFrames([...st.frames.keys()], what)
    }
    for (const [f, d] of st.frames) checkBitmaskSize(this.#internals, own, f, d.coordinates)
    if (this.#c.objects.has(st.hash) && options.force === false) {
      throw fail('InvalidInstance.objectHashTaken', { hash: st.hash })
    }
    st.feature = own // answers and later lookups resolve against this row's ontology
    for (const e of [...st.answers, ...st.actions])
      e.attribute = own.allAttributes().find((a) => a.featureHash === e.featureHash)
    this.#attachObject(instance, true)
    return instance
  }

  #attachObject(inst: ObjectInstance, replace: boolean): void {
    const st = objectState(inst)
    const old = this.#c.objects.get(st.hash)
    if (old && old !== inst) {
      if (!replace) return
      objectState(old).owner = null
      this.#c.objects.delete(st.hash)
    }
    st.owner = this.#internals
    st.ctx = this.#ctx
    st.answersEntry ??= {}
    this.#c.objects.set(st.hash, inst)
    this.#labelsDirty = true
  }

  /** Remove an object instance (or the one with this hash). */
  removeObject(instance: ObjectInstance | string): void {
    const inst = typeof instance === 'string' ? this.#c.objects.get(instance) : instance
    if (inst) this.#internals.detachObject(inst)
  }

  /**
   * Add a classification on `frames` (default 0; `'all'` for every frame; none for global ones)
   * with its answer. The same classification on overlapping frames is refused unless `force`.
   * @example row.addClassification('Weather', { answer: 'Sunny' }); row.addClassification('Issues', { answer: ['Blurry'], frames: 'all' })
   */
  addClassification<T extends ClassificationTitleOf<O> | OntologyClassification>(
    feature: T,
    options: AddClassificationOptions<ClassificationAttrs<O, T>> = {},
  ): ClassificationInstance<ClassificationTitleOfFeature<O, T>> {
    const cls = this.ontology.classification(feature)
    const hash = (options as unknown as AddClassificationOptions).classificationHash ?? this.#ctx.newHash()
    const inst = new ClassificationInstance(cls, { classificationHash: hash })
    const st = classificationState(inst)
    st.ctx = this.#ctx
    const {
      frames: framesOpt,
      frame,
      answer,
      answers,
      classificationHash: _h,
      force,
      ...meta
    } = options as unknown as AddClassificationOptions
    st.entry = newClassificationEntry(this.#ctx, meta)
    let frames: number[] = []
    if (cls.isGlobal || this.isRangeBased) {
      if (framesOpt !== undefined || frame !== undefined) {
        const why = cls.isGlobal
          ? 'is global: it applies to the whole item'
          : `is on ${this.dataType} data, whose classifications apply to the whole file`
        throw fail('FrameOutOfRange.classificationTakesNoFrames', { title: JSON.stringify(cls.title), why })
      }
    } else {
      const what = `classification ${JSON.stringify(cls.title)}`
      this.#writableGuard(what)
      frames = framesOf(framesOpt === 'all' ? allFrames(this.frameCount, this.dataTitle) : (framesOpt ?? frame ?? 0))
      this.#checkFrames(frames, what)
      inst.setForFrames({ ...meta, frames })
    }
    // Answers are checked before the row changes (a forced add takes frames from other instances).
    if (answer !== undefined) inst.setAnswer(answer, { manualAnnotation: meta.manualAnnotation })
    if (answers) inst.setAnswers(answers, { manualAnnotation: meta.manualAnnotation })
    if (cls.isGlobal || this.isRangeBased) {
      const existing = [...this.#c.classifications.values()].find((c) => c.featureHash === cls.featureHash)
      if (existing && !force) {
        throw fail('ClassificationFramesOverlap.globalInstanceExists', {
          title: JSON.stringify(cls.title),
          classificationHash: existing.classificationHash,
        })
      }
      if (existing) this.#internals.detachClassification(existing)
    } else checkClassificationFrames(this.#c.classifications, inst, frames, force ?? false)
    this.#attachClassification(inst)
    return inst
  }

  /** Add a detached {@link ClassificationInstance}. Overlapping frames are refused unless `force`. */
  addClassificationInstance(
    instance: ClassificationInstance,
    options: { force?: boolean } = {},
  ): ClassificationInstance {
    const st = classificationState(instance)
    if (st.owner?.row === this) return instance
    if (st.owner)
      throw fail('InvalidInstance.classificationInOtherRow', { title: JSON.stringify(st.title), hash: st.hash })
    const own = this.ontology.classifications.find((c) => c.featureHash === st.featureHash)
    if (!st.feature || !own) {
      throw fail('InvalidInstance.classificationNotInOntology', {
        title: JSON.stringify(st.title),
        featureHash: st.featureHash,
      })
    }
    if (st.frames.size === 0 && !own.isGlobal && !this.isRangeBased) {
      throw fail('InvalidInstance.classificationOnNoFrame', { title: JSON.stringify(st.title), hash: st.hash })
    }
    const frames = [...st.frames.keys()]
    if (frames.length > 0) {
      this.#checkFrames(frames, `classification ${JSON.stringify(st.title)}`)
      checkClassificationFrames(this.#c.classifications, instance, frames, options.force ?? false)
    } else if (this.classifications({ feature: own }).length > 0 && !options.force) {
      throw fail('ClassificationFramesOverlap.globalAlreadyAdded', { title: JSON.stringify(st.title) })
    } else for (const other of this.classifications({ feature: own })) this.#internals.detachClassification(other)
    st.feature = own
    for (const e of st.answers) e.attribute = own.allAttributes().find((a) => a.featureHash === e.featureHash)
    this.#attachClassification(instance)
    return instance
  }

  #attachClassification(inst: ClassificationInstance): void {
    const st = classificationState(inst)
    const old = this.#c.classifications.get(st.hash)
    if (old && old !== inst) classificationState(old).owner = null
    st.owner = this.#internals
    st.ctx = this.#ctx
    this.#c.classifications.set(st.hash, inst)
    this.#labelsDirty = true
  }

  /** Remove a classification instance (or the one with this hash). */
  removeClassification(instance: ClassificationInstance | string): void {
    const inst = typeof instance === 'string' ? this.#c.classifications.get(instance) : instance
    if (inst) this.#internals.detachClassification(inst)
  }

  // ----- writing JSON

  /**
   * The label row in the save format: the JSON as loaded, with every change applied. Key sets and
   * orders are those of Encord's SDK; keys we do not model are kept.
   */
  toDict(): LabelRowDict {
    return writeRowDict(this.#c)
  }

  /** Same as {@link toDict} (so `JSON.stringify(row)` gives the save format). */
  toJSON(): LabelRowDict {
    return this.toDict()
  }
}
