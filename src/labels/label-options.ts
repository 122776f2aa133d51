/**
 * The public option and value types of the label model (what callers pass to a {@link LabelRow} and
 * its instances, and what they read back).
 */
import type { AnswerInput } from './answers.js'
import type { FrameSpec } from './frames.js'
import type { Attribute, OntologyClassification, OntologyInput, OntologyObject, Shape } from './ontology.js'
import type { ObjectInstance } from './object-instance.js'
import type { LabelRowMetadata } from '../encord/types.js'
import type { AnswerValue } from './answers.js'
import type {
  AnswerInputFor,
  AnswersFor,
  ClassificationHashOf,
  ClassificationTitleOf,
  ObjectHashOf,
  ObjectTitleOf,
  QuestionName,
  Untyped,
} from './typed.js'
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the {@link LabelRow} of the TSDoc below
import type { LabelRow } from './label-row.js'

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

/** Options of {@link LabelRow.addObject} and the `add<Shape>` helpers (`Attrs`: the object's typed attributes). */
export interface AddObjectOptions<Attrs = Untyped> extends ObjectAnnotationOptions {
  /** Where the object is. @default 0 */
  frames?: FrameSpec
  /** Single frame shorthand for `frames`. */
  frame?: number
  /** Answers to the object's attributes; dynamic ones apply to these frames. */
  answers?: AnswersFor<Attrs>
  /** Use this object hash instead of a new one. */
  objectHash?: string
}

/** Options of {@link LabelRow.addClassification} (`Attrs`: the classification's typed attributes). */
export interface AddClassificationOptions<Attrs = Untyped> extends AnnotationOptions {
  /** Where the classification applies; `'all'` for every frame. Not for global classifications. @default 0 */
  frames?: FrameSpec | 'all'
  /** Single frame shorthand for `frames`. */
  frame?: number
  /** The answer to the classification's question. */
  answer?: AnswerInputFor<Attrs, QuestionName<Attrs>>
  /** Answers to nested attributes (by title or feature hash). */
  answers?: AnswersFor<Attrs>
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
  /** Replace an existing answer (static attributes; without it a second answer is refused, as Encord's SDK does). @default false */
  overwrite?: boolean
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

/** An answer with the frames it holds for (see `ObjectInstance.getAnswers`). */
export interface FrameAnswer {
  value: AnswerValue | undefined
  /** The frames, ascending. */
  frames: number[]
  /** The same frames as inclusive `[start, end]` ranges. */
  ranges: [number, number][]
}

/** A range of an HTML document: from a node (XPath) and character offset to another. */
export interface HtmlRange {
  start: { xpath: string; offset: number }
  end: { xpath: string; offset: number }
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

/** Any object instance, narrowed by `shape`. */
export type AnyObjectInstance = { [K in Shape]: ObjectInstance<K> }[Shape]

/** Filters of {@link LabelRow.objects}. `O`: the typed ontology (see `RegisteredOntology`). */
export interface ObjectFilter<O = Untyped> {
  /** An ontology object (title, feature hash or the object; in a typed project, one of its titles or hashes). */
  feature?: ObjectTitleOf<O> | ObjectHashOf<O> | OntologyObject
  /** Only objects on (any of) these frames. */
  frames?: FrameSpec
}

/** Filters of {@link LabelRow.classifications}. `O`: the typed ontology (see `RegisteredOntology`). */
export interface ClassificationFilter<O = Untyped> {
  /** An ontology classification (title, feature hash or the classification; typed projects: one of theirs). */
  feature?: ClassificationTitleOf<O> | ClassificationHashOf<O> | OntologyClassification
  /** Only classifications on (any of) these frames. */
  frames?: FrameSpec
}
