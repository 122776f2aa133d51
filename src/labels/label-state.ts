import { fail } from '../shared/error-catalogue/index.js'
/**
 * The label model's internal state, shared by the row, its object and classification instances and
 * their frame views: the SDK's key orders, the state records behind each instance, and the helpers
 * that read and write answers and label metadata. Not part of the public API.
 */
import { randomBytes } from 'node:crypto'
import { decodeAnswer } from './answers.js'
import type { ClassificationInstance } from './classification-instance.js'
import type { Coordinates } from './coordinates.js'
import { formatEncordDate, parseEncordDate } from './dates.js'
import { framesOf, rangesToFrames, type FrameSpec } from './frames.js'
import type {
  AnnotationOptions,
  AnswerView,
  LabelRowDefaults,
  LabelRowOptions,
  ObjectAnnotationOptions,
} from './label-options.js'
import type { LabelRow } from './label-row.js'
import type { ObjectInstance } from './object-instance.js'
import type { Attribute, OntologyClassification, OntologyObject, Shape } from './ontology.js'
import { isRecord, type Raw } from '../shared/records.js'
import { cloneJson, ordered } from './wire.js'

// ---------------------------------------------------------------------------------------------------
export const TOP_KEYS = [
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
export const UNIT_KEYS = [
  'data_hash',
  'data_title',
  'data_link',
  'data_type',
  'data_sequence',
  'width',
  'height',
  'labels',
  'data_duration',
  'data_fps',
] as const
export const OBJECT_FRAME_KEYS = [
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
export const CLASSIFICATION_FRAME_KEYS = [
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
export const ANSWER_KEYS = ['name', 'value', 'answers', 'featureHash', 'manualAnnotation'] as const
export const ACTION_KEYS = [
  'name',
  'value',
  'featureHash',
  'answers',
  'manualAnnotation',
  'dynamic',
  'range',
  'shouldPropagate',
  'trackHash',
] as const
/**
 * The label metadata of an entry (a classification_answers entry, a range object's object_answers
 * entry), in the SDK's order; on a classification they mirror its first frame.
 */
export const CLASSIFICATION_META_KEYS = [
  'createdBy',
  'createdAt',
  'lastEditedBy',
  'lastEditedAt',
  'manualAnnotation',
] as const
export const CLASSIFICATION_ANSWER_KEYS = [
  'classifications',
  'classificationHash',
  'featureHash',
  'spaces',
  'range',
  ...CLASSIFICATION_META_KEYS,
] as const

// ---------------------------------------------------------------------------------------------------
// Internal state

export interface Ctx {
  now: () => Date
  newHash: () => string
  defaults: Required<LabelRowDefaults>
}

function randomHash(): string {
  // The SDK's short ids: base64 of 6 random bytes (8 characters, may hold '+' and '/').
  return randomBytes(6).toString('base64')
}

export const DEFAULT_CTX: Ctx = {
  now: () => new Date(),
  newHash: randomHash,
  defaults: { createdBy: null, manualAnnotation: false, confidence: 1 },
}

/** A row's clock, hash maker and label defaults, from its options (defaults where not given). */
export function ctxOf(options: Pick<LabelRowOptions, 'clock' | 'newHash' | 'defaults'>): Ctx {
  return {
    now: options.clock ?? DEFAULT_CTX.now,
    newHash: options.newHash ?? DEFAULT_CTX.newHash,
    defaults: {
      createdBy: options.defaults?.createdBy ?? null,
      manualAnnotation: options.defaults?.manualAnnotation ?? false,
      confidence: checkConfidence(options.defaults?.confidence ?? 1),
    },
  }
}

let sequence = 0
/** Order of labels within a frame: loaded ones in the order they came, new ones after. */
export function nextSeq(): number {
  return ++sequence
}

export interface ObjectFrameData {
  seq: number
  /** The data unit it was loaded from (new labels: found from the frame). */
  unit: string | undefined
  /** Every key but the coordinate keys, as loaded or as built. */
  fields: Raw
  coordinates: Coordinates
  /** The coordinate keys exactly as loaded; null once coordinates were set. */
  rawCoordinates: Raw | null
}

export interface ClassificationFrameData {
  seq: number
  unit: string | undefined
  fields: Raw
}

export interface AnswerEntry {
  attribute: Attribute | undefined
  featureHash: string
  /** The entry's keys: the row's own record (a loaded one is a shallow copy; see readAnswerEntries). */
  fields: Raw
}

export interface ObjectState {
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
  /** The row it belongs to (as the row lets its instances see it); null while detached. */
  owner: RowInternals | null
  ctx: Ctx
}

export interface ClassificationState {
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
  /** The row it belongs to (as the row lets its instances see it); null while detached. */
  owner: RowInternals | null
  ctx: Ctx
}

/** What a row lets its instances see and do. */
export interface RowInternals {
  readonly row: LabelRow
  ctx: Ctx
  touch(): void
  checkFrames(frames: number[], what: string): void
  /** Refuse range labels (audio, text) on a row whose data has no ranges. */
  checkRanges(what: string): void
  frameSize(frame: number): { width: number; height: number } | null
  checkClassificationFrames(instance: ClassificationInstance, frames: number[], force: boolean): void
  detachObject(instance: ObjectInstance): void
  detachClassification(instance: ClassificationInstance): void
}

/** Label-model-private key under which loaded state is handed to the instance constructors. */
export const FROM_STATE = Symbol('fromState')

// The seam between a row and its instances: each instance keeps its state in a private field, and its
// class hands this module a reader of that field when the class is defined (a static block), so the
// row and the frame views can read the state back and nothing outside the label model can. Not a
// WeakMap from instance to state: every scavenge must walk a WeakMap's entries whose keys are young,
// which made building a label row slower (issue 21: ~165–197 µs → ~43–76 µs per bench row in a
// micro-benchmark of 20,000 rows; within the noise of a whole bench run).
let readObjectState: (instance: ObjectInstance) => ObjectState = unreadable
let readClassificationState: (instance: ClassificationInstance) => ClassificationState = unreadable

function unreadable(): never {
  throw new Error('the label model read an instance state before its class was defined')
}

/** Called once by ObjectInstance's static block with a reader of its private state. */
export function provideObjectStateReader(read: (instance: ObjectInstance) => ObjectState): void {
  readObjectState = read
}

/** Called once by ClassificationInstance's static block with a reader of its private state. */
export function provideClassificationStateReader(
  read: (instance: ClassificationInstance) => ClassificationState,
): void {
  readClassificationState = read
}

/** The state behind an object instance. */
export function objectState(instance: ObjectInstance): ObjectState {
  return readObjectState(instance)
}

/** The state behind a classification instance. */
export function classificationState(instance: ClassificationInstance): ClassificationState {
  return readClassificationState(instance)
}

// ---------------------------------------------------------------------------------------------------
// Shared helpers

export function dateString(v: Date | string, what: string): string {
  const d = parseEncordDate(v)
  if (!d) throw fail('InvalidAnnotation.notADate', { what, value: JSON.stringify(v) })
  return formatEncordDate(d)
}

export function checkConfidence(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw fail('InvalidAnnotation.confidence', { value: JSON.stringify(v) })
  }
  return v
}

/** Fields of a new label on a frame, from options and defaults. */
export function newMeta(
  ctx: Ctx,
  o: AnnotationOptions,
): {
  createdAt: string
  createdBy: string | null
  confidence: number
  manualAnnotation: boolean
  lastEditedAt: string
  lastEditedBy: string | null
} {
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
export function applyMetaChanges(ctx: Ctx, fields: Raw, o: ObjectAnnotationOptions, isObject: boolean): void {
  if (o.confidence !== undefined) fields['confidence'] = checkConfidence(o.confidence)
  if (o.manualAnnotation !== undefined) fields['manualAnnotation'] = o.manualAnnotation
  if (o.createdAt !== undefined) fields['createdAt'] = dateString(o.createdAt, 'createdAt')
  if (o.createdBy !== undefined) fields['createdBy'] = o.createdBy
  fields['lastEditedAt'] =
    o.lastEditedAt !== undefined ? dateString(o.lastEditedAt, 'lastEditedAt') : formatEncordDate(ctx.now())
  const by = o.lastEditedBy !== undefined ? o.lastEditedBy : ctx.defaults.createdBy
  if (by !== null) fields['lastEditedBy'] = by
  if (isObject && o.isDeleted !== undefined) fields['isDeleted'] = o.isDeleted
}

function resolveAnswerAttribute(
  root: OntologyObject | OntologyClassification | undefined,
  featureHash: string,
): Attribute | undefined {
  if (root === undefined) return undefined
  // A loop, not `find` with a closure: this runs for every answer entry of every loaded row.
  const all = root.allAttributes()
  for (let i = 0; i < all.length; i++) if (all[i].featureHash === featureHash) return all[i]
  return undefined
}

export function readAnswerEntries(
  root: OntologyObject | OntologyClassification | undefined,
  list: unknown,
): AnswerEntry[] {
  if (!Array.isArray(list)) return []
  // Loaded lists hold records only: no filtered copy of them, and one array sized up front.
  const records: Raw[] = list.every(isRecord) ? list : list.filter(isRecord)
  const out = new Array<AnswerEntry>(records.length)
  for (let i = 0; i < records.length; i++) {
    const loaded = records[i]
    const featureHash = typeof loaded['featureHash'] === 'string' ? loaded['featureHash'] : ''
    const attribute = resolveAnswerAttribute(root, featureHash)
    // `list` is the caller's dict, which is never written: the entry's keys are copied (a dynamic
    // answer's range and manualAnnotation are rewritten in place), its nested values are shared and
    // only read. Except the wire of an `other` attribute (or one not in the ontology), which
    // decodeAnswer hands out as it is: a deep copy, so a caller's change of that value reaches this row alone.
    const fields: Raw = { ...loaded }
    const wire = fields['answers']
    if (typeof wire === 'object' && wire !== null && (attribute === undefined || attribute.type === 'other'))
      fields['answers'] = cloneJson(wire)
    out[i] = { attribute, featureHash, fields }
  }
  return out
}

export function writeAnswerEntry(e: AnswerEntry): Raw {
  return ordered(
    ANSWER_KEYS.map(
      (k) => [k, k === 'featureHash' ? (e.fields[k] ?? e.featureHash) : structuredClone(e.fields[k])] as const,
    ),
    e.fields,
  )
}

export function writeActionEntry(e: AnswerEntry): Raw {
  return ordered(
    ACTION_KEYS.map(
      (k) => [k, k === 'featureHash' ? (e.fields[k] ?? e.featureHash) : structuredClone(e.fields[k])] as const,
    ),
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
function insertAnswer(
  root: OntologyObject | OntologyClassification | undefined,
  list: AnswerEntry[],
  entry: AnswerEntry,
): void {
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

export function answerView(e: AnswerEntry, dynamic: boolean): AnswerView {
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

export function unknownFeature(kind: string, title: string, featureHash: string): Error {
  return fail('UnknownOntologyFeature', { kind, title, featureHash })
}

export function replaceOrInsert(
  root: OntologyObject | OntologyClassification | undefined,
  list: AnswerEntry[],
  entry: AnswerEntry,
): void {
  const at = list.findIndex((e) => e.featureHash === entry.featureHash)
  if (at >= 0) {
    // Keep keys we do not model, and the answer's place.
    for (const [k, v] of Object.entries(list[at].fields))
      if (!(ANSWER_KEYS as readonly string[]).includes(k)) entry.fields[k] = v
    list[at] = entry
    for (let i = list.length - 1; i > at; i--) if (list[i].featureHash === entry.featureHash) list.splice(i, 1)
  } else insertAnswer(root, list, entry)
}

/** Refuse to replace a static answer unless asked (as Encord's SDK does). */
/**
 * Writes a static answer (an object's or a classification's, not per frame) into `list`: refused when
 * the attribute is already answered and `overwrite` is not true, replacing the old answer otherwise.
 */
export function setStaticAnswer(
  root: OntologyObject | OntologyClassification,
  list: AnswerEntry[],
  answer: { attr: Attribute; wire: unknown; manualAnnotation: boolean; overwrite: boolean | undefined; owner: string },
): void {
  const { attr } = answer
  checkOverwrite(list, attr, answer.overwrite, answer.owner)
  const fields: Raw = {
    name: attr.name,
    value: attr.value,
    answers: answer.wire,
    featureHash: attr.featureHash,
    manualAnnotation: answer.manualAnnotation,
  }
  replaceOrInsert(root, list, { attribute: attr, featureHash: attr.featureHash, fields })
}

/** Copies into `fields` the keys of a frame's old fields that the model does not write (reviews, ...). */
export function keepUnmodelledKeys(fields: Raw, old: Raw, modelled: readonly string[]): void {
  for (const [k, v] of Object.entries(old)) if (!modelled.includes(k)) fields[k] = v
}

/**
 * A label put on a frame: `values` under the model's keys for such labels, in their order (those
 * without a value left out), then the keys the model does not write (reviews, ...) of the label it
 * replaces there, whose place in the frame it keeps.
 */
export function frameLabel(
  keys: readonly string[],
  values: Raw,
  replaced: ClassificationFrameData | undefined,
): ClassificationFrameData {
  const fields = ordered(keys.map((k) => [k, values[k]] as const))
  if (replaced) keepUnmodelledKeys(fields, replaced.fields, keys)
  return { seq: replaced?.seq ?? nextSeq(), unit: replaced?.unit, fields }
}

/** Take an instance off those of `frames` it is on; returns them. */
export function dropFrames(st: ObjectState | ClassificationState, frames: FrameSpec): number[] {
  const list = framesOf(frames).filter((f) => st.frames.has(f))
  for (const f of list) st.frames.delete(f)
  return list
}

/** The static answer to `attr`, decoded; `undefined` when unanswered. */
export function staticAnswer(list: readonly AnswerEntry[], attr: Attribute): unknown {
  const entry = list.find((e) => e.featureHash === attr.featureHash)
  return entry ? decodeAnswer(attr, entry.fields['answers']) : undefined
}

/** Remove the static answer to `attr`; true when there was one. */
export function clearStaticAnswer(st: ObjectState | ClassificationState, attr: Attribute): boolean {
  const before = st.answers.length
  st.answers = st.answers.filter((e) => e.featureHash !== attr.featureHash)
  return st.answers.length !== before
}

/** Copies of static answers, for a copied instance. */
export function copyAnswers(list: readonly AnswerEntry[]): AnswerEntry[] {
  return list.map((e) => ({ ...e, fields: structuredClone(e.fields) }))
}

export function checkOverwrite(
  list: readonly AnswerEntry[],
  attr: Attribute,
  overwrite: boolean | undefined,
  owner: string,
): void {
  if (overwrite === true || !list.some((e) => e.featureHash === attr.featureHash)) return
  throw fail('AnswerAlreadySet', { owner, name: JSON.stringify(attr.name), path: attr.path })
}

/**
 * The attribute an answer given without one is for (Encord's SDK infers it the same way): an
 * option's (or the options') own attribute; a string the only text attribute; a number the only
 * numeric attribute, at any depth below `root`.
 */
export function inferAttribute(
  root: OntologyObject | OntologyClassification,
  value: unknown,
  owner: string,
): Attribute {
  const all = root.allAttributes()
  const first = Array.isArray(value) ? value[0] : value
  if (isRecord(first) && first['kind'] === 'option') {
    const parent = (first as unknown as { parent: Attribute }).parent
    const own = all.find((a) => a === parent) ?? all.find((a) => a.featureHash === parent.featureHash)
    if (own === undefined) {
      throw fail('InvalidAnswer.optionOfNoAttribute', {
        label: JSON.stringify((first as unknown as { label: string }).label),
        owner,
      })
    }
    return own
  }
  const type = typeof first === 'string' ? 'text' : typeof first === 'number' ? 'numeric' : undefined
  if (type === undefined || (Array.isArray(value) && value.length === 0)) {
    throw fail('InvalidAnswer.whichAttribute', { owner, value: JSON.stringify(value) })
  }
  const candidates = all.filter((a) => a.type === type)
  if (candidates.length !== 1) {
    throw fail('InvalidAnswer.severalAttributesOfType', {
      owner,
      type,
      value: JSON.stringify(value),
      candidates: candidates.length === 0 ? 'no' : candidates.length,
      names: candidates.length > 1 ? ` (${candidates.map((a) => JSON.stringify(a.name)).join(', ')})` : '',
    })
  }
  return candidates[0]
}

/** The label metadata keys of an entry ({@link CLASSIFICATION_META_KEYS}), in their order. */
export function entryMeta(meta: ReturnType<typeof newMeta>): Raw {
  return Object.fromEntries(CLASSIFICATION_META_KEYS.map((k) => [k, meta[k]]))
}

export function newClassificationEntry(ctx: Ctx, o: AnnotationOptions): Raw {
  return { spaces: {}, range: [], ...entryMeta(newMeta(ctx, o)) }
}
