/**
 * Typed projects (issue 18). `encord-agents types` writes `encord-agents.gen.d.ts`, which augments this
 * interface (`declare module 'encord-agents' { interface Register { project: … } }`) with the project's
 * agent stages and pathways and its ontology. Without the file it stays empty and every title is `string`.
 *
 * Every type here is cheap on purpose (one indexed access or one mapped type over a key set, cached by the
 * compiler), so a generated file of a large ontology costs little (`npm run bench -- --types`).
 */
export interface Register {}

/** The generated project description, or `never` without the file. */
export type RegisteredProject = Register extends { project: infer P } ? P : never

/** True when a generated file is in the program. */
export type IsTypedProject = [RegisteredProject] extends [never] ? false : true

type Stages = RegisteredProject extends { stages: infer S } ? S : never
type Objects = RegisteredProject extends { objects: infer O } ? O : never
type Classifications = RegisteredProject extends { classifications: infer C } ? C : never

/** Agent stage titles of the project (`string` without the file). */
export type StageTitle = IsTypedProject extends true ? keyof Stages & string : string

/**
 * Pathway names and UUIDs of a stage (`string` without the file). A union of stage titles gives the
 * pathways of each; `StageTitle` itself gives every agent stage's pathways.
 */
export type PathwayOf<S> = IsTypedProject extends true
  ? S extends keyof Stages
    ? Stages[S] extends { pathways: infer P }
      ? (keyof P & string) | (P[keyof P] & string)
      : never
    : never
  : string

/** Object titles of the project's ontology (`string` without the file). */
export type ObjectTitle = IsTypedProject extends true ? keyof Objects & string : string

/** Classification titles (their questions' names) of the project's ontology (`string` without the file). */
export type ClassificationTitle = IsTypedProject extends true ? keyof Classifications & string : string

/** Each entry's key (a title) and its `featureHash`. */
type TitlesAndHashes<M> = {
  [K in keyof M]: K | (M[K] extends { featureHash: infer H extends string } ? H : never)
}[keyof M] &
  string

/**
 * Titles and feature hashes of the project's ontology objects (`string` without the file; titles only in a
 * file written before the generator wrote feature hashes).
 */
export type ObjectFeature = IsTypedProject extends true ? TitlesAndHashes<Objects> : string

/** Titles and feature hashes of the project's ontology classifications (`string` without the file). */
export type ClassificationFeature = IsTypedProject extends true ? TitlesAndHashes<Classifications> : string
