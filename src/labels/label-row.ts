/**
 * A label row: the labels of one data item (image, image group, video, DICOM, ...) on one branch,
 * loaded from the label row JSON (label-model.md §3) and written back in the save format.
 *
 * The JSON stays the source of truth for everything we do not model: unknown keys at every level
 * (reviews, spaces, future fields) are written back untouched, entries nobody changed are written
 * back with exactly the keys they came with, and known keys come out in the SDK's order. Loading a
 * row and saving it unchanged gives the same JSON.
 */
import { randomBytes } from 'node:crypto'
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

// ---------------------------------------------------------------------------------------------------
// Key orders of the SDK's serializer (see the generated_* fixtures)

const TOP_KEYS = [
  'label_hash',
  'branch_name',
  'created_at',
  'last_edited_at',
  'data_hash',
  'dataset_hash',
  'dataset_title',
  'data_title',
  'data_type',
  'annotation_task_status',
  'is_shadow_data',
  'object_answers',
  'classification_answers',
  'object_actions',
  'label_status',
  'data_units',
  'spaces',
] as const
const UNIT_KEYS = ['data_hash', 'data_title', 'data_link', 'data_type', 'data_sequence', 'width', 'height', 'labels', 'data_duration', 'data_fps'] as const
const OBJECT_FRAME_KEYS = [
  'name',
  'color',
  'shape',
  'value',
  'createdAt',
  'createdBy',
  'confidence',
  'objectHash',
  'featureHash',
  'manualAnnotation',
  'lastEditedAt',
  'lastEditedBy',
  'isDeleted',
] as const
const CLASSIFICATION_FRAME_KEYS = [
  'name',
  'value',
  'createdAt',
  'createdBy',
  'confidence',
  'featureHash',
  'classificationHash',
  'manualAnnotation',
  'lastEditedAt',
  'lastEditedBy',
] as const
const ANSWER_KEYS = ['name', 'value', 'answers', 'featureHash', 'manualAnnotation'] as const
const ACTION_KEYS = ['name', 'value', 'featureHash', 'answers', 'manualAnnotation', 'dynamic', 'range', 'shouldPropagate', 'trackHash'] as const
const CLASSIFICATION_ANSWER_KEYS = [
  'classifications',
  'classificationHash',
  'featureHash',
  'spaces',
  'range',
  'createdBy',
  'createdAt',
  'lastEditedBy',
  'lastEditedAt',
  'manualAnnotation',
] as const
/** Meta keys of a classification_answers entry that mirror the instance's first frame. */
const CLASSIFICATION_META_KEYS = ['createdBy', 'createdAt', 'lastEditedBy', 'lastEditedAt', 'manualAnnotation'] as const

// ---------------------------------------------------------------------------------------------------
// Public option and value types

/** Data types of label rows (lower case, as the label JSON has them). */
export type DataType =
  | 'image'
  | 'video'
  | 'img_group'
  | 'dicom'
  | 'dicom_study'
  | 'nifti'
  | 'audio'
  | 'plain_text'
  | 'pdf'
  | 'group'
  | 'scene'
  | (string & {})

/** Defaults for labels written through a {@link LabelRow}. */
export interface LabelRowDefaults {
  /**
   * Written as `createdBy` (and `lastEditedBy`) of new labels.
   * @default null
   */
  createdBy?: string | null
  /**
   * Whether new labels and answers count as made by a person. Labels written by an agent are not.
   * @default false
   */
  manualAnnotation?: boolean
  /**
   * Confidence of new labels.
   * @default 1
   */
  confidence?: number
}

/** How a {@link LabelRow} is built. */
export interface LabelRowOptions {
  /** The project's ontology (an {@link Ontology} or anything {@link Ontology.from} takes). */
  ontology: OntologyInput
  /** The row's metadata from the label row listing: workflow stage, priority, client metadata, ... */
  metadata?: LabelRowMetadata | null
  /** Defaults for new labels. */
  defaults?: LabelRowDefaults
  /**
   * The clock for `createdAt`/`lastEditedAt` of new labels (tests pass a fixed one).
   * @default () => new Date()
   */
  clock?: () => Date
  /**
   * Makes object, classification and track hashes (tests pass a deterministic one).
   * @default 8 random base64 characters, as Encord makes them
   */
  newHash?: () => string
}

/** Metadata of one label on one frame. */
export interface AnnotationOptions {
  /** In [0, 1]. @default the row's `defaults.confidence` (1) */
  confidence?: number
  /** @default the row's `defaults.manualAnnotation` (false) */
  manualAnnotation?: boolean
  /** @default now */
  createdAt?: Date | string
  /** @default the row's `defaults.createdBy` */
  createdBy?: string | null
  /** @default `createdAt` */
  lastEditedAt?: Date | string
  /** @default `createdBy` */
  lastEditedBy?: string | null
}

/** Metadata of an object label on one frame. */
export interface ObjectAnnotationOptions extends AnnotationOptions {
  isDeleted?: boolean
}

/** Answers by attribute title or feature hash (resolved within the object or classification). */
export type AnswersInput = Record<string, AnswerInput>

/** Options of {@link LabelRow.addObject} and the `add<Shape>` helpers. */
export interface AddObjectOptions extends ObjectAnnotationOptions {
  /** Where the object is. @default 0 */
  frames?: FrameSpec
  /** Single frame shorthand for `frames`. */
  frame?: number
  /** Answers to the object's attributes; dynamic ones apply to these frames. */
  answers?: AnswersInput
  /** Use this object hash instead of a new one. */
  objectHash?: string
}

/** Options of {@link LabelRow.addClassification}. */
export interface AddClassificationOptions extends AnnotationOptions {
  /** Where the classification applies; `'all'` for every frame. Not for global classifications. @default 0 */
  frames?: FrameSpec | 'all'
  /** Single frame shorthand for `frames`. */
  frame?: number
  /** The answer to the classification's question. */
  answer?: AnswerInput
  /** Answers to nested attributes (by title or feature hash). */
  answers?: AnswersInput
  /** Use this classification hash instead of a new one. */
  classificationHash?: string
  /**
   * When the same classification is already on some of these frames: refuse (false) or take those
   * frames away from the other instance (true).
   * @default false
   */
  force?: boolean
}

/** Options of answer setters. */
export interface SetAnswerOptions {
  /** Dynamic attributes: the frames this answer holds for. @default every frame of the object */
  frames?: FrameSpec
  /** @default the row's `defaults.manualAnnotation` (false) */
  manualAnnotation?: boolean
}

/** One answer of an instance, as read. */
export interface AnswerView {
  /** `undefined` when the attribute is no longer in the ontology. */
  attribute: Attribute | undefined
  featureHash: string
  /** The attribute's name as the label has it. */
  name: string
  /** The answer as a value (`undefined` when it cannot be read against the ontology). */
  value: AnswerValue | undefined
  /** The answer exactly as in the JSON. */
  wire: unknown
  manualAnnotation: boolean | undefined
  dynamic: boolean
  /** Dynamic answers: the frames they hold for. */
  frames?: number[]
}

/** One data unit of the row: the single image or video, or one image of an image group. */
export interface DataUnitInfo {
  dataHash: string
  title: string | null
  /** The file's mime type, e.g. `image/jpeg`. */
  mimeType: string | null
  dataLink: string | null
  width: number | null
  height: number | null
  /** Image groups: the image's frame index; images: 0; videos and others: null. */
  frame: number | null
}

// ---------------------------------------------------------------------------------------------------
// Internal state

interface Ctx {
  now: () => Date
  newHash: () => string
  defaults: Required<LabelRowDefaults>
}

function randomHash(): string {
  // The SDK's short ids: base64 of 6 random bytes (8 characters, may hold '+' and '/').
  return randomBytes(6).toString('base64')
}

const DEFAULT_CTX: Ctx = { now: () => new Date(), newHash: randomHash, defaults: { createdBy: null, manualAnnotation: false, confidence: 1 } }

let sequence = 0
/** Order of labels within a frame: loaded ones in the order they came, new ones after. */
function nextSeq(): number {
  return ++sequence
}

interface ObjectFrameData {
  seq: number
  /** The data unit it was loaded from (new labels: found from the frame). */
  unit: string | undefined
  /** Every key but the coordinate keys, as loaded or as built. */
  fields: Raw
  coordinates: Coordinates
  /** The coordinate keys exactly as loaded; null once coordinates were set. */
  rawCoordinates: Raw | null
}

interface ClassificationFrameData {
  seq: number
  unit: string | undefined
  fields: Raw
}

interface AnswerEntry {
  attribute: Attribute | undefined
  featureHash: string
  fields: Raw
}

interface ObjectState {
  hash: string
  feature: OntologyObject | undefined
  featureHash: string
  shape: Shape
  title: string
  frames: Map<number, ObjectFrameData>
  answers: AnswerEntry[]
  actions: AnswerEntry[]
  /** The object_answers entry's other keys; null while the instance has no such entry. */
  answersEntry: Raw | null
  /** The object_actions entry's other keys; null while there is none. */
  actionsEntry: Raw | null
  actionsEntryWasEmpty: boolean
  row: LabelRow | null
  ctx: Ctx
}

interface ClassificationState {
  hash: string
  feature: OntologyClassification | undefined
  featureHash: string
  title: string
  frames: Map<number, ClassificationFrameData>
  answers: AnswerEntry[]
  /** The classification_answers entry's other keys; null while there is none. */
  entry: Raw | null
  /** New instances: range and meta of the entry follow the frames. */
  entryFollowsFrames: boolean
  framesChanged: boolean
  row: LabelRow | null
  ctx: Ctx
}

interface RowInternals {
  ctx: Ctx
  touch(): void
  checkFrames(frames: number[], what: string): void
  frameSize(frame: number): { width: number; height: number } | null
  checkClassificationFrames(instance: ClassificationInstance, frames: number[], force: boolean): void
  detachObject(instance: ObjectInstance): void
  detachClassification(instance: ClassificationInstance): void
}

/** Module-private key under which loaded state is handed to the instance constructors. */
const FROM_STATE = Symbol('fromState')

let objectState!: (i: ObjectInstance) => ObjectState
let classificationState!: (i: ClassificationInstance) => ClassificationState
let rowInternals!: (r: LabelRow) => RowInternals

// ---------------------------------------------------------------------------------------------------
// Shared helpers

function dateString(v: Date | string, what: string): string {
  const d = parseEncordDate(v)
  if (!d) throw labelError(LabelErrorCode.InvalidAnnotation, `${what} ${JSON.stringify(v)} is not a date.`, { hint: 'Pass a Date or an ISO-8601 string.' })
  return formatEncordDate(d)
}

function checkConfidence(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw labelError(LabelErrorCode.InvalidAnnotation, `Confidence must be a number in [0, 1], got ${JSON.stringify(v)}.`)
  }
  return v
}

/** Fields of a new label on a frame, from options and defaults. */
function newMeta(ctx: Ctx, o: AnnotationOptions): { createdAt: string; createdBy: string | null; confidence: number; manualAnnotation: boolean; lastEditedAt: string; lastEditedBy: string | null } {
  const createdAt = o.createdAt !== undefined ? dateString(o.createdAt, 'createdAt') : formatEncordDate(ctx.now())
  const createdBy = o.createdBy !== undefined ? o.createdBy : ctx.defaults.createdBy
  return {
    createdAt,
    createdBy,
    confidence: checkConfidence(o.confidence ?? ctx.defaults.confidence),
    manualAnnotation: o.manualAnnotation ?? ctx.defaults.manualAnnotation,
    lastEditedAt: o.lastEditedAt !== undefined ? dateString(o.lastEditedAt, 'lastEditedAt') : createdAt,
    lastEditedBy: o.lastEditedBy !== undefined ? o.lastEditedBy : createdBy,
  }
}

/** Apply metadata changes to an existing label's fields (an edit also stamps lastEditedAt/By). */
function applyMetaChanges(ctx: Ctx, fields: Raw, o: ObjectAnnotationOptions, isObject: boolean): void {
  if (o.confidence !== undefined) fields['confidence'] = checkConfidence(o.confidence)
  if (o.manualAnnotation !== undefined) fields['manualAnnotation'] = o.manualAnnotation
  if (o.createdAt !== undefined) fields['createdAt'] = dateString(o.createdAt, 'createdAt')
  if (o.createdBy !== undefined) fields['createdBy'] = o.createdBy
  fields['lastEditedAt'] = o.lastEditedAt !== undefined ? dateString(o.lastEditedAt, 'lastEditedAt') : formatEncordDate(ctx.now())
  const by = o.lastEditedBy !== undefined ? o.lastEditedBy : ctx.defaults.createdBy
  if (by !== null) fields['lastEditedBy'] = by
  if (isObject && o.isDeleted !== undefined) fields['isDeleted'] = o.isDeleted
}

function resolveAnswerAttribute(root: OntologyObject | OntologyClassification | undefined, featureHash: string): Attribute | undefined {
  return root?.allAttributes().find((a) => a.featureHash === featureHash)
}

function readAnswerEntries(root: OntologyObject | OntologyClassification | undefined, list: unknown): AnswerEntry[] {
  if (!Array.isArray(list)) return []
  return list.filter(isRecord).map((fields) => {
    const featureHash = typeof fields['featureHash'] === 'string' ? fields['featureHash'] : ''
    // `list` is part of the row's own copy of the dict (made once in the constructor): no copy here.
    return { attribute: resolveAnswerAttribute(root, featureHash), featureHash, fields }
  })
}

function writeAnswerEntry(e: AnswerEntry): Raw {
  return ordered(
    ANSWER_KEYS.map((k) => [k, k === 'featureHash' ? (e.fields[k] ?? e.featureHash) : structuredClone(e.fields[k])] as const),
    e.fields,
  )
}

function writeActionEntry(e: AnswerEntry): Raw {
  return ordered(
    ACTION_KEYS.map((k) => [k, k === 'featureHash' ? (e.fields[k] ?? e.featureHash) : structuredClone(e.fields[k])] as const),
    e.fields,
  )
}

/** DFS position of an attribute below its root; answers are written in descending order. */
function rank(root: OntologyObject | OntologyClassification | undefined, a: Attribute | undefined): number | undefined {
  if (!root || !a) return undefined
  const i = root.allAttributes().indexOf(a)
  return i < 0 ? undefined : i
}

/** Put a new static answer where the SDK would: answers are written in reverse traversal order. */
function insertAnswer(root: OntologyObject | OntologyClassification | undefined, list: AnswerEntry[], entry: AnswerEntry): void {
  const r = rank(root, entry.attribute)
  if (r !== undefined) {
    const at = list.findIndex((e) => {
      const er = rank(root, e.attribute)
      return er !== undefined && er < r
    })
    if (at >= 0) {
      list.splice(at, 0, entry)
      return
    }
  }
  list.push(entry)
}

function answerView(e: AnswerEntry, dynamic: boolean): AnswerView {
  const view: AnswerView = {
    attribute: e.attribute,
    featureHash: e.featureHash,
    name: typeof e.fields['name'] === 'string' ? e.fields['name'] : (e.attribute?.name ?? ''),
    value: decodeAnswer(e.attribute, e.fields['answers']),
    wire: structuredClone(e.fields['answers']),
    manualAnnotation: typeof e.fields['manualAnnotation'] === 'boolean' ? e.fields['manualAnnotation'] : undefined,
    dynamic,
  }
  if (dynamic) view.frames = rangesToFrames(e.fields['range'])
  return view
}

function unknownFeature(kind: string, title: string, featureHash: string): Error {
  return labelError(
    LabelErrorCode.UnknownOntologyFeature,
    `The ${kind} ${JSON.stringify(title)} (featureHash ${featureHash}) is not in the ontology, so it can be read and removed but not changed.`,
    { hint: 'The ontology changed after this label was made; edit it in Encord or remove it.' },
  )
}

// ---------------------------------------------------------------------------------------------------
// Annotation views

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
    if (!d) throw labelError(LabelErrorCode.FrameOutOfRange, `Object ${JSON.stringify(this.#instance.title)} (${this.#instance.objectHash}) is no longer on frame ${this.frame}.`)
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
      if (st.row) checkBitmaskSize(st.row, st.feature, this.frame, coords)
      data.coordinates = coords
      data.rawCoordinates = null
    }
    applyMetaChanges(st.ctx, data.fields, changes, true)
    if (st.row) rowInternals(st.row).touch()
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
    if (!d) throw labelError(LabelErrorCode.FrameOutOfRange, `Classification ${JSON.stringify(this.#instance.title)} is no longer on frame ${this.frame}.`)
    return d.fields
  }

  get instance(): ClassificationInstance {
    return this.#instance
  }

  /** Change the metadata. Stamps `lastEditedAt`/`lastEditedBy` unless given. */
  update(changes: AnnotationOptions): this {
    const st = classificationState(this.#instance)
    applyMetaChanges(st.ctx, this.fields, changes, false)
    if (st.row) rowInternals(st.row).touch()
    return this
  }
}

function checkBitmaskSize(row: LabelRow, feature: OntologyObject, frame: number, coords: Coordinates): void {
  if (!(coords instanceof Bitmask)) return
  const size = rowInternals(row).frameSize(frame)
  if (size && (size.width !== coords.width || size.height !== coords.height)) {
    throw labelError(
      LabelErrorCode.BitmaskSizeMismatch,
      `Bitmask for object ${JSON.stringify(feature.name)} on frame ${frame} is ${coords.width}×${coords.height}, but the frame is ${size.width}×${size.height}.`,
      { hint: 'A bitmask covers the whole frame: build it with the frame width and height.' },
    )
  }
}

// ---------------------------------------------------------------------------------------------------
// Object instances

/** Options of {@link ObjectInstance.setForFrames}. */
export interface SetForFramesOptions extends ObjectAnnotationOptions {
  /** @default 0 */
  frames?: FrameSpec
  /** Replace coordinates on frames that already have them. @default false */
  overwrite?: boolean
}

/**
 * One object (a box, polygon, ... of an ontology object) across the frames it is on, with its
 * answers. Get them from a {@link LabelRow}; `new ObjectInstance(ontologyObject)` makes a detached one
 * to add with {@link LabelRow.addObjectInstance}.
 */
export class ObjectInstance<S extends Shape = Shape> {
  readonly #s: ObjectState

  static {
    objectState = (i) => i.#s
  }

  /**
   * A new instance not yet in any label row.
   * @example const car = new ObjectInstance(ontology.object('Car', 'bounding_box')).setForFrames(box, { frames: 0 })
   */
  constructor(feature: OntologyObject<S>, options: { objectHash?: string } = {}) {
    const loaded = (options as { [FROM_STATE]?: ObjectState })[FROM_STATE]
    this.#s = loaded ?? {
      hash: options.objectHash ?? DEFAULT_CTX.newHash(),
      feature: feature as OntologyObject,
      featureHash: feature.featureHash,
      shape: feature.shape,
      title: feature.name,
      frames: new Map(),
      answers: [],
      actions: [],
      answersEntry: {},
      actionsEntry: null,
      actionsEntryWasEmpty: false,
      row: null,
      ctx: DEFAULT_CTX,
    }
  }

  get objectHash(): string {
    return this.#s.hash
  }

  /** The ontology object; `undefined` when the label's feature is no longer in the ontology. */
  get ontologyObject(): OntologyObject<S> | undefined {
    return this.#s.feature as OntologyObject<S> | undefined
  }

  get featureHash(): string {
    return this.#s.featureHash
  }

  get shape(): S {
    return this.#s.shape as S
  }

  /** The ontology object's name. */
  get title(): string {
    return this.#s.title
  }

  /** The label row it belongs to, or null while detached. */
  get row(): LabelRow | null {
    return this.#s.row
  }

  /** Audio / text objects: placed by ranges instead of frames. */
  get isRangeBased(): boolean {
    return this.#s.frames.size === 0 && this.#s.answersEntry !== null && 'range' in this.#s.answersEntry
  }

  /** Audio / text objects: the `[start, end]` ranges (inclusive) they cover. */
  get ranges(): [number, number][] {
    const r = this.#s.answersEntry?.['range']
    return Array.isArray(r) ? (structuredClone(r) as [number, number][]) : []
  }

  /** Frames the object is on, ascending. */
  frames(): number[] {
    return [...this.#s.frames.keys()].sort((a, b) => a - b)
  }

  /** The label on one frame, or `undefined` when the object is not there. */
  annotation(frame: number): ObjectAnnotation<S> | undefined {
    return this.#s.frames.has(frame) ? new ObjectAnnotation(this, frame) : undefined
  }

  /** The labels on every frame, by frame. */
  annotations(): ObjectAnnotation<S>[] {
    return this.frames().map((f) => new ObjectAnnotation(this, f))
  }

  /** Coordinates on `frame` (default: the first frame), frozen. */
  coordinates(frame?: number): CoordinatesByShape[S] | undefined {
    const f = frame ?? this.frames()[0]
    return f === undefined ? undefined : (this.#s.frames.get(f)?.coordinates as CoordinatesByShape[S] | undefined)
  }

  /**
   * Place the object on frames with these coordinates. Frames that already have coordinates are
   * refused unless `overwrite: true`.
   * @example car.setForFrames({ x: 0.1, y: 0.2, w: 0.3, h: 0.2 }, { frames: { start: 0, end: 9 }, confidence: 0.8 })
   */
  setForFrames(coordinates: CoordinatesInputByShape[S], options: SetForFramesOptions = {}): this {
    const st = this.#s
    if (!st.feature) throw unknownFeature('object', st.title, st.featureHash)
    const frames = framesOf(options.frames ?? 0)
    const coords = normaliseCoordinates(st.feature, coordinates)
    const taken = frames.filter((f) => st.frames.has(f))
    if (taken.length > 0 && !options.overwrite) {
      throw labelError(
        LabelErrorCode.FrameAlreadyLabelled,
        `Object ${JSON.stringify(st.title)} (${st.hash}) already has coordinates on frame(s) ${describeFrames(taken)}.`,
        { hint: 'Pass { overwrite: true } to replace them, or use annotation(frame).update(...).' },
      )
    }
    if (st.row) {
      rowInternals(st.row).checkFrames(frames, `object ${JSON.stringify(st.title)}`)
      for (const f of frames) checkBitmaskSize(st.row, st.feature, f, coords)
    }
    const meta = newMeta(st.ctx, options)
    for (const f of frames) {
      const existing = st.frames.get(f)
      const fields: Raw = {
        name: st.feature.name,
        color: st.feature.color,
        shape: st.feature.shape,
        value: st.feature.value,
        createdAt: meta.createdAt,
        createdBy: meta.createdBy,
        confidence: meta.confidence,
        objectHash: st.hash,
        featureHash: st.featureHash,
        manualAnnotation: meta.manualAnnotation,
        lastEditedAt: meta.lastEditedAt,
      }
      if (meta.lastEditedBy !== null) fields['lastEditedBy'] = meta.lastEditedBy
      if (options.isDeleted !== undefined) fields['isDeleted'] = options.isDeleted
      if (existing) {
        // Keep keys we do not model (reviews, ...) and the label's place in the frame.
        for (const [k, v] of Object.entries(existing.fields)) if (!(OBJECT_FRAME_KEYS as readonly string[]).includes(k)) fields[k] = v
      }
      st.frames.set(f, { seq: existing?.seq ?? nextSeq(), unit: existing?.unit, fields, coordinates: coords, rawCoordinates: null })
    }
    if (st.row) rowInternals(st.row).touch()
    return this
  }

  /**
   * Take the object off these frames (and its dynamic answers there). An object left on no frame is
   * removed from its label row.
   */
  removeFrames(frames: FrameSpec): this {
    const st = this.#s
    const list = framesOf(frames).filter((f) => st.frames.has(f))
    if (list.length === 0) return this
    for (const f of list) st.frames.delete(f)
    for (const a of [...st.actions]) {
      const left = rangesToFrames(a.fields['range']).filter((f) => !list.includes(f))
      if (left.length === 0) st.actions.splice(st.actions.indexOf(a), 1)
      else a.fields['range'] = framesToRanges(left)
    }
    if (st.row) {
      rowInternals(st.row).touch()
      if (st.frames.size === 0) rowInternals(st.row).detachObject(this)
    }
    return this
  }

  /** Resolve an attribute of this object (title, feature hash or Attribute). */
  #attribute(attribute: string | Attribute): Attribute {
    const st = this.#s
    if (!st.feature) throw unknownFeature('object', st.title, st.featureHash)
    return st.feature.attribute(attribute)
  }

  /**
   * Answer an attribute of this object (at any depth). Replaces an existing answer. Dynamic
   * attributes take `frames` (default: every frame of the object).
   * @example car.setAnswer('Colour', 'Red'); car.setAnswer('Tags', ['Parked']); car.setAnswer('Occluded', 'Yes', { frames: [3, 4] })
   */
  setAnswer<A extends Attribute>(attribute: A, value: AnswerInputOf<A>, options?: SetAnswerOptions): this
  setAnswer(attribute: string, value: AnswerInput, options?: SetAnswerOptions): this
  setAnswer(attribute: string | Attribute, value: AnswerInput, options: SetAnswerOptions = {}): this {
    const st = this.#s
    const attr = this.#attribute(attribute)
    const { wire } = encodeAnswer(attr, value)
    const manual = options.manualAnnotation ?? st.ctx.defaults.manualAnnotation
    if (attr.dynamic) {
      const frames = options.frames !== undefined ? framesOf(options.frames) : this.frames()
      const missing = frames.filter((f) => !st.frames.has(f))
      if (st.frames.size > 0 && missing.length > 0) {
        throw labelError(
          LabelErrorCode.FrameOutOfRange,
          `Object ${JSON.stringify(st.title)} (${st.hash}) is not on frame(s) ${describeFrames(missing)}; dynamic answers to ${JSON.stringify(attr.name)} go on frames where the object is.`,
        )
      }
      if (frames.length === 0) throw labelError(LabelErrorCode.InvalidAnswer, `Dynamic attribute ${JSON.stringify(attr.name)} (${attr.path}) needs frames, and object ${JSON.stringify(st.title)} is on none.`)
      setDynamic(st, attr, wire, frames, manual)
    } else {
      const fields: Raw = { name: attr.name, value: attr.value, answers: wire, featureHash: attr.featureHash, manualAnnotation: manual }
      replaceOrInsert(st.feature, st.answers, { attribute: attr, featureHash: attr.featureHash, fields })
      st.answersEntry ??= {}
    }
    if (st.row) rowInternals(st.row).touch()
    return this
  }

  /**
   * Answer several attributes at once, by title or feature hash.
   * @example car.setAnswers({ Colour: 'Red', Shade: 'dark', Note: 'parked' })
   */
  setAnswers(answers: AnswersInput, options: SetAnswerOptions = {}): this {
    for (const [k, v] of Object.entries(answers)) this.setAnswer(k, v, options)
    return this
  }

  /**
   * The answer to an attribute: the option (radio), options (checklist), text or number, or
   * `undefined` when unanswered. Dynamic attributes: pass `frame` (without it, the earliest answer).
   */
  getAnswer<A extends Attribute>(attribute: A, options?: { frame?: number }): AnswerOf<A> | undefined
  getAnswer(attribute: string, options?: { frame?: number }): AnswerValue | undefined
  getAnswer(attribute: string | Attribute, options: { frame?: number } = {}): unknown {
    const st = this.#s
    const attr = this.#attribute(attribute)
    if (attr.dynamic) {
      const candidates = st.actions
        .filter((a) => a.featureHash === attr.featureHash)
        .map((a) => ({ a, frames: rangesToFrames(a.fields['range']) }))
        .filter((x) => options.frame === undefined || x.frames.includes(options.frame))
        .sort((x, y) => (x.frames[0] ?? 0) - (y.frames[0] ?? 0))
      return candidates.length > 0 ? decodeAnswer(attr, candidates[0].a.fields['answers']) : undefined
    }
    const entry = st.answers.find((e) => e.featureHash === attr.featureHash)
    return entry ? decodeAnswer(attr, entry.fields['answers']) : undefined
  }

  /** Remove the answer to an attribute (dynamic: on `frames`, default all). */
  clearAnswer(attribute: string | Attribute, options: { frames?: FrameSpec } = {}): this {
    const st = this.#s
    const attr = this.#attribute(attribute)
    let changed = false
    if (attr.dynamic) {
      const drop = options.frames !== undefined ? framesOf(options.frames) : undefined
      for (const a of [...st.actions]) {
        if (a.featureHash !== attr.featureHash) continue
        const left = drop ? rangesToFrames(a.fields['range']).filter((f) => !drop.includes(f)) : []
        if (left.length === 0) st.actions.splice(st.actions.indexOf(a), 1)
        else a.fields['range'] = framesToRanges(left)
        changed = true
      }
    } else {
      const before = st.answers.length
      st.answers = st.answers.filter((e) => e.featureHash !== attr.featureHash)
      changed = st.answers.length !== before
    }
    if (changed && st.row) rowInternals(st.row).touch()
    return this
  }

  /** Every answer (static first, then dynamic), as read. */
  answers(): AnswerView[] {
    return [...this.#s.answers.map((e) => answerView(e, false)), ...this.#s.actions.map((e) => answerView(e, true))]
  }

  /** Remove this object from its label row. */
  remove(): void {
    if (this.#s.row) rowInternals(this.#s.row).detachObject(this)
  }
}

function replaceOrInsert(root: OntologyObject | OntologyClassification | undefined, list: AnswerEntry[], entry: AnswerEntry): void {
  const at = list.findIndex((e) => e.featureHash === entry.featureHash)
  if (at >= 0) {
    // Keep keys we do not model, and the answer's place.
    for (const [k, v] of Object.entries(list[at].fields)) if (!(ANSWER_KEYS as readonly string[]).includes(k)) entry.fields[k] = v
    list[at] = entry
    for (let i = list.length - 1; i > at; i--) if (list[i].featureHash === entry.featureHash) list.splice(i, 1)
  } else insertAnswer(root, list, entry)
}

/** A dynamic answer holds for frames; one action per distinct answer, its frames as ranges. */
function setDynamic(st: ObjectState, attr: Attribute, wire: unknown, frames: number[], manual: boolean): void {
  const same = JSON.stringify(wire)
  for (const a of [...st.actions]) {
    if (a.featureHash !== attr.featureHash) continue
    const left = rangesToFrames(a.fields['range']).filter((f) => !frames.includes(f))
    if (JSON.stringify(a.fields['answers']) === same) continue
    if (left.length === 0) st.actions.splice(st.actions.indexOf(a), 1)
    else a.fields['range'] = framesToRanges(left)
  }
  const match = st.actions.find((a) => a.featureHash === attr.featureHash && JSON.stringify(a.fields['answers']) === same)
  if (match) {
    match.fields['range'] = framesToRanges([...rangesToFrames(match.fields['range']), ...frames])
    match.fields['manualAnnotation'] = manual
  } else {
    st.actions.push({
      attribute: attr,
      featureHash: attr.featureHash,
      fields: {
        name: attr.name,
        value: attr.value,
        featureHash: attr.featureHash,
        answers: wire,
        manualAnnotation: manual,
        dynamic: true,
        range: framesToRanges(frames),
        shouldPropagate: false,
        trackHash: st.ctx.newHash(),
      },
    })
  }
  st.actionsEntry ??= {}
}

// ---------------------------------------------------------------------------------------------------
// Classification instances

/** Options of {@link ClassificationInstance.setForFrames}. */
export interface SetClassificationFramesOptions extends AnnotationOptions {
  /** @default 0 */
  frames?: FrameSpec
  /** Replace metadata on frames the instance is already on. @default false */
  overwrite?: boolean
  /** Take these frames from another instance of the same classification. @default false */
  force?: boolean
}

/**
 * One classification (a question of the ontology) on a set of frames, with one answer. Global
 * classifications have no frames.
 */
export class ClassificationInstance {
  readonly #s: ClassificationState

  static {
    classificationState = (i) => i.#s
  }

  /** A new instance not yet in any label row. */
  constructor(feature: OntologyClassification, options: { classificationHash?: string } = {}) {
    const loaded = (options as { [FROM_STATE]?: ClassificationState })[FROM_STATE]
    this.#s = loaded ?? {
      hash: options.classificationHash ?? DEFAULT_CTX.newHash(),
      feature,
      featureHash: feature.featureHash,
      title: feature.title,
      frames: new Map(),
      answers: [],
      entry: newClassificationEntry(DEFAULT_CTX, {}),
      entryFollowsFrames: true,
      framesChanged: false,
      row: null,
      ctx: DEFAULT_CTX,
    }
  }

  get classificationHash(): string {
    return this.#s.hash
  }

  /** The ontology classification; `undefined` when it is no longer in the ontology. */
  get ontologyClassification(): OntologyClassification | undefined {
    return this.#s.feature
  }

  get featureHash(): string {
    return this.#s.featureHash
  }

  /** The question's name. */
  get title(): string {
    return this.#s.title
  }

  get isGlobal(): boolean {
    return this.#s.feature?.isGlobal ?? false
  }

  get row(): LabelRow | null {
    return this.#s.row
  }

  /** Frames the classification is on, ascending (none for global ones). */
  frames(): number[] {
    return [...this.#s.frames.keys()].sort((a, b) => a - b)
  }

  annotation(frame: number): ClassificationAnnotation | undefined {
    return this.#s.frames.has(frame) ? new ClassificationAnnotation(this, frame) : undefined
  }

  annotations(): ClassificationAnnotation[] {
    return this.frames().map((f) => new ClassificationAnnotation(this, f))
  }

  /** Put the classification on frames. */
  setForFrames(options: SetClassificationFramesOptions = {}): this {
    const st = this.#s
    if (!st.feature) throw unknownFeature('classification', st.title, st.featureHash)
    if (st.feature.isGlobal) {
      throw labelError(LabelErrorCode.FrameOutOfRange, `Classification ${JSON.stringify(st.title)} is global: it applies to the whole item and has no frames.`)
    }
    const frames = framesOf(options.frames ?? 0)
    const taken = frames.filter((f) => st.frames.has(f))
    if (taken.length > 0 && !options.overwrite) {
      throw labelError(LabelErrorCode.FrameAlreadyLabelled, `Classification ${JSON.stringify(st.title)} (${st.hash}) is already on frame(s) ${describeFrames(taken)}.`, {
        hint: 'Pass { overwrite: true } to replace its metadata there.',
      })
    }
    const meta = newMeta(st.ctx, options) // checked before a forced call takes frames from others
    if (st.row) {
      rowInternals(st.row).checkFrames(frames, `classification ${JSON.stringify(st.title)}`)
      rowInternals(st.row).checkClassificationFrames(this, frames, options.force ?? false)
    }
    for (const f of frames) {
      const existing = st.frames.get(f)
      const fields: Raw = {
        name: st.feature.title,
        value: st.feature.value,
        createdAt: meta.createdAt,
        createdBy: meta.createdBy,
        confidence: meta.confidence,
        featureHash: st.featureHash,
        classificationHash: st.hash,
        manualAnnotation: meta.manualAnnotation,
        lastEditedAt: meta.lastEditedAt,
      }
      if (meta.lastEditedBy !== null) fields['lastEditedBy'] = meta.lastEditedBy
      if (existing) for (const [k, v] of Object.entries(existing.fields)) if (!(CLASSIFICATION_FRAME_KEYS as readonly string[]).includes(k)) fields[k] = v
      st.frames.set(f, { seq: existing?.seq ?? nextSeq(), unit: existing?.unit, fields })
    }
    st.framesChanged = true
    if (st.row) rowInternals(st.row).touch()
    return this
  }

  /** Take the classification off frames; one left on no frame is removed from its label row. */
  removeFrames(frames: FrameSpec): this {
    const st = this.#s
    const list = framesOf(frames).filter((f) => st.frames.has(f))
    if (list.length === 0) return this
    for (const f of list) st.frames.delete(f)
    st.framesChanged = true
    if (st.row) {
      rowInternals(st.row).touch()
      if (st.frames.size === 0 && !this.isGlobal) rowInternals(st.row).detachClassification(this)
    }
    return this
  }

  #attribute(attribute: string | Attribute | undefined): Attribute {
    const st = this.#s
    if (!st.feature) throw unknownFeature('classification', st.title, st.featureHash)
    return st.feature.attribute(attribute)
  }

  /**
   * Answer the question (or, with `attribute`, a nested attribute). Replaces an existing answer.
   * @example weather.setAnswer('Sunny'); issues.setAnswer(['Blurry', 'Too dark']); cls.setAnswer('The moon', { attribute: 'Note' })
   */
  setAnswer(value: AnswerInput, options: { attribute?: string | Attribute; manualAnnotation?: boolean } = {}): this {
    const st = this.#s
    const attr = this.#attribute(options.attribute)
    const { wire } = encodeAnswer(attr, value)
    const fields: Raw = {
      name: attr.name,
      value: attr.value,
      answers: wire,
      featureHash: attr.featureHash,
      manualAnnotation: options.manualAnnotation ?? st.ctx.defaults.manualAnnotation,
    }
    replaceOrInsert(st.feature, st.answers, { attribute: attr, featureHash: attr.featureHash, fields })
    if (st.entry === null) st.entry = { spaces: {} }
    if (st.row) rowInternals(st.row).touch()
    return this
  }

  /** Answer nested attributes by title or feature hash. */
  setAnswers(answers: AnswersInput, options: { manualAnnotation?: boolean } = {}): this {
    for (const [k, v] of Object.entries(answers)) this.setAnswer(v, { ...options, attribute: k })
    return this
  }

  /** The answer to the question (or to `attribute`), `undefined` when unanswered. */
  getAnswer<A extends Attribute>(attribute: A): AnswerOf<A> | undefined
  getAnswer(attribute?: string): AnswerValue | undefined
  getAnswer(attribute?: string | Attribute): unknown {
    const attr = this.#attribute(attribute)
    const entry = this.#s.answers.find((e) => e.featureHash === attr.featureHash)
    return entry ? decodeAnswer(attr, entry.fields['answers']) : undefined
  }

  /** The answer to the question. */
  get answer(): AnswerValue | undefined {
    return this.getAnswer()
  }

  /** Remove the answer to the question (or to `attribute`). */
  clearAnswer(attribute?: string | Attribute): this {
    const st = this.#s
    const attr = this.#attribute(attribute)
    const before = st.answers.length
    st.answers = st.answers.filter((e) => e.featureHash !== attr.featureHash)
    if (st.answers.length !== before && st.row) rowInternals(st.row).touch()
    return this
  }

  answers(): AnswerView[] {
    return this.#s.answers.map((e) => answerView(e, false))
  }

  /** Remove this classification from its label row. */
  remove(): void {
    if (this.#s.row) rowInternals(this.#s.row).detachClassification(this)
  }
}

function newClassificationEntry(ctx: Ctx, o: AnnotationOptions): Raw {
  const meta = newMeta(ctx, o)
  return {
    spaces: {},
    range: [],
    createdBy: meta.createdBy,
    createdAt: meta.createdAt,
    lastEditedBy: meta.lastEditedBy,
    lastEditedAt: meta.lastEditedAt,
    manualAnnotation: meta.manualAnnotation,
  }
}

// ---------------------------------------------------------------------------------------------------
// The label row

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

  static {
    rowInternals = (r) => r.#internals
  }

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
      row: this,
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
      row: this,
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
          objectState(inst).row = null
          this.#labelsDirty = true
        }
      },
      detachClassification: (inst) => {
        if (this.#classifications.get(inst.classificationHash) === inst) {
          this.#classifications.delete(inst.classificationHash)
          classificationState(inst).row = null
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
    for (const f of frames) checkBitmaskSize(this, feature, f, st.frames.get(f)!.coordinates)
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
    if (st.row === this) return instance
    if (st.row) {
      throw labelError(LabelErrorCode.InvalidInstance, `Object ${JSON.stringify(st.title)} (${st.hash}) already belongs to the label row of ${JSON.stringify(st.row.dataTitle)}.`, {
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
    for (const [f, d] of st.frames) checkBitmaskSize(this, own, f, d.coordinates)
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
      objectState(old).row = null
      this.#objects.delete(st.hash)
    }
    st.row = this
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
    if (st.row === this) return instance
    if (st.row) throw labelError(LabelErrorCode.InvalidInstance, `Classification ${JSON.stringify(st.title)} (${st.hash}) already belongs to another label row.`)
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
    if (old && old !== inst) classificationState(old).row = null
    st.row = this
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

function makeObjectInstance(state: ObjectState): ObjectInstance {
  // The constructor takes loaded state under a module-private key (not part of the public API).
  return new ObjectInstance(state.feature as OntologyObject, { [FROM_STATE]: state } as { objectHash?: string })
}

function makeClassificationInstance(state: ClassificationState): ClassificationInstance {
  return new ClassificationInstance(state.feature as OntologyClassification, { [FROM_STATE]: state } as { classificationHash?: string })
}
