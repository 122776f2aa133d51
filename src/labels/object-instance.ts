import { fail } from '../shared/error-catalogue/index.js'
/**
 * Object instances: one object of the ontology (a box, polygon, ...) across the frames it is on,
 * with its static and dynamic answers.
 */
import {
  decodeAnswer,
  encodeAnswer,
  type AnswerInput,
  type AnswerInputOf,
  type AnswerOf,
  type AnswerValue,
} from './answers.js'
import { ObjectAnnotation, checkBitmaskSize } from './annotations.js'
import { normaliseCoordinates, type CoordinatesByShape, type CoordinatesInputByShape } from './coordinates.js'
import { describeFrames, framesOf, framesToRanges, rangesToFrames, type FrameRange, type FrameSpec } from './frames.js'
import type {
  AnnotationOptions,
  AnswerView,
  FrameAnswer,
  HtmlRange,
  ObjectAnnotationOptions,
  SetAnswerOptions,
} from './label-options.js'
import type { LabelRow } from './label-row.js'
import type {
  AnswerInputFor,
  AnswerOutputFor,
  AnswersFor,
  AttributeName,
  CheckedName,
  InstanceAttrs,
  UncheckedName,
} from './typed.js'
import {
  CLASSIFICATION_META_KEYS,
  DEFAULT_CTX,
  FROM_STATE,
  entryMeta,
  OBJECT_FRAME_KEYS,
  answerView,
  clearStaticAnswer,
  copyAnswers,
  dropFrames,
  frameLabel,
  staticAnswer,
  inferAttribute,
  newMeta,
  nextSeq,
  objectState,
  provideObjectStateReader,
  setStaticAnswer,
  unknownFeature,
  type ObjectState,
} from './label-state.js'
import type { Attribute, OntologyObject, Option, Shape } from './ontology.js'
import { isRecord } from '../shared/records.js'
import type { Raw } from '../shared/records.js'

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
export class ObjectInstance<S extends Shape = Shape, T extends string = string> {
  readonly #s: ObjectState

  /**
   * A new instance not yet in any label row.
   * @example const car = new ObjectInstance(ontology.object('Car', 'bounding_box')).setForFrames(box, { frames: 0 })
   */
  constructor(feature: OntologyObject<S>, options: { objectHash?: string } = {}) {
    const loaded = (options as { [FROM_STATE]?: ObjectState })[FROM_STATE]
    this.#s = loaded ?? {
      hash: options.objectHash ?? DEFAULT_CTX.newHash(),
      feature: feature,
      featureHash: feature.featureHash,
      shape: feature.shape,
      title: feature.name,
      frames: new Map(),
      answers: [],
      actions: [],
      answersEntry: {},
      actionsEntry: null,
      actionsEntryWasEmpty: false,
      owner: null,
      ctx: DEFAULT_CTX,
    }
  }

  static {
    provideObjectStateReader((instance) => instance.#s)
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
    return this.#s.owner?.row ?? null
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
      throw fail('FrameAlreadyLabelled.object', {
        title: JSON.stringify(st.title),
        hash: st.hash,
        taken: describeFrames(taken),
      })
    }
    if (st.owner) {
      st.owner.checkFrames(frames, `object ${JSON.stringify(st.title)}`)
      for (const f of frames) checkBitmaskSize(st.owner, st.feature, f, coords)
    }
    const meta = newMeta(st.ctx, options)
    const label: Raw = {
      ...meta,
      lastEditedBy: meta.lastEditedBy ?? undefined,
      name: st.feature.name,
      color: st.feature.color,
      shape: st.feature.shape,
      value: st.feature.value,
      objectHash: st.hash,
      featureHash: st.featureHash,
      isDeleted: options.isDeleted,
    }
    for (const f of frames) {
      const data = frameLabel(OBJECT_FRAME_KEYS, label, st.frames.get(f))
      st.frames.set(f, { ...data, coordinates: coords, rawCoordinates: null })
    }
    if (st.owner) st.owner.touch()
    return this
  }

  /**
   * Take the object off these frames (and its dynamic answers there). An object left on no frame is
   * removed from its label row.
   */
  removeFrames(frames: FrameSpec): this {
    const st = this.#s
    const list = dropFrames(st, frames)
    if (list.length === 0) return this
    for (const a of [...st.actions]) {
      const left = rangesToFrames(a.fields['range']).filter((f) => !list.includes(f))
      if (left.length === 0) st.actions.splice(st.actions.indexOf(a), 1)
      else a.fields['range'] = framesToRanges(left)
    }
    if (st.owner) {
      st.owner.touch()
      if (st.frames.size === 0) st.owner.detachObject(this)
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
   * Answer an attribute of this object (at any depth). An attribute that already has an answer is
   * refused unless `overwrite: true` (dynamic attributes: the answer replaces the one on `frames`).
   * Dynamic attributes take `frames` (default: every frame of the object). Without the attribute it
   * is inferred, as Encord's SDK does: an option's own attribute, the only text attribute for a
   * string, the only numeric attribute for a number. In a typed project an instance whose title is known
   * takes only its object's attribute names and, for radio and checklist attributes, their option labels.
   * @example car.setAnswer('Colour', 'Red'); car.setAnswer(red); car.setAnswer('Tags', ['Parked']); car.setAnswer('Occluded', 'Yes', { frames: [3, 4] })
   */
  setAnswer<A extends Attribute>(attribute: A, value: AnswerInputOf<A>, options?: SetAnswerOptions): this
  setAnswer(attribute: UncheckedName<InstanceAttrs<T>>, value: AnswerInput, options?: SetAnswerOptions): this
  setAnswer(value: Option | readonly Option[] | string | number, options?: SetAnswerOptions): this
  // Last, so that tsc's "the last overload gave the following error" names the wrong attribute or label.
  setAnswer<N extends CheckedName<InstanceAttrs<T>>>(
    attribute: N,
    value: AnswerInputFor<InstanceAttrs<T>, N>,
    options?: SetAnswerOptions,
  ): this
  setAnswer(
    ...args:
      | [string | Attribute, AnswerInput, SetAnswerOptions?]
      | [Option | readonly Option[] | string | number, SetAnswerOptions?]
  ): this {
    const st = this.#s
    if (!st.feature) throw unknownFeature('object', st.title, st.featureHash)
    const owner = `object ${JSON.stringify(st.title)} (${st.hash})`
    // One value (and maybe options): the attribute is inferred from it.
    const inferred = args.length === 1 || args[1] === undefined || (isRecord(args[1]) && args[1]['kind'] !== 'option')
    const attr = inferred ? inferAttribute(st.feature, args[0], owner) : this.#attribute(args[0] as string | Attribute)
    const value = (inferred ? args[0] : args[1]) as AnswerInput
    const options = ((inferred ? args[1] : args[2]) ?? {}) as SetAnswerOptions
    const { wire } = encodeAnswer(attr, value)
    const manual = options.manualAnnotation ?? st.ctx.defaults.manualAnnotation
    if (attr.dynamic) {
      const frames = options.frames !== undefined ? framesOf(options.frames) : this.frames()
      const missing = frames.filter((f) => !st.frames.has(f))
      if (st.frames.size > 0 && missing.length > 0) {
        throw fail('FrameOutOfRange.dynamicAnswerOffObject', {
          title: JSON.stringify(st.title),
          hash: st.hash,
          missing: describeFrames(missing),
          name: JSON.stringify(attr.name),
        })
      }
      if (frames.length === 0)
        throw fail('InvalidAnswer.dynamicWithoutFrames', {
          name: JSON.stringify(attr.name),
          path: attr.path,
          title: JSON.stringify(st.title),
        })
      setDynamic(st, attr, wire, frames, manual)
    } else {
      setStaticAnswer(st.feature, st.answers, {
        attr,
        wire,
        manualAnnotation: manual,
        overwrite: options.overwrite,
        owner,
      })
      st.answersEntry ??= {}
    }
    if (st.owner) st.owner.touch()
    return this
  }

  /**
   * Answer several attributes at once, by title or feature hash.
   * @example car.setAnswers({ Colour: 'Red', Shade: 'dark', Note: 'parked' })
   */
  setAnswers(answers: AnswersFor<InstanceAttrs<T>>, options: SetAnswerOptions = {}): this {
    for (const [k, v] of Object.entries(answers)) this.setAnswer(k, v, options)
    return this
  }

  /**
   * The answer to an attribute: the option (radio), options (checklist), text or number, or
   * `undefined` when unanswered. Dynamic attributes: pass `frame` (without it, the earliest answer). In a
   * typed project an instance whose title is known takes its attribute names and returns options with typed labels.
   */
  getAnswer<A extends Attribute>(attribute: A, options?: { frame?: number }): AnswerOf<A> | undefined
  getAnswer(attribute: UncheckedName<InstanceAttrs<T>>, options?: { frame?: number }): AnswerValue | undefined
  getAnswer<N extends CheckedName<InstanceAttrs<T>>>(
    attribute: N,
    options?: { frame?: number },
  ): AnswerOutputFor<InstanceAttrs<T>, N> | undefined
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
    return staticAnswer(st.answers, attr)
  }

  /**
   * Every answer to an attribute with the frames it holds for: dynamic attributes one entry per
   * distinct answer (in frame order), static ones a single entry for all the object's frames; empty
   * when unanswered (Python's `get_answer` of a dynamic attribute without a frame filter).
   * @example for (const { value, ranges } of car.getAnswers('Occluded')) console.log(value, ranges)
   */
  getAnswers(attribute: AttributeName<InstanceAttrs<T>> | Attribute): FrameAnswer[] {
    const st = this.#s
    const attr = this.#attribute(attribute)
    if (!attr.dynamic) {
      const entry = st.answers.find((e) => e.featureHash === attr.featureHash)
      const frames = this.frames()
      return entry
        ? [{ value: decodeAnswer(attr, entry.fields['answers']), frames, ranges: framesToRanges(frames) }]
        : []
    }
    return st.actions
      .filter((a) => a.featureHash === attr.featureHash)
      .map((a) => {
        const frames = rangesToFrames(a.fields['range'])
        return { value: decodeAnswer(attr, a.fields['answers']), frames, ranges: framesToRanges(frames) }
      })
      .sort((x, y) => (x.frames[0] ?? 0) - (y.frames[0] ?? 0))
  }

  /** Remove the answer to an attribute (dynamic: on `frames`, default all). */
  clearAnswer(attribute: AttributeName<InstanceAttrs<T>> | Attribute, options: { frames?: FrameSpec } = {}): this {
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
      changed = clearStaticAnswer(st, attr)
    }
    if (changed && st.owner) st.owner.touch()
    return this
  }

  /** Every answer (static first, then dynamic), as read. */
  answers(): AnswerView[] {
    return [...this.#s.answers.map((e) => answerView(e, false)), ...this.#s.actions.map((e) => answerView(e, true))]
  }

  /**
   * An exact copy with a new object hash, in no label row: its frames with coordinates and label
   * metadata (or its ranges), and its answers. Add it to another row, e.g. the twin project's
   * (Python's `ObjectInstance.copy()`).
   * @example for (const o of row.objects()) twin.labelRow.addObjectInstance(o.copy())
   */
  copy(): ObjectInstance<S> {
    const st = this.#s
    if (!st.feature) throw unknownFeature('object', st.title, st.featureHash)
    const copy = new ObjectInstance(st.feature as OntologyObject<S>)
    const cs = objectState(copy)
    for (const [frame, d] of st.frames) {
      // The data unit is the target row's to find (a twin's units may differ); coordinates are frozen values.
      cs.frames.set(frame, {
        seq: nextSeq(),
        unit: undefined,
        fields: { ...structuredClone(d.fields), objectHash: cs.hash },
        coordinates: d.coordinates,
        rawCoordinates: d.rawCoordinates && structuredClone(d.rawCoordinates),
      })
    }
    cs.answers = copyAnswers(st.answers)
    cs.actions = st.actions.map((e) => ({
      ...e,
      fields: { ...structuredClone(e.fields), trackHash: cs.ctx.newHash() },
    }))
    cs.answersEntry = st.answersEntry === null ? {} : structuredClone(st.answersEntry)
    cs.actionsEntry = st.actionsEntry === null ? null : structuredClone(st.actionsEntry)
    return copy
  }

  /**
   * Audio and plain text objects (shapes `audio` and `text`): place the object on ranges, `[start,
   * end]` inclusive (milliseconds of audio, characters of text), replacing any it had. Python's
   * `set_for_frames(AudioCoordinates(range=...))` / `TextCoordinates`.
   * @example row.addObjectInstance(new ObjectInstance(speaker).setRanges([[0, 1500], [2000, 2600]]))
   */
  setRanges(ranges: ReadonlyArray<readonly [number, number] | FrameRange>, options: AnnotationOptions = {}): this {
    const list = ranges.map((r) =>
      'start' in (r as object)
        ? [(r as FrameRange).start, (r as FrameRange).end]
        : [...(r as readonly [number, number])],
    )
    const bad = list.find(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a)
    if (bad !== undefined) throw fail('InvalidCoordinates.range', { bad })
    return this.#setRangeEntry({ range: list }, options)
  }

  /**
   * HTML text objects: place the object on ranges of the document, each from a node (its XPath) and
   * offset to another (written as `range_html`).
   * @example inst.setHtmlRanges([{ start: { xpath: '/html/body/p[1]', offset: 0 }, end: { xpath: '/html/body/p[1]', offset: 12 } }])
   */
  setHtmlRanges(ranges: readonly HtmlRange[], options: AnnotationOptions = {}): this {
    const bad = ranges.find(
      (r) =>
        ![r?.start, r?.end].every(
          (n) => isRecord(n) && typeof n.xpath === 'string' && Number.isInteger(n.offset) && n.offset >= 0,
        ),
    )
    if (bad !== undefined) throw fail('InvalidCoordinates.htmlRange', { bad: JSON.stringify(bad) })
    return this.#setRangeEntry(
      {
        range_html: ranges.map((r) => ({
          start: { xpath: r.start.xpath, offset: r.start.offset },
          end: { xpath: r.end.xpath, offset: r.end.offset },
        })),
        range: [],
      },
      options,
    )
  }

  /** HTML objects: the ranges of the document they cover. */
  get htmlRanges(): HtmlRange[] {
    const r = this.#s.answersEntry?.['range_html']
    return Array.isArray(r) ? (structuredClone(r) as HtmlRange[]) : []
  }

  #setRangeEntry(range: Raw, options: AnnotationOptions): this {
    const st = this.#s
    if (!st.feature) throw unknownFeature('object', st.title, st.featureHash)
    if (st.feature.shape !== 'audio' && st.feature.shape !== 'text') {
      throw fail('WrongShape.notARangeShape', { title: JSON.stringify(st.title), shape: st.feature.shape })
    }
    if (st.frames.size > 0)
      throw fail('InvalidInstance.objectOnFramesAndRanges', { title: JSON.stringify(st.title), hash: st.hash })
    st.owner?.checkRanges(`object ${JSON.stringify(st.title)}`)
    const meta = newMeta(st.ctx, options)
    const previous = st.answersEntry ?? {}
    const { range: _r, range_html: _h, ...kept } = previous
    // The keys Encord's SDK writes on a range object's entry, in its order, then any others it had.
    st.answersEntry = {
      ...entryMeta(meta),
      featureHash: st.featureHash,
      name: st.feature.name,
      color: st.feature.color,
      shape: st.feature.shape,
      value: st.feature.value,
      ...range,
      ...Object.fromEntries(Object.entries(kept).filter(([k]) => !RANGE_ENTRY_KEYS.has(k))),
    }
    st.owner?.touch()
    return this
  }

  /** Remove this object from its label row. */
  remove(): void {
    if (this.#s.owner) this.#s.owner.detachObject(this)
  }
}

const RANGE_ENTRY_KEYS = new Set<string>([
  ...CLASSIFICATION_META_KEYS,
  'featureHash',
  'name',
  'color',
  'shape',
  'value',
  'range',
  'range_html',
])

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
  const match = st.actions.find(
    (a) => a.featureHash === attr.featureHash && JSON.stringify(a.fields['answers']) === same,
  )
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

/** An instance around state loaded by a row (the constructor takes it under a label-model-private key). */
export function makeObjectInstance(state: ObjectState): ObjectInstance {
  return new ObjectInstance(state.feature as OntologyObject, { [FROM_STATE]: state } as { objectHash?: string })
}
