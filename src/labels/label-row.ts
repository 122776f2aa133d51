/**
 * A label row: the labels of one data item (image, image group, video, DICOM, ...) on one branch,
 * loaded from the label row JSON (label-model.md §3) and written back in the save format.
 *
 * The JSON stays the source of truth for everything we do not model: unknown keys at every level
 * (reviews, spaces, future fields) are written back untouched, entries nobody changed are written
 * back with exactly the keys they came with, and known keys come out in the SDK's order. Loading a
 * row and saving it unchanged gives the same JSON.
 */
import { decodeAnswer, encodeAnswer, type AnswerInput, type AnswerInputOf, type AnswerOf, type AnswerValue } from './answers.js'
import { Bitmask } from './bitmask.js'
import {
  COORDINATE_KEYS,
  normaliseCoordinates,
  readCoordinates,
  writeCoordinates,
  type BoundingBox,
  type Coordinates,
  type CoordinatesByShape,
  type CoordinatesInput,
  type CoordinatesInputByShape,
  type Point2D,
  type RotatableBoundingBox,
} from './coordinates.js'
import { formatEncordDate, parseEncordDate } from './dates.js'
import { labelError, LabelErrorCode } from './errors.js'
import { describeFrames, framesOf, framesToRanges, rangesToFrames, type FrameSpec } from './frames.js'
import { lowerSnake, Ontology, type Attribute, type OntologyClassification, type OntologyInput, type OntologyObject, type Shape } from './ontology.js'
import { isRecord, type Raw } from '../shared/records.js'
import { cloneJson, ordered, rest } from './wire.js'
import type { LabelRowDict, LabelRowMetadata } from '../encord/types.js'

import { ClassificationAnnotation, ObjectAnnotation, checkBitmaskSize } from './annotations.js'
import { ClassificationInstance, makeClassificationInstance } from './classification-instance.js'
import type {
  AddClassificationOptions,
  AddObjectOptions,
  DataType,
  DataUnitInfo,
  LabelRowOptions,
} from './label-options.js'
import {
  CLASSIFICATION_ANSWER_KEYS,
  CLASSIFICATION_FRAME_KEYS,
  CLASSIFICATION_META_KEYS,
  DEFAULT_CTX,
  OBJECT_FRAME_KEYS,
  TOP_KEYS,
  UNIT_KEYS,
  checkConfidence,
  classificationState,
  newClassificationEntry,
  nextSeq,
  objectState,
  readAnswerEntries,
  writeActionEntry,
  writeAnswerEntry,
  type ClassificationFrameData,
  type ClassificationState,
  type Ctx,
  type ObjectFrameData,
  type ObjectState,
  type RowInternals,
} from './label-state.js'
import { ObjectInstance, makeObjectInstance } from './object-instance.js'

export type * from './label-options.js'
export { ObjectInstance, type SetForFramesOptions } from './object-instance.js'
export { ClassificationInstance, type SetClassificationFramesOptions } from './classification-instance.js'
export { ObjectAnnotation, ClassificationAnnotation } from './annotations.js'

interface UnitState {
  hash: string
  /** Every key but `labels`. */
  fields: Raw
  layout: 'flat' | 'frames' | 'opaque'
  /** Flat units: the frame they are. */
  frame: number
  /** Flat: keys of `labels` besides objects/classifications. Opaque: `labels` as is. */
  labelsExtra: Raw
  /** Frames layout: keys of each frame's dict besides objects/classifications. */
  frameExtras: Map<number, Raw>
  /** Frames layout: frames that came with no labels (written back, as they came). */
  emptyFrames: Set<number>
}

const FLAT_TYPES = new Set(['image', 'img_group'])
const FRAME_TYPES = new Set(['video', 'dicom', 'nifti', 'pdf', 'dicom_study'])

function unitLayout(dataType: string, labels: unknown): UnitState['layout'] {
  if (FLAT_TYPES.has(dataType)) return 'flat'
  if (FRAME_TYPES.has(dataType)) return 'frames'
  if (dataType === 'group' || dataType === 'scene' || dataType === 'audio' || dataType === 'plain_text') return 'opaque'
  if (isRecord(labels) && ('objects' in labels || 'classifications' in labels)) return 'flat'
  if (isRecord(labels) && Object.keys(labels).length > 0 && Object.keys(labels).every((k) => /^\d+$/.test(k))) return 'frames'
  return 'opaque'
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** Any object instance, narrowed by `shape`. */
export type AnyObjectInstance = { [K in Shape]: ObjectInstance<K> }[Shape]

/** Filters of {@link LabelRow.objects}. */
export interface ObjectFilter {
  /** An ontology object (title, feature hash or the object). */
  feature?: string | OntologyObject
  /** Only objects on (any of) these frames. */
  frames?: FrameSpec
}

/** Filters of {@link LabelRow.classifications}. */
export interface ClassificationFilter {
  /** An ontology classification (title, feature hash or the classification). */
  feature?: string | OntologyClassification
  /** Only classifications on (any of) these frames. */
  frames?: FrameSpec
}

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
export class LabelRow {
  /** The project's ontology. */
  readonly ontology: Ontology
  /** The row's metadata from the label row listing, when given. */
  readonly metadata: LabelRowMetadata | null

  readonly #top: Raw
  readonly #topHad: Set<string>
  readonly #units: UnitState[]
  readonly #objects = new Map<string, ObjectInstance>()
  readonly #classifications = new Map<string, ClassificationInstance>()
  readonly #objectAnswersOrder: string[] = []
  readonly #objectActionsOrder: string[] = []
  readonly #classificationAnswersOrder: string[] = []
  readonly #orphanObjectAnswers = new Map<string, Raw>()
  readonly #orphanObjectActions = new Map<string, Raw>()
  readonly #orphanClassificationAnswers = new Map<string, unknown>()
  readonly #ctx: Ctx
  readonly #internals: RowInternals
  #labelsDirty = false
  #priority: number | null | undefined = undefined
  #priorityDirty = false

  /** Load a label row from its JSON (as fetched; not modified). */
  constructor(dict: LabelRowDict, options: LabelRowOptions) {
    if (!isRecord(dict) || !isRecord(dict['data_units'])) {
      throw labelError(LabelErrorCode.LabelRowInvalid, 'The label row JSON is malformed: it has no "data_units" object.', {
        hint: 'Pass the label row dict as the API returns it (with data_units, object_answers, classification_answers).',
      })
    }
    this.ontology = Ontology.from(options.ontology)
    this.metadata = options.metadata ?? null
    this.#ctx = {
      now: options.clock ?? DEFAULT_CTX.now,
      newHash: options.newHash ?? DEFAULT_CTX.newHash,
      defaults: {
        createdBy: options.defaults?.createdBy ?? null,
        manualAnnotation: options.defaults?.manualAnnotation ?? false,
        confidence: checkConfidence(options.defaults?.confidence ?? 1),
      },
    }
    this.#internals = this.#makeInternals()
    // One private deep copy of the whole dict: the model keeps parts of it, and neither later edits of
    // the caller's dict nor edits of the model may reach the other. Everything below reads this copy.
    const raw = cloneJson(dict)
    this.#topHad = new Set(Object.keys(raw))
    this.#top = rest(raw, ['data_units', 'object_answers', 'classification_answers', 'object_actions'])
    const dataType = String(raw['data_type'] ?? '').toLowerCase()
    this.#units = []
    for (const [hash, u] of Object.entries(raw['data_units'] as Raw)) {
      if (!isRecord(u)) continue
      this.#loadUnit(hash, u, dataType)
    }
    this.#loadObjectAnswers(raw['object_answers'])
    this.#loadObjectActions(raw['object_actions'])
    this.#loadClassificationAnswers(raw['classification_answers'])
  }

  /** Same as `new LabelRow(dict, options)`. */
  static fromDict(dict: LabelRowDict, options: LabelRowOptions): LabelRow {
    return new LabelRow(dict, options)
  }

  // ----- loading

  #loadUnit(hash: string, u: Raw, dataType: string): void {
    const labels = u['labels']
    const layout = unitLayout(dataType, labels)
    const unit: UnitState = {
      hash,
      fields: rest(u, ['labels']),
      layout,
      frame: Number(u['data_sequence'] ?? 0) || 0,
      labelsExtra: {},
      frameExtras: new Map(),
      emptyFrames: new Set(),
    }
    this.#units.push(unit)
    if (layout === 'opaque') {
      unit.labelsExtra = isRecord(labels) ? labels : {}
      return
    }
    if (!isRecord(labels)) return
    if (layout === 'flat') {
      unit.labelsExtra = rest(labels, ['objects', 'classifications'])
      this.#loadFrame(unit, unit.frame, labels)
      return
    }
    for (const [key, frameDict] of Object.entries(labels)) {
      const frame = Number(key)
      if (!Number.isInteger(frame) || frame < 0 || !isRecord(frameDict)) {
        throw labelError(LabelErrorCode.LabelRowInvalid, `The label row JSON is malformed: data unit ${hash} has labels under ${JSON.stringify(key)}, which is not a frame.`)
      }
      unit.frameExtras.set(frame, rest(frameDict, ['objects', 'classifications']))
      const objects = Array.isArray(frameDict['objects']) ? frameDict['objects'] : []
      const classifications = Array.isArray(frameDict['classifications']) ? frameDict['classifications'] : []
      if (objects.length === 0 && classifications.length === 0) unit.emptyFrames.add(frame)
      this.#loadFrame(unit, frame, frameDict)
    }
  }

  #loadFrame(unit: UnitState, frame: number, labels: Raw): void {
    const objects = Array.isArray(labels['objects']) ? labels['objects'] : []
    for (const o of objects) {
      if (!isRecord(o) || typeof o['objectHash'] !== 'string') {
        throw labelError(LabelErrorCode.LabelRowInvalid, `The label row JSON is malformed: an object on frame ${frame} has no "objectHash".`)
      }
      const inst = this.#objects.get(o['objectHash']) ?? this.#newLoadedObject(o['objectHash'], o)
      const rawCoordinates: Raw = {}
      for (const [k, v] of Object.entries(o)) if (COORDINATE_KEYS.has(k)) rawCoordinates[k] = v
      objectState(inst).frames.set(frame, {
        seq: nextSeq(),
        unit: unit.hash,
        fields: rest(o, COORDINATE_KEYS),
        coordinates: readCoordinates(o),
        rawCoordinates,
      })
    }
    const classifications = Array.isArray(labels['classifications']) ? labels['classifications'] : []
    for (const c of classifications) {
      if (!isRecord(c) || typeof c['classificationHash'] !== 'string') {
        throw labelError(LabelErrorCode.LabelRowInvalid, `The label row JSON is malformed: a classification on frame ${frame} has no "classificationHash".`)
      }
      const inst = this.#classifications.get(c['classificationHash']) ?? this.#newLoadedClassification(c['classificationHash'], c, null)
      classificationState(inst).frames.set(frame, { seq: nextSeq(), unit: unit.hash, fields: c })
    }
  }

  #newLoadedObject(hash: string, entry: Raw): ObjectInstance {
    const featureHash = String(entry['featureHash'] ?? '')
    const feature = this.ontology.objects.find((o) => o.featureHash === featureHash)
    const state: ObjectState = {
      hash,
      feature,
      featureHash,
      shape: (feature?.shape ?? String(entry['shape'] ?? '')) as Shape,
      title: feature?.name ?? String(entry['name'] ?? ''),
      frames: new Map(),
      answers: [],
      actions: [],
      answersEntry: null,
      actionsEntry: null,
      actionsEntryWasEmpty: false,
      owner: this.#internals,
      ctx: this.#ctx,
    }
    const inst = makeObjectInstance(state)
    this.#objects.set(hash, inst)
    return inst
  }

  #newLoadedClassification(hash: string, entry: Raw, answersEntry: Raw | null): ClassificationInstance {
    const featureHash = String(entry['featureHash'] ?? '')
    const feature = this.ontology.classifications.find((c) => c.featureHash === featureHash)
    const state: ClassificationState = {
      hash,
      feature,
      featureHash,
      title: feature?.title ?? String(entry['name'] ?? (answersEntry && Array.isArray(answersEntry['classifications']) && isRecord(answersEntry['classifications'][0]) ? answersEntry['classifications'][0]['name'] : '') ?? ''),
      frames: new Map(),
      answers: [],
      entry: null,
      entryFollowsFrames: false,
      framesChanged: false,
      owner: this.#internals,
      ctx: this.#ctx,
    }
    const inst = makeClassificationInstance(state)
    this.#classifications.set(hash, inst)
    return inst
  }

  #loadObjectAnswers(map: unknown): void {
    if (!isRecord(map)) return
    for (const [key, entry] of Object.entries(map)) {
      this.#objectAnswersOrder.push(key)
      if (!isRecord(entry)) {
        this.#orphanObjectAnswers.set(key, entry as Raw)
        continue
      }
      const hash = typeof entry['objectHash'] === 'string' ? entry['objectHash'] : key
      let inst = this.#objects.get(hash)
      if (!inst && typeof entry['featureHash'] === 'string') inst = this.#newLoadedObject(hash, entry) // audio / text: ranges, no frames
      if (!inst || hash !== key || objectState(inst).answersEntry !== null) {
        this.#orphanObjectAnswers.set(key, entry)
        continue
      }
      const st = objectState(inst)
      st.answers = readAnswerEntries(st.feature, entry['classifications'])
      st.answersEntry = rest(entry, ['classifications', 'objectHash'])
    }
  }

  #loadObjectActions(map: unknown): void {
    if (!isRecord(map)) return
    for (const [key, entry] of Object.entries(map)) {
      this.#objectActionsOrder.push(key)
      const hash = isRecord(entry) && typeof entry['objectHash'] === 'string' ? entry['objectHash'] : key
      const inst = this.#objects.get(hash)
      if (!isRecord(entry) || !inst || hash !== key || objectState(inst).actionsEntry !== null) {
        this.#orphanObjectActions.set(key, entry as Raw)
        continue
      }
      const st = objectState(inst)
      st.actions = readAnswerEntries(st.feature, entry['actions'])
      st.actionsEntry = rest(entry, ['actions', 'objectHash'])
      st.actionsEntryWasEmpty = st.actions.length === 0
    }
  }

  #loadClassificationAnswers(map: unknown): void {
    if (!isRecord(map)) return
    for (const [key, entry] of Object.entries(map)) {
      this.#classificationAnswersOrder.push(key)
      const hash = isRecord(entry) && typeof entry['classificationHash'] === 'string' ? entry['classificationHash'] : key
      const found = this.#classifications.get(hash)
      if (!isRecord(entry) || hash !== key || (found && classificationState(found).entry !== null)) {
        // Not something we can attach to an instance: written back as it came.
        this.#orphanClassificationAnswers.set(key, entry)
        continue
      }
      // Global classifications (and those of audio / text) have no frames: the entry is all there is.
      const inst = found ?? this.#newLoadedClassification(hash, entry, entry)
      const st = classificationState(inst)
      st.answers = readAnswerEntries(st.feature, entry['classifications'])
      st.entry = rest(entry, ['classifications', 'classificationHash', 'featureHash'])
    }
  }

  // ----- internals shared with instances

  #makeInternals(): RowInternals {
    return {
      row: this,
      ctx: this.#ctx,
      touch: () => {
        this.#labelsDirty = true
      },
      checkFrames: (frames, what) => this.#checkFrames(frames, what),
      frameSize: (frame) => {
        const u = this.#unitForFrame(frame)
        const w = num(u?.fields['width'])
        const h = num(u?.fields['height'])
        return w !== null && h !== null ? { width: w, height: h } : null
      },
      checkClassificationFrames: (inst, frames, force) => this.#checkClassificationFrames(inst, frames, force),
      detachObject: (inst) => {
        if (this.#objects.get(inst.objectHash) === inst) {
          this.#objects.delete(inst.objectHash)
          objectState(inst).owner = null
          this.#labelsDirty = true
        }
      },
      detachClassification: (inst) => {
        if (this.#classifications.get(inst.classificationHash) === inst) {
          this.#classifications.delete(inst.classificationHash)
          classificationState(inst).owner = null
          this.#labelsDirty = true
        }
      },
    }
  }

  #unitForFrame(frame: number): UnitState | undefined {
    const flat = this.#units.filter((u) => u.layout === 'flat')
    if (flat.length > 0) return flat.find((u) => u.frame === frame)
    return this.#units.find((u) => u.layout === 'frames')
  }

  #checkFrames(frames: number[], what: string): void {
    const writable = this.#units.some((u) => u.layout !== 'opaque')
    if (!writable) {
      throw labelError(
        LabelErrorCode.ReadOnlyLabels,
        `Cannot put ${what} on frames: labels of ${this.dataType || 'this'} data are read-only in this version (they are kept as they are when saving).`,
      )
    }
    const flat = this.#units.filter((u) => u.layout === 'flat')
    if (flat.length > 0) {
      const valid = new Set(flat.map((u) => u.frame))
      const bad = frames.filter((f) => !valid.has(f))
      if (bad.length > 0) {
        const desc = this.dataType === 'image' ? 'an image has only frame 0' : `this ${this.dataType} has frames ${describeFrames(valid)}`
        throw labelError(LabelErrorCode.FrameOutOfRange, `Cannot put ${what} on frame(s) ${describeFrames(bad)}: ${desc}.`)
      }
      return
    }
    const count = this.metadata?.numberOfFrames
    if (typeof count === 'number' && count > 0) {
      const bad = frames.filter((f) => f >= count)
      if (bad.length > 0) {
        throw labelError(LabelErrorCode.FrameOutOfRange, `Cannot put ${what} on frame(s) ${describeFrames(bad)}: ${JSON.stringify(this.dataTitle)} has ${count} frames (0–${count - 1}).`)
      }
    }
  }

  #checkClassificationFrames(inst: ClassificationInstance, frames: number[], force: boolean): void {
    for (const other of this.#classifications.values()) {
      if (other === inst || other.featureHash !== inst.featureHash) continue
      const overlap = other.frames().filter((f) => frames.includes(f))
      if (overlap.length === 0) continue
      if (force) {
        other.removeFrames(overlap)
        continue
      }
      throw labelError(
        LabelErrorCode.ClassificationFramesOverlap,
        `Classification ${JSON.stringify(inst.title)} is already on frame(s) ${describeFrames(overlap)} of this label row (instance ${other.classificationHash}); a classification can be on a frame only once.`,
        { hint: 'Change the existing instance, remove it, or pass { force: true } to take those frames from it.' },
      )
    }
  }

  // ----- properties

  #str(key: string): string | null {
    const v = this.#top[key]
    return typeof v === 'string' ? v : null
  }

  /** The label hash (null until the row has labels). */
  get labelHash(): string | null {
    return this.#str('label_hash') ?? this.metadata?.labelHash ?? null
  }

  get dataHash(): string {
    return this.#str('data_hash') ?? this.metadata?.dataHash ?? ''
  }

  get dataTitle(): string {
    return this.#str('data_title') ?? this.metadata?.dataTitle ?? ''
  }

  /** Lower case: `image`, `video`, `img_group`, `dicom`, ... */
  get dataType(): DataType {
    return (this.#str('data_type') ?? this.metadata?.dataType ?? '').toLowerCase()
  }

  get datasetHash(): string | null {
    return this.#str('dataset_hash') ?? this.metadata?.datasetHash ?? null
  }

  get datasetTitle(): string | null {
    return this.#str('dataset_title') ?? this.metadata?.datasetTitle ?? null
  }

  /** @default 'main' */
  get branchName(): string {
    return this.#str('branch_name') ?? this.metadata?.branchName ?? 'main'
  }

  /** `NOT_LABELLED`, `LABEL_IN_PROGRESS`, `LABELLED`, ... */
  get labelStatus(): string | null {
    return this.#str('label_status') ?? this.metadata?.labelStatus ?? null
  }

  get createdAt(): Date | null {
    return parseEncordDate(this.#top['created_at'])
  }

  get lastEditedAt(): Date | null {
    return parseEncordDate(this.#top['last_edited_at'])
  }

  /** The data units (one per image of an image group; one otherwise). */
  get dataUnits(): DataUnitInfo[] {
    return this.#units.map((u) => ({
      dataHash: u.hash,
      title: typeof u.fields['data_title'] === 'string' ? u.fields['data_title'] : null,
      mimeType: typeof u.fields['data_type'] === 'string' ? u.fields['data_type'] : null,
      dataLink: typeof u.fields['data_link'] === 'string' ? u.fields['data_link'] : null,
      width: num(u.fields['width']),
      height: num(u.fields['height']),
      frame: u.layout === 'flat' ? u.frame : null,
    }))
  }

  /** The data unit showing `frame` (image groups: that image). */
  frameInfo(frame: number): DataUnitInfo | undefined {
    const u = this.#unitForFrame(frame)
    return u ? this.dataUnits.find((d) => d.dataHash === u.hash) : undefined
  }

  /**
   * The media's link: the label JSON's signed URL when it has one (rows fetched with signed URLs),
   * else the metadata's link. Image groups: see {@link dataUnits}.
   */
  get dataLink(): string | null {
    const fromUnit = this.#units.length === 1 ? this.#units[0].fields['data_link'] : undefined
    const unitLink = typeof fromUnit === 'string' ? fromUnit : null
    if (unitLink !== null && /^https?:\/\//.test(unitLink)) return unitLink
    return this.metadata?.dataLink ?? unitLink
  }

  /** Width in pixels (image groups: when every image has the same size; else see {@link frameInfo}). */
  get width(): number | null {
    return this.#dimension('width') ?? this.metadata?.width ?? null
  }

  /** Height in pixels (image groups: when every image has the same size). */
  get height(): number | null {
    return this.#dimension('height') ?? this.metadata?.height ?? null
  }

  #dimension(key: 'width' | 'height'): number | null {
    const values = new Set(this.#units.filter((u) => u.layout !== 'opaque').map((u) => num(u.fields[key])))
    return values.size === 1 ? [...values][0] : null
  }

  /** Frames per second (videos). */
  get fps(): number | null {
    return num(this.#units[0]?.fields['data_fps']) ?? this.metadata?.fps ?? null
  }

  /** Duration in seconds (videos, audio). */
  get duration(): number | null {
    return num(this.#units[0]?.fields['data_duration']) ?? this.metadata?.duration ?? null
  }

  /**
   * Number of frames: from the metadata when given, else images 1, image groups their image count,
   * videos fps × duration; `null` when unknown (audio, text).
   */
  get frameCount(): number | null {
    const m = this.metadata?.numberOfFrames
    if (typeof m === 'number' && m > 0) return m
    const flat = this.#units.filter((u) => u.layout === 'flat')
    if (flat.length > 0) return flat.length
    if (this.#units.some((u) => u.layout === 'frames')) {
      const fps = this.fps
      const duration = this.duration
      if (fps !== null && duration !== null) return Math.round(fps * duration)
    }
    return null
  }

  /** The storage item's client metadata (when listed with client metadata). */
  get clientMetadata(): Record<string, unknown> | null {
    const v = this.metadata?.clientMetadata ?? this.#top['client_metadata']
    return isRecord(v) ? v : null
  }

  /** The workflow stage the item is in (`null` outside workflow projects or when unknown). */
  get workflowGraphNode(): { uuid: string; title: string } | null {
    if (this.metadata?.workflowGraphNode) return this.metadata.workflowGraphNode
    const v = this.#top['workflow_graph_node']
    return isRecord(v) && typeof v['uuid'] === 'string' ? { uuid: v['uuid'], title: String(v['title'] ?? '') } : null
  }

  /** The storage item's uuid. */
  get backingItemUuid(): string | null {
    return this.metadata?.backingItemUuid ?? this.#str('backing_item_uuid')
  }

  get taskUuid(): string | null {
    return this.metadata?.taskUuid ?? this.#str('task_uuid')
  }

  /** The task's priority in [0, 1] (`null` when unknown). */
  get priority(): number | null {
    if (this.#priority !== undefined) return this.#priority
    return this.metadata?.priority ?? num(this.#top['priority'])
  }

  /** Set the task's priority; 0 is valid. Saved separately from the labels ({@link hasPriorityChange}). */
  set priority(value: number) {
    this.setPriority(value)
  }

  /** Set the task's priority in [0, 1] (0 included). */
  setPriority(value: number): this {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw labelError(LabelErrorCode.InvalidPriority, `Priority must be a number in [0, 1], got ${JSON.stringify(value)}.`)
    }
    if (this.metadata && this.metadata.workflowGraphNode === null && !isRecord(this.#top['workflow_graph_node'])) {
      throw labelError(LabelErrorCode.NotAWorkflowProject, `Cannot set the priority of ${JSON.stringify(this.dataTitle)}: it is not in a workflow stage (priorities exist only for tasks of workflow projects).`)
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
   * some frames. Narrow by `shape` to read typed coordinates.
   */
  objects<S extends Shape>(filter: ObjectFilter & { feature: OntologyObject<S> }): ObjectInstance<S>[]
  objects(filter?: ObjectFilter): AnyObjectInstance[]
  objects(filter: ObjectFilter = {}): AnyObjectInstance[] {
    let list = [...this.#objects.values()] as AnyObjectInstance[]
    if (filter.feature !== undefined) {
      const feature = this.ontology.object(filter.feature)
      list = list.filter((o) => o.featureHash === feature.featureHash)
    }
    if (filter.frames !== undefined) {
      const frames = framesOf(filter.frames)
      list = list.filter((o) => frames.some((f) => objectState(o).frames.has(f)))
    }
    return list
  }

  /** An object instance by object hash. */
  object(objectHash: string): AnyObjectInstance | undefined {
    return this.#objects.get(objectHash) as AnyObjectInstance | undefined
  }

  /** Classification instances in the order they first appear, optionally filtered. */
  classifications(filter: ClassificationFilter = {}): ClassificationInstance[] {
    let list = [...this.#classifications.values()]
    if (filter.feature !== undefined) {
      const feature = this.ontology.classification(filter.feature)
      list = list.filter((c) => c.featureHash === feature.featureHash)
    }
    if (filter.frames !== undefined) {
      const frames = framesOf(filter.frames)
      list = list.filter((c) => frames.some((f) => classificationState(c).frames.has(f)))
    }
    return list
  }

  /** A classification instance by classification hash. */
  classification(classificationHash: string): ClassificationInstance | undefined {
    return this.#classifications.get(classificationHash)
  }

  /**
   * Everything on one frame, in the order the labels have it: object labels (with their
   * coordinates and instances) and classification labels.
   * @example for (const o of row.frameLabels(12).objects) if (o.instance.shape === 'bounding_box') draw(o.coordinates)
   */
  frameLabels(frame: number): { objects: ObjectAnnotation[]; classifications: ClassificationAnnotation[] } {
    const objects = [...this.#objects.values()]
      .map((inst) => ({ inst, d: objectState(inst).frames.get(frame) }))
      .filter((x): x is { inst: ObjectInstance; d: ObjectFrameData } => x.d !== undefined)
      .sort((a, b) => a.d.seq - b.d.seq)
      .map((x) => new ObjectAnnotation(x.inst, frame))
    const classifications = [...this.#classifications.values()]
      .map((inst) => ({ inst, d: classificationState(inst).frames.get(frame) }))
      .filter((x): x is { inst: ClassificationInstance; d: ClassificationFrameData } => x.d !== undefined)
      .sort((a, b) => a.d.seq - b.d.seq)
      .map((x) => new ClassificationAnnotation(x.inst, frame))
    return { objects, classifications }
  }

  // ----- writing labels

  #writableGuard(what: string): void {
    if (!this.#units.some((u) => u.layout !== 'opaque')) this.#checkFrames([0], what)
  }

  /**
   * Add an object with the same coordinates on `frames` (default 0), with metadata and answers.
   * @example row.addObject('Car', { x: 0.1, y: 0.2, w: 0.3, h: 0.2 }, { frames: [0, 1], answers: { Colour: 'Red' } })
   */
  addObject<S extends Shape>(feature: OntologyObject<S>, coordinates: CoordinatesInputByShape[S], options?: AddObjectOptions): ObjectInstance<S>
  addObject(feature: string, coordinates: CoordinatesInput, options?: AddObjectOptions): AnyObjectInstance
  addObject(feature: string | OntologyObject, coordinates: CoordinatesInput, options: AddObjectOptions = {}): AnyObjectInstance {
    return this.#addObject(this.ontology.object(feature), coordinates, options)
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

  /** Add an axis-aligned box (normalised `{x, y, w, h}`, top-left corner) of a bounding-box object. */
  addBoundingBox(feature: string | OntologyObject<'bounding_box'>, box: BoundingBox, options: AddObjectOptions = {}): ObjectInstance<'bounding_box'> {
    return this.#addObject(this.ontology.object(feature, 'bounding_box'), box, options) as ObjectInstance<'bounding_box'>
  }

  /** Add a rotated box (normalised, `theta` in degrees) of a rotatable-bounding-box object. */
  addRotatableBoundingBox(
    feature: string | OntologyObject<'rotatable_bounding_box'>,
    box: RotatableBoundingBox,
    options: AddObjectOptions = {},
  ): ObjectInstance<'rotatable_bounding_box'> {
    return this.#addObject(this.ontology.object(feature, 'rotatable_bounding_box'), box, options) as ObjectInstance<'rotatable_bounding_box'>
  }

  /** Add a polygon: a list of points, or `{ polygons }` for several polygons / holes. */
  addPolygon(feature: string | OntologyObject<'polygon'>, polygon: CoordinatesInputByShape['polygon'], options: AddObjectOptions = {}): ObjectInstance<'polygon'> {
    return this.#addObject(this.ontology.object(feature, 'polygon'), polygon, options) as ObjectInstance<'polygon'>
  }

  /** Add a polyline through points. */
  addPolyline(feature: string | OntologyObject<'polyline'>, points: CoordinatesInputByShape['polyline'], options: AddObjectOptions = {}): ObjectInstance<'polyline'> {
    return this.#addObject(this.ontology.object(feature, 'polyline'), points, options) as ObjectInstance<'polyline'>
  }

  /** Add a point. */
  addPoint(feature: string | OntologyObject<'point'>, point: Point2D, options: AddObjectOptions = {}): ObjectInstance<'point'> {
    return this.#addObject(this.ontology.object(feature, 'point'), point, options) as ObjectInstance<'point'>
  }

  /** Add a bitmask (the frame's size; see {@link Bitmask.fromMask}). */
  addBitmask(feature: string | OntologyObject<'bitmask'>, mask: CoordinatesInputByShape['bitmask'], options: AddObjectOptions = {}): ObjectInstance<'bitmask'> {
    return this.#addObject(this.ontology.object(feature, 'bitmask'), mask, options) as ObjectInstance<'bitmask'>
  }

  /** Add a skeleton: one point per template point, in template order. */
  addSkeleton(feature: string | OntologyObject<'skeleton'>, points: CoordinatesInputByShape['skeleton'], options: AddObjectOptions = {}): ObjectInstance<'skeleton'> {
    return this.#addObject(this.ontology.object(feature, 'skeleton'), points, options) as ObjectInstance<'skeleton'>
  }

  /**
   * Add a detached {@link ObjectInstance} (it must be on at least one frame). With `force` (default)
   * an instance with the same object hash is replaced.
   */
  addObjectInstance<S extends Shape>(instance: ObjectInstance<S>, options: { force?: boolean } = {}): ObjectInstance<S> {
    const st = objectState(instance)
    if (st.owner?.row === this) return instance
    if (st.owner) {
      throw labelError(LabelErrorCode.InvalidInstance, `Object ${JSON.stringify(st.title)} (${st.hash}) already belongs to the label row of ${JSON.stringify(st.owner.row.dataTitle)}.`, {
        hint: 'Remove it there first, or make a new instance.',
      })
    }
    const own = this.ontology.objects.find((o) => o.featureHash === st.featureHash && o.shape === st.shape)
    if (!st.feature || !own) {
      throw labelError(LabelErrorCode.InvalidInstance, `Object ${JSON.stringify(st.title)} (featureHash ${st.featureHash}) is not an object of this label row's ontology.`, {
        hint: 'Make instances from `row.ontology.object(...)`.',
      })
    }
    if (st.frames.size === 0) {
      throw labelError(LabelErrorCode.InvalidInstance, `Object ${JSON.stringify(st.title)} (${st.hash}) is on no frame.`, { hint: 'Call setForFrames(coordinates, { frames }) first.' })
    }
    this.#writableGuard(`object ${JSON.stringify(st.title)}`)
    this.#checkFrames([...st.frames.keys()], `object ${JSON.stringify(st.title)}`)
    for (const [f, d] of st.frames) checkBitmaskSize(this.#internals, own, f, d.coordinates)
    if (this.#objects.has(st.hash) && options.force === false) {
      throw labelError(LabelErrorCode.InvalidInstance, `This label row already has an object with hash ${st.hash}.`, { hint: 'Pass { force: true } to replace it.' })
    }
    st.feature = own // answers and later lookups resolve against this row's ontology
    this.#attachObject(instance as unknown as ObjectInstance, true)
    return instance
  }

  #attachObject(inst: ObjectInstance, replace: boolean): void {
    const st = objectState(inst)
    const old = this.#objects.get(st.hash)
    if (old && old !== inst) {
      if (!replace) return
      objectState(old).owner = null
      this.#objects.delete(st.hash)
    }
    st.owner = this.#internals
    st.ctx = this.#ctx
    st.answersEntry ??= {}
    this.#objects.set(st.hash, inst)
    this.#labelsDirty = true
  }

  /** Remove an object instance (or the one with this hash). */
  removeObject(instance: ObjectInstance | string): void {
    const inst = typeof instance === 'string' ? this.#objects.get(instance) : instance
    if (inst) this.#internals.detachObject(inst)
  }

  /**
   * Add a classification on `frames` (default 0; `'all'` for every frame; none for global ones)
   * with its answer. The same classification on overlapping frames is refused unless `force`.
   * @example row.addClassification('Weather', { answer: 'Sunny' }); row.addClassification('Issues', { answer: ['Blurry'], frames: 'all' })
   */
  addClassification(feature: string | OntologyClassification, options: AddClassificationOptions = {}): ClassificationInstance {
    const cls = this.ontology.classification(feature)
    const hash = options.classificationHash ?? this.#ctx.newHash()
    const inst = new ClassificationInstance(cls, { classificationHash: hash })
    const st = classificationState(inst)
    st.ctx = this.#ctx
    const { frames: framesOpt, frame, answer, answers, classificationHash: _h, force, ...meta } = options
    st.entry = newClassificationEntry(this.#ctx, meta)
    let frames: number[] = []
    if (cls.isGlobal) {
      if (framesOpt !== undefined || frame !== undefined) {
        throw labelError(LabelErrorCode.FrameOutOfRange, `Classification ${JSON.stringify(cls.title)} is global: it applies to the whole item, so it takes no frames.`)
      }
    } else {
      const what = `classification ${JSON.stringify(cls.title)}`
      this.#writableGuard(what)
      frames = framesOf(framesOpt === 'all' ? this.#allFrames() : (framesOpt ?? frame ?? 0))
      this.#checkFrames(frames, what)
      inst.setForFrames({ ...meta, frames })
    }
    // Answers are checked before the row changes (a forced add takes frames from other instances).
    if (answer !== undefined) inst.setAnswer(answer, { manualAnnotation: meta.manualAnnotation })
    if (answers) inst.setAnswers(answers, { manualAnnotation: meta.manualAnnotation })
    if (cls.isGlobal) {
      const existing = [...this.#classifications.values()].find((c) => c.featureHash === cls.featureHash)
      if (existing && !force) {
        throw labelError(LabelErrorCode.ClassificationFramesOverlap, `Global classification ${JSON.stringify(cls.title)} is already in this label row (instance ${existing.classificationHash}).`, {
          hint: 'Change its answer with setAnswer, or pass { force: true } to replace it.',
        })
      }
      if (existing) this.#internals.detachClassification(existing)
    } else this.#checkClassificationFrames(inst, frames, force ?? false)
    this.#attachClassification(inst)
    return inst
  }

  #allFrames(): FrameSpec {
    const count = this.frameCount
    if (count === null || count <= 0) {
      throw labelError(LabelErrorCode.FrameOutOfRange, `Cannot use frames: 'all' for ${JSON.stringify(this.dataTitle)}: its frame count is unknown.`, {
        hint: 'Pass the frames explicitly, or load the row with its metadata (number_of_frames).',
      })
    }
    return { start: 0, end: count - 1 }
  }

  /** Add a detached {@link ClassificationInstance}. Overlapping frames are refused unless `force`. */
  addClassificationInstance(instance: ClassificationInstance, options: { force?: boolean } = {}): ClassificationInstance {
    const st = classificationState(instance)
    if (st.owner?.row === this) return instance
    if (st.owner) throw labelError(LabelErrorCode.InvalidInstance, `Classification ${JSON.stringify(st.title)} (${st.hash}) already belongs to another label row.`)
    const own = this.ontology.classifications.find((c) => c.featureHash === st.featureHash)
    if (!st.feature || !own) {
      throw labelError(LabelErrorCode.InvalidInstance, `Classification ${JSON.stringify(st.title)} (featureHash ${st.featureHash}) is not a classification of this label row's ontology.`)
    }
    if (st.frames.size === 0 && !own.isGlobal) {
      throw labelError(LabelErrorCode.InvalidInstance, `Classification ${JSON.stringify(st.title)} (${st.hash}) is on no frame.`, { hint: 'Call setForFrames({ frames }) first.' })
    }
    const frames = [...st.frames.keys()]
    if (frames.length > 0) {
      this.#checkFrames(frames, `classification ${JSON.stringify(st.title)}`)
      this.#checkClassificationFrames(instance, frames, options.force ?? false)
    } else if (this.classifications({ feature: own }).length > 0 && !options.force) {
      throw labelError(LabelErrorCode.ClassificationFramesOverlap, `Global classification ${JSON.stringify(st.title)} is already in this label row.`, { hint: 'Pass { force: true } to replace it.' })
    } else for (const other of this.classifications({ feature: own })) this.#internals.detachClassification(other)
    st.feature = own
    this.#attachClassification(instance)
    return instance
  }

  #attachClassification(inst: ClassificationInstance): void {
    const st = classificationState(inst)
    const old = this.#classifications.get(st.hash)
    if (old && old !== inst) classificationState(old).owner = null
    st.owner = this.#internals
    st.ctx = this.#ctx
    this.#classifications.set(st.hash, inst)
    this.#labelsDirty = true
  }

  /** Remove a classification instance (or the one with this hash). */
  removeClassification(instance: ClassificationInstance | string): void {
    const inst = typeof instance === 'string' ? this.#classifications.get(instance) : instance
    if (inst) this.#internals.detachClassification(inst)
  }

  // ----- writing JSON

  /**
   * The label row in the save format: the JSON as loaded, with every change applied. Key sets and
   * orders are those of Encord's SDK; keys we do not model are kept.
   */
  toDict(): LabelRowDict {
    const objectAnswers = this.#writeObjectAnswers()
    const classificationAnswers = this.#writeClassificationAnswers()
    const objectActions = this.#writeObjectActions()
    const dataUnits = this.#writeDataUnits()
    const values: Raw = {
      ...this.#top,
      object_answers: objectAnswers,
      classification_answers: classificationAnswers,
      object_actions: objectActions,
      data_units: dataUnits,
    }
    // Keep the key set: the three answer maps only when they came, or now have content.
    const keep = (k: string, v: Raw) => this.#topHad.has(k) || Object.keys(v).length > 0
    if (!keep('object_answers', objectAnswers)) delete values['object_answers']
    if (!keep('classification_answers', classificationAnswers)) delete values['classification_answers']
    if (!keep('object_actions', objectActions)) delete values['object_actions']
    // The four maps are built fresh; only what came from the loaded JSON needs copying.
    const fresh = new Set(['object_answers', 'classification_answers', 'object_actions', 'data_units'])
    return ordered(
      TOP_KEYS.map((k) => [k, values[k] === undefined || fresh.has(k) ? values[k] : structuredClone(values[k])] as const),
      values,
    )
  }

  /** Same as {@link toDict} (so `JSON.stringify(row)` gives the save format). */
  toJSON(): LabelRowDict {
    return this.toDict()
  }

  #writeObjectAnswers(): Raw {
    return this.#writeObjectMap(
      this.#objectAnswersOrder,
      this.#orphanObjectAnswers,
      (st) => st.answersEntry !== null,
      (st) =>
        ordered(
          [
            ['classifications', st.answers.map(writeAnswerEntry)],
            ['objectHash', st.hash],
          ],
          st.answersEntry ?? {},
        ),
    )
  }

  #writeObjectActions(): Raw {
    return this.#writeObjectMap(
      this.#objectActionsOrder,
      this.#orphanObjectActions,
      (st) => st.actions.length > 0 || (st.actionsEntry !== null && st.actionsEntryWasEmpty),
      (st) =>
        ordered(
          [
            ['actions', st.actions.map(writeActionEntry)],
            ['objectHash', st.hash],
          ],
          st.actionsEntry ?? {},
        ),
    )
  }

  /**
   * A map keyed by object hash (object answers, object actions): the loaded keys in their order (an
   * orphan, whose object is gone, copied as it came), then the objects added since; an object gets an
   * entry only when `wanted`.
   */
  #writeObjectMap(order: readonly string[], orphans: ReadonlyMap<string, Raw>, wanted: (st: ObjectState) => boolean, entry: (st: ObjectState) => Raw): Raw {
    const out: Raw = {}
    const write = (inst: ObjectInstance) => {
      const st = objectState(inst)
      out[st.hash] = entry(st)
    }
    for (const key of order) {
      const orphan = orphans.get(key)
      if (orphan !== undefined) out[key] = structuredClone(orphan)
      else {
        const inst = this.#objects.get(key)
        if (inst && wanted(objectState(inst))) write(inst)
      }
    }
    for (const inst of this.#objects.values()) if (!(inst.objectHash in out) && wanted(objectState(inst))) write(inst)
    return out
  }

  #writeClassificationAnswers(): Raw {
    const out: Raw = {}
    const write = (inst: ClassificationInstance) => {
      const st = classificationState(inst)
      if (st.entry === null) return
      const entry: Raw = { ...st.entry }
      const frames = inst.frames()
      if (st.entryFollowsFrames) {
        entry['range'] = framesToRanges(frames)
        const first = frames.length > 0 ? st.frames.get(frames[0])!.fields : undefined
        if (first) for (const k of CLASSIFICATION_META_KEYS) entry[k] = k === 'lastEditedBy' ? (first['lastEditedBy'] ?? first['createdBy'] ?? null) : first[k]
      } else if (st.framesChanged && 'range' in entry) entry['range'] = framesToRanges(frames)
      const values: Raw = { ...entry, classifications: st.answers.map(writeAnswerEntry), classificationHash: st.hash, featureHash: st.featureHash }
      out[st.hash] = ordered(
        CLASSIFICATION_ANSWER_KEYS.map((k) => [k, values[k] === undefined ? undefined : structuredClone(values[k])] as const),
        values,
      )
    }
    for (const key of this.#classificationAnswersOrder) {
      if (this.#orphanClassificationAnswers.has(key)) out[key] = structuredClone(this.#orphanClassificationAnswers.get(key))
      else {
        const inst = this.#classifications.get(key)
        if (inst) write(inst)
      }
    }
    for (const inst of this.#classifications.values()) if (!(inst.classificationHash in out)) write(inst)
    return out
  }

  #writeDataUnits(): Raw {
    // Group labels by data unit and frame, in load/creation order.
    type Slot = { objects: Array<{ seq: number; entry: Raw }>; classifications: Array<{ seq: number; entry: Raw }> }
    const slots = new Map<string, Map<number, Slot>>()
    const slot = (unit: string | undefined, frame: number): Slot | undefined => {
      const u = unit ?? this.#unitForFrame(frame)?.hash
      if (u === undefined) return undefined
      let byFrame = slots.get(u)
      if (!byFrame) slots.set(u, (byFrame = new Map()))
      let s = byFrame.get(frame)
      if (!s) byFrame.set(frame, (s = { objects: [], classifications: [] }))
      return s
    }
    for (const inst of this.#objects.values()) {
      const st = objectState(inst)
      for (const [frame, d] of st.frames) slot(d.unit, frame)?.objects.push({ seq: d.seq, entry: writeObjectFrame(st, d) })
    }
    for (const inst of this.#classifications.values()) {
      const st = classificationState(inst)
      for (const [frame, d] of st.frames) {
        const entry = ordered(
          CLASSIFICATION_FRAME_KEYS.map(
            (k) => [k, k === 'classificationHash' ? st.hash : k === 'featureHash' ? (d.fields[k] ?? st.featureHash) : structuredClone(d.fields[k])] as const,
          ),
          d.fields,
        )
        slot(d.unit, frame)?.classifications.push({ seq: d.seq, entry })
      }
    }
    const bySeq = (a: { seq: number }, b: { seq: number }) => a.seq - b.seq
    const frameDict = (s: Slot | undefined, extra: Raw): Raw =>
      ordered(
        [
          ['objects', (s?.objects ?? []).sort(bySeq).map((x) => x.entry)],
          ['classifications', (s?.classifications ?? []).sort(bySeq).map((x) => x.entry)],
        ],
        extra,
      )
    const out: Raw = {}
    for (const u of this.#units) {
      let labels: Raw
      if (u.layout === 'opaque') labels = structuredClone(u.labelsExtra)
      else if (u.layout === 'flat') labels = frameDict(slots.get(u.hash)?.get(u.frame), u.labelsExtra)
      else {
        labels = {}
        const byFrame = slots.get(u.hash) ?? new Map<number, Slot>()
        const frames = new Set([...byFrame.keys(), ...u.emptyFrames])
        for (const f of [...frames].sort((a, b) => a - b)) labels[String(f)] = frameDict(byFrame.get(f), u.frameExtras.get(f) ?? {})
      }
      const values: Raw = { ...u.fields, labels }
      out[u.hash] = ordered(
        UNIT_KEYS.map((k) => [k, values[k] === undefined ? undefined : k === 'labels' ? labels : structuredClone(values[k])] as const),
        values,
      )
    }
    return out
  }
}

function writeObjectFrame(st: ObjectState, d: ObjectFrameData): Raw {
  const base = ordered(
    OBJECT_FRAME_KEYS.map((k) => [k, k === 'objectHash' ? st.hash : k === 'featureHash' ? (d.fields[k] ?? st.featureHash) : structuredClone(d.fields[k])] as const),
  )
  const coords = d.rawCoordinates ? structuredClone(d.rawCoordinates) : writeCoordinates(st.shape, d.coordinates)
  Object.assign(base, coords)
  for (const [k, v] of Object.entries(d.fields)) if (!(k in base) && !(OBJECT_FRAME_KEYS as readonly string[]).includes(k)) base[k] = structuredClone(v)
  return base
}
