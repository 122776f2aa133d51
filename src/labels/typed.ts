/**
 * Typed label rows (issue 18): the label model's parameter types, computed from the ontology that
 * `encord-agents types` writes into `Register`. Without the generated file every type here is the
 * untyped one (`string` titles, `AnswerInput` answers), so untyped projects see no change.
 *
 * Kept cheap for large ontologies: titles by shape are one mapped type over the objects (cached per
 * shape); attribute names and answers are computed only for the objects a program actually uses.
 * Instances (`setAnswer`/`getAnswer` on an ObjectInstance) are not typed yet: only what LabelRow takes.
 */
import type { Register } from '../shared/register.js'
import type { AnswerInput } from './answers.js'
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
      ? ObjectInstance<S>
      : never
    : never

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
