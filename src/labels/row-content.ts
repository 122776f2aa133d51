import { fail } from '../shared/error-catalogue/index.js'
/**
 * The content of a label row as loaded: its top-level keys, its data units and the instances made
 * from their labels, plus what is written back as it came (answer maps in their load order, entries
 * whose instance is gone). `loadRowContent` reads the label row JSON into it; `writeRowDict`
 * (row-write.ts) writes it back in the save format.
 */
import { ClassificationAnnotation, ObjectAnnotation } from './annotations.js'
import type { ClassificationInstance } from './classification-instance.js'
import { makeClassificationInstance } from './classification-instance.js'
import { COORDINATE_KEYS, readCoordinates } from './coordinates.js'
import type { DataUnitInfo } from './label-options.js'
import {
  classificationState,
  nextSeq,
  objectState,
  readAnswerEntries,
  type ClassificationFrameData,
  type ClassificationState,
  type ObjectFrameData,
  type ObjectState,
  type RowInternals,
} from './label-state.js'
import type { ObjectInstance } from './object-instance.js'
import { makeObjectInstance } from './object-instance.js'
import type { Ontology, Shape } from './ontology.js'
import { isRecord, type Raw } from '../shared/records.js'
import { cloneJson, rest } from './wire.js'

export interface RowContent {
  /** Top-level keys but the data units and the three answer maps. */
  top: Raw
  /** The answer maps the JSON came with (one is written back when it came, or has content). */
  answerMapsHad: readonly AnswerMapKey[]
  units: UnitState[]
  objects: Map<string, ObjectInstance>
  classifications: Map<string, ClassificationInstance>
  objectAnswersOrder: readonly string[]
  objectActionsOrder: readonly string[]
  classificationAnswersOrder: readonly string[]
  /** Entries not attached to an instance, written back as they came (null until the first). */
  orphanObjectAnswers: Map<string, Raw> | null
  orphanObjectActions: Map<string, Raw> | null
  orphanClassificationAnswers: Map<string, unknown> | null
}

export type AnswerMapKey = 'object_answers' | 'classification_answers' | 'object_actions'
const ANSWER_MAP_KEYS: readonly AnswerMapKey[] = Object.freeze([
  'object_answers',
  'classification_answers',
  'object_actions',
])
/** An empty list (no keys, no labels), shared: never written. */
const NONE: readonly never[] = Object.freeze([])
/** What a label has besides `objects` / `classifications`, when it has nothing else (never written). */
const NO_EXTRA: Raw = Object.freeze({})

export interface UnitState {
  hash: string
  /** Every key but `labels`. */
  fields: Raw
  layout: 'flat' | 'frames' | 'opaque'
  /** Flat units: the frame they are. */
  frame: number
  /** Flat: keys of `labels` besides objects/classifications. Opaque: `labels` as is. Only read. */
  labelsExtra: Raw
  /** Frames layout: keys of each frame's dict besides objects/classifications (null when none has any). */
  frameExtras: Map<number, Raw> | null
  /** Frames layout: frames that came with no labels, written back as they came (null when none). */
  emptyFrames: Set<number> | null
}

const FLAT_TYPES = new Set(['image', 'img_group'])
const FRAME_TYPES = new Set(['video', 'dicom', 'nifti', 'pdf', 'dicom_study'])

function unitLayout(dataType: string, labels: unknown): UnitState['layout'] {
  if (FLAT_TYPES.has(dataType)) return 'flat'
  if (FRAME_TYPES.has(dataType)) return 'frames'
  if (dataType === 'group' || dataType === 'scene' || dataType === 'audio' || dataType === 'plain_text') return 'opaque'
  if (isRecord(labels) && ('objects' in labels || 'classifications' in labels)) return 'flat'
  if (isRecord(labels) && Object.keys(labels).length > 0 && Object.keys(labels).every((k) => /^\d+$/.test(k)))
    return 'frames'
  return 'opaque'
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** What the row tells about one data unit. */
export function dataUnitInfo(u: UnitState): DataUnitInfo {
  return {
    dataHash: u.hash,
    title: typeof u.fields['data_title'] === 'string' ? u.fields['data_title'] : null,
    mimeType: typeof u.fields['data_type'] === 'string' ? u.fields['data_type'] : null,
    dataLink: typeof u.fields['data_link'] === 'string' ? u.fields['data_link'] : null,
    width: num(u.fields['width']),
    height: num(u.fields['height']),
    frame: u.layout === 'flat' ? u.frame : null,
  }
}

/** The width or height every labelable unit has (null when they differ or none says). */
export function commonDimension(units: readonly UnitState[], key: 'width' | 'height'): number | null {
  const values = new Set(units.filter((u) => u.layout !== 'opaque').map((u) => num(u.fields[key])))
  return values.size === 1 ? [...values][0] : null
}

/** The data unit showing `frame`: image groups the image at that position, else the one with frames. */
export function unitForFrame(units: readonly UnitState[], frame: number): UnitState | undefined {
  const flat = units.filter((u) => u.layout === 'flat')
  if (flat.length > 0) return flat.find((u) => u.frame === frame)
  return units.find((u) => u.layout === 'frames')
}

/** The one shape check before a row is read: the JSON must have a `data_units` object. */
export function checkLabelRowDict(dict: unknown): void {
  if (!isRecord(dict) || !isRecord(dict['data_units'])) {
    throw fail('LabelRowInvalid.noDataUnits')
  }
}

/**
 * Read a label row's JSON into its content; instances are attached to `owner`. The JSON is never
 * written, so several rows may be read from one dict (a retry builds its row from the same one): the
 * records the model keeps and edits (top-level keys, data unit keys, each frame label, answer entries
 * and their maps' other keys) are shallow copies, and the nested values they share with the dict are
 * only read, or copied where they are written or handed out (toDict's output is a deep copy).
 */
export function loadRowContent(raw: Raw, ontology: Ontology, owner: RowInternals): RowContent {
  // This runs for every label row the engine hands out (issue 21): what it allocates is young garbage
  // the scavenger follows, so collections most rows never fill are made on their first entry, the
  // key orders are the maps' own key lists, and keys are walked without `Object.entries`.
  const c: RowContent = {
    answerMapsHad: answerMapsHad(raw),
    top: rest(raw, ['data_units', 'object_answers', 'classification_answers', 'object_actions']),
    units: [],
    objects: new Map(),
    classifications: new Map(),
    objectAnswersOrder: NONE,
    objectActionsOrder: NONE,
    classificationAnswersOrder: NONE,
    orphanObjectAnswers: null,
    orphanObjectActions: null,
    orphanClassificationAnswers: null,
  }
  // `row.clientMetadata` hands this object out: a deep copy, so a caller's change reaches this row alone.
  if (isRecord(c.top['client_metadata'])) c.top['client_metadata'] = cloneJson(c.top['client_metadata'])
  const loader = new RowLoader(c, ontology, owner)
  const dataType = String(raw['data_type'] ?? '').toLowerCase()
  const dataUnits = raw['data_units'] as Raw
  // Sized up front (a first push would reserve room for 17 units).
  let count = 0
  for (const hash in dataUnits) if (Object.hasOwn(dataUnits, hash) && isRecord(dataUnits[hash])) count++
  c.units = new Array<UnitState>(count)
  count = 0
  for (const hash in dataUnits) {
    if (!Object.hasOwn(dataUnits, hash)) continue
    const u = dataUnits[hash]
    if (!isRecord(u)) continue
    c.units[count++] = loader.loadUnit(hash, u, dataType)
  }
  loader.loadObjectAnswers(raw['object_answers'])
  loader.loadObjectActions(raw['object_actions'])
  loader.loadClassificationAnswers(raw['classification_answers'])
  return c
}

/** The answer maps among `raw`'s own keys (a shared list when all three or none are: most rows). */
function answerMapsHad(raw: Raw): readonly AnswerMapKey[] {
  const all = Object.hasOwn(raw, 'object_answers') && Object.hasOwn(raw, 'classification_answers')
  if (all && Object.hasOwn(raw, 'object_actions')) return ANSWER_MAP_KEYS
  return ANSWER_MAP_KEYS.filter((k) => Object.hasOwn(raw, k))
}

/** The keys of `labels` besides objects/classifications: a copy, or {@link NO_EXTRA} when there are none. */
function labelExtras(labels: Raw): Raw {
  for (const k in labels) {
    if (k !== 'objects' && k !== 'classifications' && Object.hasOwn(labels, k))
      return rest(labels, ['objects', 'classifications'])
  }
  return NO_EXTRA
}

class RowLoader {
  constructor(
    private readonly c: RowContent,
    private readonly ontology: Ontology,
    private readonly owner: RowInternals,
  ) {}

  loadUnit(hash: string, u: Raw, dataType: string): UnitState {
    const labels = u['labels']
    const layout = unitLayout(dataType, labels)
    const unit: UnitState = {
      hash,
      fields: rest(u, ['labels']),
      layout,
      frame: Number(u['data_sequence'] ?? 0) || 0,
      labelsExtra: NO_EXTRA,
      frameExtras: null,
      emptyFrames: null,
    }
    if (layout === 'opaque') {
      if (isRecord(labels)) unit.labelsExtra = labels
      return unit
    }
    if (!isRecord(labels)) return unit
    if (layout === 'flat') {
      unit.labelsExtra = labelExtras(labels)
      this.#loadFrame(unit, unit.frame, labels)
      return unit
    }
    for (const key in labels) {
      if (!Object.hasOwn(labels, key)) continue
      const frameDict = labels[key]
      const frame = Number(key)
      if (!Number.isInteger(frame) || frame < 0 || !isRecord(frameDict)) {
        throw fail('LabelRowInvalid.labelsNotOnAFrame', { hash, key })
      }
      const extra = labelExtras(frameDict)
      if (extra !== NO_EXTRA) (unit.frameExtras ??= new Map()).set(frame, extra)
      const objects = Array.isArray(frameDict['objects']) ? frameDict['objects'] : []
      const classifications = Array.isArray(frameDict['classifications']) ? frameDict['classifications'] : []
      if (objects.length === 0 && classifications.length === 0) (unit.emptyFrames ??= new Set()).add(frame)
      this.#loadFrame(unit, frame, frameDict)
    }
    return unit
  }

  #loadFrame(unit: UnitState, frame: number, labels: Raw): void {
    const objects = Array.isArray(labels['objects']) ? (labels['objects'] as unknown[]) : NONE
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]
      if (!isRecord(o) || typeof o['objectHash'] !== 'string') {
        throw fail('LabelRowInvalid.objectWithoutHash', { frame })
      }
      const inst = this.c.objects.get(o['objectHash']) ?? this.#newLoadedObject(o['objectHash'], o)
      // One walk of the label's keys: its coordinate keys (kept as they came) and the others.
      const fields: Raw = {}
      const rawCoordinates: Raw = {}
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue
        if (COORDINATE_KEYS.has(k)) rawCoordinates[k] = o[k]
        else fields[k] = o[k]
      }
      objectState(inst).frames.set(frame, {
        seq: nextSeq(),
        unit: unit.hash,
        fields,
        coordinates: readCoordinates(o),
        rawCoordinates,
      })
    }
    const classifications = Array.isArray(labels['classifications']) ? (labels['classifications'] as unknown[]) : NONE
    for (let i = 0; i < classifications.length; i++) {
      const c = classifications[i]
      if (!isRecord(c) || typeof c['classificationHash'] !== 'string') {
        throw fail('LabelRowInvalid.classificationWithoutHash', { frame })
      }
      const inst =
        this.c.classifications.get(c['classificationHash']) ??
        this.#newLoadedClassification(c['classificationHash'], c, null)
      // Its own record: label metadata edits write its keys (the caller's dict is never written).
      classificationState(inst).frames.set(frame, { seq: nextSeq(), unit: unit.hash, fields: { ...c } })
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
      owner: this.owner,
      ctx: this.owner.ctx,
    }
    const inst = makeObjectInstance(state)
    this.c.objects.set(hash, inst)
    return inst
  }

  #newLoadedClassification(hash: string, entry: Raw, answersEntry: Raw | null): ClassificationInstance {
    const featureHash = String(entry['featureHash'] ?? '')
    const feature = this.ontology.classifications.find((c) => c.featureHash === featureHash)
    const state: ClassificationState = {
      hash,
      feature,
      featureHash,
      title:
        feature?.title ??
        String(
          entry['name'] ??
            (answersEntry &&
            Array.isArray(answersEntry['classifications']) &&
            isRecord(answersEntry['classifications'][0])
              ? answersEntry['classifications'][0]['name']
              : '') ??
            '',
        ),
      frames: new Map(),
      answers: [],
      entry: null,
      entryFollowsFrames: false,
      framesChanged: false,
      owner: this.owner,
      ctx: this.owner.ctx,
    }
    const inst = makeClassificationInstance(state)
    this.c.classifications.set(hash, inst)
    return inst
  }

  loadObjectAnswers(map: unknown): void {
    if (!isRecord(map)) return
    const keys = (this.c.objectAnswersOrder = Object.keys(map))
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const entry = map[key]
      if (!isRecord(entry)) {
        ;(this.c.orphanObjectAnswers ??= new Map<string, Raw>()).set(key, entry as Raw)
        continue
      }
      const hash = typeof entry['objectHash'] === 'string' ? entry['objectHash'] : key
      let inst = this.c.objects.get(hash)
      if (!inst && typeof entry['featureHash'] === 'string') inst = this.#newLoadedObject(hash, entry) // audio / text: ranges, no frames
      if (!inst || hash !== key || objectState(inst).answersEntry !== null) {
        ;(this.c.orphanObjectAnswers ??= new Map<string, Raw>()).set(key, entry)
        continue
      }
      const st = objectState(inst)
      st.answers = readAnswerEntries(st.feature, entry['classifications'])
      st.answersEntry = rest(entry, ['classifications', 'objectHash'])
    }
  }

  loadObjectActions(map: unknown): void {
    if (!isRecord(map)) return
    const keys = (this.c.objectActionsOrder = Object.keys(map))
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const entry = map[key]
      const hash = isRecord(entry) && typeof entry['objectHash'] === 'string' ? entry['objectHash'] : key
      const inst = this.c.objects.get(hash)
      if (!isRecord(entry) || !inst || hash !== key || objectState(inst).actionsEntry !== null) {
        ;(this.c.orphanObjectActions ??= new Map<string, Raw>()).set(key, entry as Raw)
        continue
      }
      const st = objectState(inst)
      st.actions = readAnswerEntries(st.feature, entry['actions'])
      st.actionsEntry = rest(entry, ['actions', 'objectHash'])
      st.actionsEntryWasEmpty = st.actions.length === 0
    }
  }

  loadClassificationAnswers(map: unknown): void {
    if (!isRecord(map)) return
    const keys = (this.c.classificationAnswersOrder = Object.keys(map))
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const entry = map[key]
      const hash =
        isRecord(entry) && typeof entry['classificationHash'] === 'string' ? entry['classificationHash'] : key
      const found = this.c.classifications.get(hash)
      if (!isRecord(entry) || hash !== key || (found && classificationState(found).entry !== null)) {
        // Not something we can attach to an instance: written back as it came.
        ;(this.c.orphanClassificationAnswers ??= new Map<string, unknown>()).set(key, entry)
        continue
      }
      // Global classifications (and those of audio / text) have no frames: the entry is all there is.
      const inst = found ?? this.#newLoadedClassification(hash, entry, entry)
      const st = classificationState(inst)
      st.answers = readAnswerEntries(st.feature, entry['classifications'])
      st.entry = rest(entry, ['classifications', 'classificationHash', 'featureHash'])
    }
  }
}

/** Everything on one frame in the order the labels have it: object labels, then classification labels. */
export function frameLabels(
  c: RowContent,
  frame: number,
): { objects: ObjectAnnotation[]; classifications: ClassificationAnnotation[] } {
  const objects = [...c.objects.values()]
    .map((inst) => ({ inst, d: objectState(inst).frames.get(frame) }))
    .filter((x): x is { inst: ObjectInstance; d: ObjectFrameData } => x.d !== undefined)
    .sort((a, b) => a.d.seq - b.d.seq)
    .map((x) => new ObjectAnnotation(x.inst, frame))
  const classifications = [...c.classifications.values()]
    .map((inst) => ({ inst, d: classificationState(inst).frames.get(frame) }))
    .filter((x): x is { inst: ClassificationInstance; d: ClassificationFrameData } => x.d !== undefined)
    .sort((a, b) => a.d.seq - b.d.seq)
    .map((x) => new ClassificationAnnotation(x.inst, frame))
  return { objects, classifications }
}
