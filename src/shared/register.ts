/**
 * Typed projects (issue 18). `encord-agents types` writes `encord-agents.gen.d.ts`, which augments this
 * interface (`declare module 'encord-agents' { interface Register { project: … } }`) with the project's
 * agent stages and pathways and its ontology. Without the file it stays empty and every title is `string`.
 */
export interface Register {}

/** The generated project description, or `never` without the file. */
export type RegisteredProject = Register extends { project: infer P } ? P : never

/** True when a generated file is in the program. */
export type IsTypedProject = [RegisteredProject] extends [never] ? false : true

type Stages = RegisteredProject extends { stages: infer S } ? S : never

/** Agent stage titles of the project (`string` without the file). */
export type StageTitle = IsTypedProject extends true ? keyof Stages & string : string

/** Pathway names and UUIDs of a stage (`string` without the file or for an unknown stage). */
export type PathwayOf<S> = IsTypedProject extends true
  ? S extends keyof Stages
    ? Stages[S] extends { pathways: infer P }
      ? (keyof P & string) | P[keyof P]
      : string
    : string
  : string
