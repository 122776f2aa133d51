/**
 * A label row's content written back in the save format: the JSON as loaded with every change
 * applied, key sets and orders those of Encord's SDK, keys we do not model kept.
 */
import type { ClassificationInstance } from './classification-instance.js'
import { writeCoordinates } from './coordinates.js'
import { framesToRanges } from './frames.js'
import {
  CLASSIFICATION_ANSWER_KEYS,
  CLASSIFICATION_FRAME_KEYS,
  CLASSIFICATION_META_KEYS,
  OBJECT_FRAME_KEYS,
  TOP_KEYS,
  UNIT_KEYS,
  classificationState,
  objectState,
  writeActionEntry,
  writeAnswerEntry,
  type ObjectFrameData,
  type ObjectState,
} from './label-state.js'
import type { ObjectInstance } from './object-instance.js'
import { unitForFrame, type AnswerMapKey, type RowContent } from './row-content.js'
import type { Raw } from '../shared/records.js'
import { ordered } from './wire.js'
import type { LabelRowDict } from '../encord/types.js'

export function writeRowDict(c: RowContent): LabelRowDict {
  const w = new RowWriter(c)
  const objectAnswers = w.writeObjectAnswers()
  const classificationAnswers = w.writeClassificationAnswers()
  const objectActions = w.writeObjectActions()
  const dataUnits = w.writeDataUnits()
  const values: Raw = {
    ...c.top,
    object_answers: objectAnswers,
    classification_answers: classificationAnswers,
    object_actions: objectActions,
    data_units: dataUnits,
  }
  // Keep the key set: the three answer maps only when they came, or now have content.
  const keep = (k: AnswerMapKey, v: Raw) => c.answerMapsHad.includes(k) || Object.keys(v).length > 0
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

class RowWriter {
  constructor(private readonly c: RowContent) {}

  writeObjectAnswers(): Raw {
    return this.writeObjectMap(
      this.c.objectAnswersOrder,
      this.c.orphanObjectAnswers,
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

  writeObjectActions(): Raw {
    return this.writeObjectMap(
      this.c.objectActionsOrder,
      this.c.orphanObjectActions,
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
  writeObjectMap(
    order: readonly string[],
    orphans: ReadonlyMap<string, Raw> | null,
    wanted: (st: ObjectState) => boolean,
    entry: (st: ObjectState) => Raw,
  ): Raw {
    const out: Raw = {}
    const write = (inst: ObjectInstance) => {
      const st = objectState(inst)
      out[st.hash] = entry(st)
    }
    for (const key of order) {
      const orphan = orphans?.get(key)
      if (orphan !== undefined) out[key] = structuredClone(orphan)
      else {
        const inst = this.c.objects.get(key)
        if (inst && wanted(objectState(inst))) write(inst)
      }
    }
    for (const inst of this.c.objects.values()) if (!(inst.objectHash in out) && wanted(objectState(inst))) write(inst)
    return out
  }

  writeClassificationAnswers(): Raw {
    const out: Raw = {}
    const write = (inst: ClassificationInstance) => {
      const st = classificationState(inst)
      if (st.entry === null) return
      const entry: Raw = { ...st.entry }
      const frames = inst.frames()
      if (st.entryFollowsFrames) {
        entry['range'] = framesToRanges(frames)
        const first = frames.length > 0 ? st.frames.get(frames[0])!.fields : undefined
        if (first)
          for (const k of CLASSIFICATION_META_KEYS)
            entry[k] = k === 'lastEditedBy' ? (first['lastEditedBy'] ?? first['createdBy'] ?? null) : first[k]
      } else if (st.framesChanged && 'range' in entry) entry['range'] = framesToRanges(frames)
      const values: Raw = {
        ...entry,
        classifications: st.answers.map(writeAnswerEntry),
        classificationHash: st.hash,
        featureHash: st.featureHash,
      }
      out[st.hash] = ordered(
        CLASSIFICATION_ANSWER_KEYS.map(
          (k) => [k, values[k] === undefined ? undefined : structuredClone(values[k])] as const,
        ),
        values,
      )
    }
    for (const key of this.c.classificationAnswersOrder) {
      const orphans = this.c.orphanClassificationAnswers
      if (orphans?.has(key)) out[key] = structuredClone(orphans.get(key))
      else {
        const inst = this.c.classifications.get(key)
        if (inst) write(inst)
      }
    }
    for (const inst of this.c.classifications.values()) if (!(inst.classificationHash in out)) write(inst)
    return out
  }

  writeDataUnits(): Raw {
    // Group labels by data unit and frame, in load/creation order.
    type Slot = { objects: Array<{ seq: number; entry: Raw }>; classifications: Array<{ seq: number; entry: Raw }> }
    const slots = new Map<string, Map<number, Slot>>()
    const slot = (unit: string | undefined, frame: number): Slot | undefined => {
      const u = unit ?? unitForFrame(this.c.units, frame)?.hash
      if (u === undefined) return undefined
      let byFrame = slots.get(u)
      if (!byFrame) slots.set(u, (byFrame = new Map()))
      let s = byFrame.get(frame)
      if (!s) byFrame.set(frame, (s = { objects: [], classifications: [] }))
      return s
    }
    for (const inst of this.c.objects.values()) {
      const st = objectState(inst)
      for (const [frame, d] of st.frames)
        slot(d.unit, frame)?.objects.push({ seq: d.seq, entry: writeObjectFrame(st, d) })
    }
    for (const inst of this.c.classifications.values()) {
      const st = classificationState(inst)
      for (const [frame, d] of st.frames) {
        const entry = ordered(
          CLASSIFICATION_FRAME_KEYS.map(
            (k) =>
              [
                k,
                k === 'classificationHash'
                  ? st.hash
                  : k === 'featureHash'
                    ? (d.fields[k] ?? st.featureHash)
                    : structuredClone(d.fields[k]),
              ] as const,
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
    for (const u of this.c.units) {
      let labels: Raw
      if (u.layout === 'opaque') labels = structuredClone(u.labelsExtra)
      else if (u.layout === 'flat') labels = frameDict(slots.get(u.hash)?.get(u.frame), u.labelsExtra)
      else {
        labels = {}
        const byFrame = slots.get(u.hash) ?? new Map<number, Slot>()
        const frames = new Set([...byFrame.keys(), ...(u.emptyFrames ?? [])])
        for (const f of [...frames].sort((a, b) => a - b))
          labels[String(f)] = frameDict(byFrame.get(f), u.frameExtras?.get(f) ?? {})
      }
      const values: Raw = { ...u.fields, labels }
      out[u.hash] = ordered(
        UNIT_KEYS.map(
          (k) =>
            [k, values[k] === undefined ? undefined : k === 'labels' ? labels : structuredClone(values[k])] as const,
        ),
        values,
      )
    }
    return out
  }
}

function writeObjectFrame(st: ObjectState, d: ObjectFrameData): Raw {
  const base = ordered(
    OBJECT_FRAME_KEYS.map(
      (k) =>
        [
          k,
          k === 'objectHash'
            ? st.hash
            : k === 'featureHash'
              ? (d.fields[k] ?? st.featureHash)
              : structuredClone(d.fields[k]),
        ] as const,
    ),
  )
  const coords = d.rawCoordinates ? structuredClone(d.rawCoordinates) : writeCoordinates(st.shape, d.coordinates)
  Object.assign(base, coords)
  for (const [k, v] of Object.entries(d.fields))
    if (!(k in base) && !(OBJECT_FRAME_KEYS as readonly string[]).includes(k)) base[k] = structuredClone(v)
  return base
}
