import { fail } from '../shared/error-catalogue/index.js'
/**
 * Classification instances: one classification (a question of the ontology) on a set of frames, or
 * on the whole item for global ones, with one answer.
 */
import { encodeAnswer, type AnswerInput, type AnswerOf, type AnswerValue } from './answers.js'
import { ClassificationAnnotation } from './annotations.js'
import { describeFrames, framesOf, framesToRanges, type FrameSpec } from './frames.js'
import type { AnnotationOptions, AnswerView } from './label-options.js'
import type { LabelRow } from './label-row.js'
import {
  CLASSIFICATION_FRAME_KEYS,
  DEFAULT_CTX,
  FROM_STATE,
  answerView,
  classificationState,
  inferAttribute,
  clearStaticAnswer,
  copyAnswers,
  dropFrames,
  frameLabel,
  staticAnswer,
  newClassificationEntry,
  newMeta,
  nextSeq,
  provideClassificationStateReader,
  setStaticAnswer,
  unknownFeature,
  type ClassificationState,
} from './label-state.js'
import type { Attribute, OntologyClassification, Option } from './ontology.js'
import type {
  AnswerInputFor,
  AnswerOutputFor,
  AnswersFor,
  AttributeName,
  CheckedName,
  ClassificationInstanceAttrs,
  QuestionOf,
  UncheckedArgs,
  UncheckedName,
  UncheckedValue,
} from './typed.js'
import type { Raw } from '../shared/records.js'

/** Options of {@link ClassificationInstance.setForFrames}. */
export interface SetClassificationFramesOptions extends AnnotationOptions {
  /** @default 0 */
  frames?: FrameSpec
  /** Replace metadata on frames the instance is already on. @default false */
  overwrite?: boolean
  /** Take these frames from another instance of the same classification. @default false */
  force?: boolean
}

/** Options of {@link ClassificationInstance.setAnswer}. */
export interface ClassificationAnswerOptions {
  manualAnnotation?: boolean
  /** Replace an answer the attribute already has. @default false */
  overwrite?: boolean
}

/**
 * One classification (a question of the ontology) on a set of frames, with one answer. Global
 * classifications have no frames. `T` is its title when the type knows it (typed projects).
 */
export class ClassificationInstance<T extends string = string> {
  readonly #s: ClassificationState

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
      owner: null,
      ctx: DEFAULT_CTX,
    }
  }

  static {
    provideClassificationStateReader((instance) => instance.#s)
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
    return this.#s.owner?.row ?? null
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
      throw fail('FrameOutOfRange.globalClassification', { title: JSON.stringify(st.title) })
    }
    const frames = framesOf(options.frames ?? 0)
    const taken = frames.filter((f) => st.frames.has(f))
    if (taken.length > 0 && !options.overwrite) {
      throw fail('FrameAlreadyLabelled.classification', {
        title: JSON.stringify(st.title),
        hash: st.hash,
        taken: describeFrames(taken),
      })
    }
    const meta = newMeta(st.ctx, options) // checked before a forced call takes frames from others
    if (st.owner) {
      st.owner.checkFrames(frames, `classification ${JSON.stringify(st.title)}`)
      st.owner.checkClassificationFrames(this, frames, options.force ?? false)
    }
    const label: Raw = {
      ...meta,
      lastEditedBy: meta.lastEditedBy ?? undefined,
      name: st.feature.title,
      value: st.feature.value,
      featureHash: st.featureHash,
      classificationHash: st.hash,
    }
    for (const f of frames) st.frames.set(f, frameLabel(CLASSIFICATION_FRAME_KEYS, label, st.frames.get(f)))
    st.framesChanged = true
    if (st.owner) st.owner.touch()
    return this
  }

  /** Take the classification off frames; one left on no frame is removed from its label row. */
  removeFrames(frames: FrameSpec): this {
    const st = this.#s
    if (dropFrames(st, frames).length === 0) return this
    st.framesChanged = true
    if (st.owner) {
      st.owner.touch()
      if (st.frames.size === 0 && !this.isGlobal) st.owner.detachClassification(this)
    }
    return this
  }

  #attribute(attribute: string | Attribute | undefined): Attribute {
    const st = this.#s
    if (!st.feature) throw unknownFeature('classification', st.title, st.featureHash)
    return st.feature.attribute(attribute)
  }

  /**
   * Answer the question (or, with `attribute`, a nested attribute). An answered attribute is refused
   * unless `overwrite: true`, as Encord's SDK does. Without `attribute`, an option (or options) answers
   * its own attribute at any depth, other values the question. In a typed project an instance whose title
   * is known takes only its attribute names and, for radio and checklist attributes, their option labels.
   * @example weather.setAnswer('Sunny'); issues.setAnswer(['Blurry', 'Too dark']); cls.setAnswer('The moon', { attribute: 'Note' }); weather.setAnswer('Rainy', { overwrite: true })
   */
  setAnswer(value: AnswerInput, options: ClassificationAnswerOptions & { attribute: Attribute }): this
  setAnswer(
    value: UncheckedValue<ClassificationInstanceAttrs<T>>,
    options?: ClassificationAnswerOptions & { attribute?: UncheckedName<ClassificationInstanceAttrs<T>> },
  ): this
  setAnswer<N extends CheckedName<ClassificationInstanceAttrs<T>> | QuestionOf<T> = QuestionOf<T>>(
    value: AnswerInputFor<ClassificationInstanceAttrs<T>, N> | Option | readonly Option[],
    options?: ClassificationAnswerOptions & { attribute?: N },
  ): this
  setAnswer(value: AnswerInput, options: ClassificationAnswerOptions & { attribute?: string | Attribute } = {}): this {
    const st = this.#s
    if (!st.feature) throw unknownFeature('classification', st.title, st.featureHash)
    const first = Array.isArray(value) ? value[0] : value
    const isOption = typeof first === 'object' && first !== null && (first as { kind?: string }).kind === 'option'
    const owner = `classification ${JSON.stringify(st.title)} (${st.hash})`
    const attr =
      options.attribute === undefined && isOption
        ? inferAttribute(st.feature, value, owner)
        : this.#attribute(options.attribute)
    const { wire } = encodeAnswer(attr, value)
    const manualAnnotation = options.manualAnnotation ?? st.ctx.defaults.manualAnnotation
    setStaticAnswer(st.feature, st.answers, { attr, wire, manualAnnotation, overwrite: options.overwrite, owner })
    if (st.entry === null) st.entry = { spaces: {} }
    if (st.owner) st.owner.touch()
    return this
  }

  /** Answer nested attributes by title or feature hash. */
  setAnswers(answers: AnswersFor<ClassificationInstanceAttrs<T>>, options: ClassificationAnswerOptions = {}): this {
    for (const [k, v] of Object.entries(answers)) this.setAnswer(v, { ...options, attribute: k } as never)
    return this
  }

  /**
   * The answer to the question (or to `attribute`), `undefined` when unanswered. In a typed project an
   * instance whose title is known takes its attribute names and returns options with typed labels.
   */
  getAnswer<A extends Attribute>(attribute: A): AnswerOf<A> | undefined
  getAnswer(...attribute: UncheckedArgs<ClassificationInstanceAttrs<T>>): AnswerValue | undefined
  getAnswer<N extends CheckedName<ClassificationInstanceAttrs<T>> | QuestionOf<T> = QuestionOf<T>>(
    attribute?: N,
  ): AnswerOutputFor<ClassificationInstanceAttrs<T>, N> | undefined
  getAnswer(attribute?: string | Attribute): unknown {
    return staticAnswer(this.#s.answers, this.#attribute(attribute))
  }

  /** The answer to the question. */
  get answer(): AnswerOutputFor<ClassificationInstanceAttrs<T>, QuestionOf<T>> | undefined {
    return this.getAnswer()
  }

  /** Remove the answer to the question (or to `attribute`). */
  clearAnswer(attribute?: AttributeName<ClassificationInstanceAttrs<T>> | Attribute): this {
    const st = this.#s
    if (clearStaticAnswer(st, this.#attribute(attribute)) && st.owner) st.owner.touch()
    return this
  }

  answers(): AnswerView[] {
    return this.#s.answers.map((e) => answerView(e, false))
  }

  /**
   * The frames it is on as inclusive `[start, end]` ranges; on audio and text data, where
   * classifications have no frames, the ranges its entry holds (Python's `range_list`).
   */
  get ranges(): [number, number][] {
    const st = this.#s
    if (st.frames.size > 0) return framesToRanges(st.frames.keys())
    const r = st.entry?.['range']
    return Array.isArray(r) ? (structuredClone(r) as [number, number][]) : []
  }

  /**
   * An exact copy with a new classification hash, in no label row: its frames with their metadata
   * and its answers (Python's `ClassificationInstance.copy()`).
   * @example twin.labelRow.addClassificationInstance(weather.copy())
   */
  copy(): ClassificationInstance<T> {
    const st = this.#s
    if (!st.feature) throw unknownFeature('classification', st.title, st.featureHash)
    const copy = new ClassificationInstance<T>(st.feature)
    const cs = classificationState(copy)
    for (const [frame, d] of st.frames)
      cs.frames.set(frame, {
        seq: nextSeq(),
        unit: undefined,
        fields: { ...structuredClone(d.fields), classificationHash: cs.hash },
      })
    cs.answers = copyAnswers(st.answers)
    cs.entry = st.entry === null ? null : structuredClone(st.entry)
    cs.entryFollowsFrames = st.entryFollowsFrames
    return copy
  }

  /** Remove this classification from its label row. */
  remove(): void {
    if (this.#s.owner) this.#s.owner.detachClassification(this)
  }
}

/** An instance around state loaded by a row (the constructor takes it under a label-model-private key). */
export function makeClassificationInstance(state: ClassificationState): ClassificationInstance {
  return new ClassificationInstance(
    state.feature as OntologyClassification,
    { [FROM_STATE]: state } as { classificationHash?: string },
  )
}
