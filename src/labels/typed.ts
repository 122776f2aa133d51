/**
 * Typed label rows (issue 18): the label model's parameter types, computed from the ontology that
 * `encord-agents types` writes into `Register`. Without the generated file every type here is the
 * untyped one (`string` titles, `AnswerInput` answers), so untyped projects see no change.
 *
 * Kept cheap for large ontologies: titles by shape are one mapped type over the objects (cached per
 * shape); attribute names and answers are computed only for the objects a program actually uses.
 * Instances carry their title (`ObjectInstance<'bounding_box', 'Car'>`, `ClassificationInstance<'Weather'>`)
 * when the row knows it (the add methods, `objects({ feature })`), and then their `setAnswer` / `getAnswer`
 * take only that feature's attribute names and option labels; with the title unknown (`string`) they are
 * unchecked, as in an untyped project.
 */
import type { Register } from '../shared/register.js'
import type { AnswerInput, AnswerValue } from './answers.js'
import type { CoordinatesInput, CoordinatesInputByShape } from './coordinates.js'
import type { AnswersInput, AnyObjectInstance } from './label-options.js'
import type { ObjectInstance } from './object-instance.js'
import type { Option, Shape } from './ontology.js'

/** The ontology of a project without a generated file: titles and answers are not checked. */
export interface Untyped {
  readonly __encordAgentsUntyped: true
}

/** A generated ontology (`Register['project']`): objects by title, classifications by title. */
export interface OntologyTypes {
  objects: object
  classifications: object
}

/** The ontology of the generated file, or {@link Untyped} without one. */
export type RegisteredOntology = Register extends { project: infer P extends OntologyTypes } ? P : Untyped

type Objects<O> = O extends { objects: infer X } ? X : never
type Classifications<O> = O extends { classifications: infer X } ? X : never

/** Titles of the ontology's objects of shape `S` (`string` when untyped). */
export type ObjectTitleOf<O, S extends Shape = Shape> = O extends Untyped
  ? string
  : Shape extends S
    ? keyof Objects<O> & string
    : { [K in keyof Objects<O>]: Objects<O>[K] extends { shape: S } ? K : never }[keyof Objects<O>] & string

/** Titles of the ontology's classifications (`string` when untyped). */
export type ClassificationTitleOf<O> = O extends Untyped ? string : keyof Classifications<O> & string

/** The attributes of entry `T` of `M` (the ontology's objects or classifications by title), or {@link Untyped}. */
type AttrsOf<M, T> = T extends keyof M ? (M[T] extends { attributes: infer A } ? A : Untyped) : Untyped

/** The attributes of object `T` (a title), or {@link Untyped} (untyped ontology, or an `OntologyObject`). */
export type ObjectAttrs<O, T> = O extends Untyped ? Untyped : AttrsOf<Objects<O>, T>

/** The attributes of classification `T` (its question first), or {@link Untyped}. */
export type ClassificationAttrs<O, T> = O extends Untyped ? Untyped : AttrsOf<Classifications<O>, T>

/** The coordinates `addObject` takes for object `T`. */
export type CoordinatesOfTitle<O, T> = O extends Untyped
  ? CoordinatesInput
  : T extends keyof Objects<O>
    ? Objects<O>[T] extends { shape: infer S extends Shape }
      ? CoordinatesInputByShape[S]
      : never
    : never

/** The instance `addObject` returns for object `T`. */
export type ObjectInstanceOfTitle<O, T> = O extends Untyped
  ? AnyObjectInstance
  : T extends keyof Objects<O>
    ? Objects<O>[T] extends { shape: infer S extends Shape }
      ? ObjectInstance<S, T & string>
      : never
    : never

type FeatureHashes<M> = { [K in keyof M]: M[K] extends { featureHash: infer H extends string } ? H : never }[keyof M]
type TitleOfFeature<M, F> = F extends keyof M
  ? F
  : { [K in keyof M]: M[K] extends { featureHash: F } ? K : never }[keyof M]

/** Feature hashes of the ontology's objects (`string` when untyped). */
export type ObjectHashOf<O> = O extends Untyped ? string : FeatureHashes<Objects<O>>

/** Feature hashes of the ontology's classifications (`string` when untyped). */
export type ClassificationHashOf<O> = O extends Untyped ? string : FeatureHashes<Classifications<O>>

/** The title an instance carries for feature `F` (a title, a feature hash or an ontology node): `string` when unknown. */
export type ObjectTitleOfFeature<O, F> = O extends Untyped
  ? string
  : F extends string
    ? TitleOfFeature<Objects<O>, F> & string
    : string

/** Like {@link ObjectTitleOfFeature}, for classifications. */
export type ClassificationTitleOfFeature<O, F> = O extends Untyped
  ? string
  : F extends string
    ? TitleOfFeature<Classifications<O>, F> & string
    : string

/** The instances `objects({ feature })` returns for feature `F` (a title or feature hash). */
export type ObjectInstanceOfFeature<O, F> = ObjectInstanceOfTitle<O, ObjectTitleOfFeature<O, F>>

/** Every attribute at any depth (nested under options too) as `[name, spec]` pairs. */
type Flat<A> = {
  [K in keyof A]:
    | [K, A[K]]
    | (A[K] extends { options: infer Op }
        ? { [L in keyof Op]: Op[L] extends { attributes: infer N } ? Flat<N> : never }[keyof Op]
        : never)
}[keyof A]

type SpecOf<A, N> = Extract<Flat<A>, [N, unknown]>[1]
type Labels<Sp> = Sp extends { options: infer Op } ? keyof Op & string : never

type InputOfSpec<Sp> = Sp extends { type: 'radio' }
  ? Labels<Sp> | Option
  : Sp extends { type: 'checklist' }
    ? Labels<Sp> | Option | ReadonlyArray<Labels<Sp> | Option>
    : Sp extends { type: 'text' }
      ? string
      : Sp extends { type: 'numeric' }
        ? number
        : AnswerInput

/** Attribute names (at any depth) of typed attributes `A` (`string` when untyped). */
export type AttributeName<A> = A extends Untyped ? string : Flat<A>[0] & string

/** A classification's question: its top-level attribute (`string` when untyped). */
export type QuestionName<A> = A extends Untyped ? string : keyof A & string

/** What `setAnswer` takes for attribute `N`: an option label (radio, checklist), text or number. */
export type AnswerInputFor<A, N> = A extends Untyped ? AnswerInput : InputOfSpec<SpecOf<A, N>>

/** `answers` of `addObject` / `setAnswers`: by attribute name, each typed. */
export type AnswersFor<A> = A extends Untyped ? AnswersInput : { [N in AttributeName<A>]?: AnswerInputFor<A, N> }

/** The attributes of the object an instance with title `T` belongs to (unchecked when `T` is `string`). */
export type InstanceAttrs<T> = ObjectAttrs<RegisteredOntology, T>

/** The attributes of the classification an instance with title `T` belongs to. */
export type ClassificationInstanceAttrs<T> = ClassificationAttrs<RegisteredOntology, T>

/** An option as read, with its label typed. */
export type TypedOption<L extends string> = Option & { readonly label: L }

type OutputOfSpec<Sp> = Sp extends { type: 'radio' }
  ? TypedOption<Labels<Sp>>
  : Sp extends { type: 'checklist' }
    ? readonly TypedOption<Labels<Sp>>[]
    : Sp extends { type: 'text' }
      ? string
      : Sp extends { type: 'numeric' }
        ? number
        : AnswerValue

/** What `getAnswer` returns for attribute `N`: the option with its label typed (radio), options (checklist), text or number. */
export type AnswerOutputFor<A, N> = A extends Untyped ? AnswerValue : OutputOfSpec<SpecOf<A, N>>

/**
 * Attribute names an instance takes unchecked: `string` when its attributes are not known (an untyped
 * project, or a title the type does not carry), else `never`. The unchecked overloads of `setAnswer` /
 * `getAnswer` use it: being non-generic, they also resolve on a union of instances (`row.objects()[0]`
 * is one), where the compiler drops generic overloads.
 */
export type UncheckedName<A> = A extends Untyped ? string : never

/** Attribute names an instance takes checked: those of its object or classification (`never` when unchecked). */
export type CheckedName<A> = A extends Untyped ? never : AttributeName<A>

/** Arguments of the unchecked `getAnswer` of a classification: `[attribute?]` when unchecked, else uncallable. */
export type UncheckedArgs<A> = A extends Untyped ? [attribute?: string] : [attribute: never]

/** The answer type of the unchecked `setAnswer` of a classification: `AnswerInput` when unchecked, else `never`. */
export type UncheckedValue<A> = A extends Untyped ? AnswerInput : never

/** The question (top-level attribute) of the classification an instance with title `T` belongs to. */
export type QuestionOf<T> = QuestionName<ClassificationInstanceAttrs<T>>
