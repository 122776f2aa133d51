import { fail } from '../shared/error-catalogue/index.js'
/**
 * `ontologySchema()`: the schema of ontology-schema.ts as an object agents use, and the way between a
 * model's answer and label instances, both ways (answer → instances to write; label row → answer,
 * for few-shot examples and comparisons).
 */
import type { z } from 'zod'
import { toJSONSchema } from 'zod'
import type { AnswerInput, AnswerValue } from './answers.js'
import { ClassificationInstance } from './classification-instance.js'
import type { AnnotationOptions, AnyObjectInstance } from './label-options.js'
import type { LabelRow } from './label-row.js'
import { ObjectInstance } from './object-instance.js'
import type { Attribute, Ontology, OntologyInput, Option } from './ontology.js'
import { Ontology as OntologyClass } from './ontology.js'
import {
  layoutZod,
  schemaLayout,
  type AttributeField,
  type ClassificationEntry,
  type ObjectEntry,
  type OntologySchemaOptions,
  type SchemaLayout,
} from './ontology-schema.js'

/** One object of an answer: which object (`object`), its coordinates, and its attributes by key. */
export interface ObjectAnswer {
  object: string
  [key: string]: unknown
}

/** An answer in the schema's shape (see ontology-schema.ts). */
export interface OntologyAnswer {
  objects?: ObjectAnswer[]
  classifications?: Record<string, unknown>
}

/** Options of {@link OntologySchema.toInstances} and {@link OntologySchema.addTo}. */
export interface AnswerToLabelsOptions extends Pick<
  AnnotationOptions,
  'confidence' | 'manualAnnotation' | 'createdBy'
> {
  /** The frame the answer is about. @default 0 */
  frame?: number
}

/** What an answer becomes. */
export interface AnswerInstances {
  objects: AnyObjectInstance[]
  classifications: ClassificationInstance[]
}

type Setter = (attribute: Attribute, value: AnswerInput) => void

/** `objects[2].colour.choice` */
function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`
  return out === '' ? '(the answer)' : out
}

function invalidAnswer(problems: string[]): Error {
  return fail('InvalidAnswer.notInSchema', { problems }, { data: { problems } })
}

/**
 * An ontology (or part of it) as a schema for a model's structured output, and the way from a
 * validated answer to label instances (Python's `OntologyDataModel`). Make one with {@link ontologySchema}.
 */
export class OntologySchema {
  readonly ontology: Ontology
  /** The zod schema answers are validated with. */
  readonly zod: z.ZodObject
  /** The same schema as JSON Schema (draft 2020-12, strict), for the model's API. */
  readonly jsonSchema: Record<string, unknown>
  readonly #layout: SchemaLayout

  constructor(ontology: OntologyInput, options: OntologySchemaOptions = {}) {
    this.ontology = OntologyClass.from(ontology)
    this.#layout = schemaLayout(this.ontology, options)
    this.zod = layoutZod(this.#layout)
    // The subset every structured-output API takes: `anyOf` (OpenAI strict mode has no `oneOf`; the
    // alternatives are told apart by a fixed value, so they are equivalent) and one-value `enum`s for `const`.
    const { $schema: _, ...schema } = toJSONSchema(this.zod, {
      override: ({ jsonSchema: node }) => {
        if (node.oneOf !== undefined) {
          node.anyOf = node.oneOf
          delete node.oneOf
        }
        if (node.const !== undefined) {
          node.enum = [node.const]
          delete node.const
        }
      },
    }) as Record<string, unknown>
    this.jsonSchema = schema
  }

  /** The JSON Schema as a string (Python's `model_json_schema_str`). */
  get jsonSchemaString(): string {
    return JSON.stringify(this.jsonSchema)
  }

  /**
   * Check an answer (the model's JSON text, or parsed) against the schema. Throws `InvalidAnswer`
   * listing every problem with its path, e.g. `objects[0].box.w: Too big: expected number to be <=1`.
   */
  validate(answer: unknown): OntologyAnswer {
    let value = answer
    if (typeof answer === 'string') {
      try {
        value = JSON.parse(answer)
      } catch (e) {
        throw invalidAnswer([`it is not JSON (${(e as Error).message})`])
      }
    }
    const parsed = this.zod.safeParse(value)
    if (!parsed.success) throw invalidAnswer(parsed.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`))
    return parsed.data
  }

  /**
   * The label instances an answer describes, not yet in any label row: objects placed on `frame` with
   * their coordinates (none without `coordinates`), classifications on `frame` (global ones on none),
   * every answer set. Add them with `row.addObjectInstance` / `row.addClassificationInstance`, or use
   * {@link addTo}.
   */
  toInstances(answer: unknown, options: AnswerToLabelsOptions = {}): AnswerInstances {
    return this.#build(this.validate(answer), options, undefined)
  }

  /**
   * Write an answer into a label row (with the row's defaults for labels, e.g. `createdBy`): the
   * objects and classifications it describes on `frame`. Returns what was added.
   * @example schema.addTo(deps.row, reply, { frame: 0, confidence: 0.8 })
   */
  addTo(row: LabelRow, answer: unknown, options: AnswerToLabelsOptions = {}): AnswerInstances {
    return this.#build(this.validate(answer), options, row)
  }

  /**
   * The answer a row's labels on `frame` give, in the schema's shape: what the model should have
   * said (few-shot examples, evaluation). Unanswered attributes are `null` (checklists `[]`).
   */
  answerOf(row: LabelRow, options: { frame?: number } = {}): OntologyAnswer {
    const frame = options.frame ?? 0
    const out: OntologyAnswer = {}
    if (this.#layout.objects !== undefined) {
      out.objects = []
      for (const instance of row.objects({ frames: frame })) {
        const entry = this.#layout.objects.find(
          (e) => e.object.featureHash === instance.featureHash && e.object.shape === instance.shape,
        )
        if (entry === undefined) continue
        const item: ObjectAnswer = { object: entry.tag }
        if (entry.coordinates) item[entry.coordinates.key] = coordinatesAnswer(entry, instance.coordinates(frame))
        Object.assign(
          item,
          fieldsAnswer(entry.attributes, (a) => instance.getAnswer(a, { frame }) as AnswerValue | undefined),
        )
        out.objects.push(item)
      }
    }
    if (this.#layout.classifications !== undefined) {
      out.classifications = {}
      for (const c of this.#layout.classifications) {
        const feature = c.classification
        const instance = row.classifications({ feature }).find((i) => feature.isGlobal || i.frames().includes(frame))
        out.classifications[c.key] = fieldAnswer(
          c.question,
          instance === undefined ? () => undefined : (a) => instance.getAnswer(a) as AnswerValue | undefined,
        )
      }
    }
    return out
  }

  #build(answer: OntologyAnswer, options: AnswerToLabelsOptions, row: LabelRow | undefined): AnswerInstances {
    const frame = options.frame ?? 0
    const meta = {
      confidence: options.confidence,
      manualAnnotation: options.manualAnnotation ?? false,
      createdBy: options.createdBy,
    }
    const made: AnswerInstances = { objects: [], classifications: [] }
    const at = <T>(path: string, fn: () => T): T => {
      try {
        return fn()
      } catch (e) {
        throw fail('InvalidAnswer.atPath', { path, message: (e as Error).message }, { cause: e })
      }
    }
    ;(answer.objects ?? []).forEach((item, i) => {
      const entry = this.#layout.objects!.find((e) => e.tag === item.object)!
      const path = `objects[${i}]`
      const coordinates = entry.coordinates ? coordinatesInput(entry, item[entry.coordinates.key]) : undefined
      const instance = at(path, () => {
        if (row !== undefined && coordinates !== undefined)
          return row.addObject(entry.object, coordinates as never, { ...meta, frames: frame })
        const detached = new ObjectInstance(entry.object) as AnyObjectInstance
        if (coordinates !== undefined) detached.setForFrames(coordinates as never, { ...meta, frames: frame })
        return detached
      })
      // Frames are for dynamic attributes only (Python refuses them on static ones).
      const set: Setter = (a, v) =>
        instance.setAnswer(a, v, { ...(a.dynamic ? { frames: frame } : {}), manualAnnotation: meta.manualAnnotation })
      applyFields(entry.attributes, item, set, path, at)
      made.objects.push(instance as AnyObjectInstance)
    })
    for (const c of this.#layout.classifications ?? []) {
      const value = answer.classifications?.[c.key]
      if (isUnanswered(value)) continue
      const path = `classifications.${c.key}`
      const feature = c.classification
      const instance = at(path, () => {
        if (row !== undefined)
          return row.addClassification(feature, { ...meta, ...(feature.isGlobal ? {} : { frames: frame }) })
        const detached = new ClassificationInstance(feature)
        return feature.isGlobal ? detached : detached.setForFrames({ ...meta, frames: frame })
      })
      applyField(
        c.question,
        value,
        (a, v) => instance.setAnswer(v, { attribute: a, manualAnnotation: meta.manualAnnotation }),
        path,
        at,
      )
      made.classifications.push(instance)
    }
    return made
  }
}

/**
 * The ontology (or chosen objects and classifications) as a schema for a model's structured output.
 *
 * @example
 * ```ts
 * const schema = ontologySchema(deps.ontology, { objects: ['Car'], classifications: ['Weather'] })
 * const reply = await openai.chat.completions.create({ model, messages,
 *   response_format: { type: 'json_schema', json_schema: { name: 'labels', strict: true, schema: schema.jsonSchema } } })
 * schema.addTo(deps.row, reply.choices[0].message.content, { confidence: 0.8 })
 * ```
 */
export function ontologySchema(ontology: OntologyInput, options: OntologySchemaOptions = {}): OntologySchema {
  return new OntologySchema(ontology, options)
}

function isUnanswered(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0)
}

function applyFields(
  fields: readonly AttributeField[],
  values: Record<string, unknown>,
  set: Setter,
  path: string,
  at: <T>(path: string, fn: () => T) => T,
): void {
  for (const f of fields) applyField(f, values[f.key], set, `${path}.${f.key}`, at)
}

function applyField(
  f: AttributeField,
  value: unknown,
  set: Setter,
  path: string,
  at: <T>(path: string, fn: () => T) => T,
): void {
  if (isUnanswered(value)) return
  switch (f.attribute.type) {
    case 'checklist':
      at(path, () =>
        set(
          f.attribute,
          (value as string[]).map((label) => f.options.get(label)!.option),
        ),
      )
      return
    case 'radio': {
      const label = f.hasNested ? (value as { choice: string }).choice : (value as string)
      const chosen = f.options.get(label)!
      at(path, () => set(f.attribute, chosen.option))
      if (f.hasNested) applyFields(chosen.nested, value as Record<string, unknown>, set, path, at)
      return
    }
    default:
      at(path, () => set(f.attribute, value as AnswerInput))
  }
}

function labelOf(f: AttributeField, option: Option): string | undefined {
  for (const [label, o] of f.options)
    if (o.option === option || o.option.featureHash === option.featureHash) return label
  return undefined
}

function fieldAnswer(f: AttributeField, get: (a: Attribute) => AnswerValue | undefined): unknown {
  const value = get(f.attribute)
  switch (f.attribute.type) {
    case 'checklist':
      return ((value as readonly Option[] | undefined) ?? []).map((o) => labelOf(f, o)).filter((l) => l !== undefined)
    case 'radio': {
      const label = value === undefined ? undefined : labelOf(f, value as Option)
      if (label === undefined) return null
      return f.hasNested ? { choice: label, ...fieldsAnswer(f.options.get(label)!.nested, get) } : label
    }
    default:
      return value ?? null
  }
}

function fieldsAnswer(
  fields: readonly AttributeField[],
  get: (a: Attribute) => AnswerValue | undefined,
): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.key, fieldAnswer(f, get)]))
}

type Xy = { x: number; y: number }

function coordinatesInput(entry: ObjectEntry, value: unknown): unknown {
  return entry.coordinates!.field === 'points' ? (value as Xy[]).map((p) => ({ x: p.x, y: p.y })) : value
}

function coordinatesAnswer(entry: ObjectEntry, coordinates: unknown): unknown {
  const c = coordinates as Record<string, unknown> | undefined
  if (c === undefined) return null
  switch (entry.coordinates!.field) {
    case 'box':
      return { x: c['x'], y: c['y'], w: c['w'], h: c['h'] }
    case 'rotatedBox':
      return { x: c['x'], y: c['y'], w: c['w'], h: c['h'], theta: c['theta'] }
    case 'points':
      return (c['points'] as Xy[]).map((p) => ({ x: p.x, y: p.y }))
    default:
      return { x: c['x'], y: c['y'] }
  }
}

export type { ClassificationEntry, ObjectEntry }
