import { fail } from '../shared/error-catalogue/index.js'
/**
 * The ontology (or chosen parts of it) as a schema for a model's structured output: a zod schema to
 * validate the answer and the same schema as JSON Schema for the model's API (OpenAI `response_format`
 * / tool parameters, Anthropic tool `input_schema`), plus the way back from a validated answer to
 * label instances (ontology-answer.ts). Python's `OntologyDataModel`, with objects' coordinates too.
 *
 * The answer has up to two keys:
 * - `objects`: a list; each item names its object (`"object": "Car"`), carries coordinates normalised
 *   to [0, 1] of the image (`box: {x, y, w, h}` for boxes, `theta` added for rotated boxes, `points`
 *   for polygons and polylines, `point: {x, y}`), and one key per attribute of that object;
 * - `classifications`: one key per classification, holding the answer to its question.
 * Answers: text → string, numeric → number, checklist → list of option labels, radio → an option
 * label, or `{ "choice": label, ...nested attributes }` when its options have attributes. Attributes
 * and classifications that are not `required` in the ontology may be `null` (no answer).
 *
 * Keys are the titles in lower snake case (`"Radio level 1 "` → `radio_level_1`), since model APIs
 * restrict property names; each property's description gives the title. The schema is strict (no
 * other keys, every key present), as OpenAI's strict structured outputs require.
 */
import { z } from 'zod'
import type { Attribute, Ontology, OntologyClassification, OntologyObject, Option, Shape } from './ontology.js'

/** How an object's coordinates appear in an answer. */
export type CoordinatesField = 'box' | 'rotatedBox' | 'points' | 'point'

/** Shapes a model can give coordinates for, and how. */
export const SCHEMA_SHAPES: Partial<Record<Shape, { key: string; field: CoordinatesField; label: string }>> = {
  bounding_box: { key: 'box', field: 'box', label: 'bounding box' },
  rotatable_bounding_box: { key: 'box', field: 'rotatedBox', label: 'rotated bounding box' },
  polygon: { key: 'points', field: 'points', label: 'polygon' },
  polyline: { key: 'points', field: 'points', label: 'polyline' },
  point: { key: 'point', field: 'point', label: 'point' },
}

/** Options of {@link ontologySchema}. */
export interface OntologySchemaOptions {
  /**
   * Which objects (titles, feature hashes or objects); `false` for none. @default every object whose
   * shape has coordinates a model can give (boxes, rotated boxes, polygons, polylines, points), or
   * every object when `coordinates` is false
   */
  objects?: ReadonlyArray<string | OntologyObject> | boolean
  /** Which classifications (titles or feature hashes); `false` for none. @default every classification */
  classifications?: ReadonlyArray<string | OntologyClassification> | boolean
  /**
   * Ask for objects' coordinates. Without them the model only says which object it sees and answers
   * its attributes (e.g. to classify a crop), and objects of any shape may be chosen.
   * @default true
   */
  coordinates?: boolean
  /** Leave out archived objects, classifications, attributes and options. @default true */
  skipArchived?: boolean
}

/** One attribute in the schema: its key, and for radio attributes the option for each label. */
export interface AttributeField {
  key: string
  attribute: Attribute
  /** `null` allowed (not required in the ontology). */
  nullable: boolean
  /** Radio and checklist: option by the label used in the schema. */
  options: Map<string, { option: Option; nested: AttributeField[] }>
  /** Radio whose options carry attributes: answered as `{ choice, ...nested }`. */
  hasNested: boolean
}

/** One object kind in the schema. */
export interface ObjectEntry {
  /** The value of `object` in an item. */
  tag: string
  object: OntologyObject
  coordinates: (typeof SCHEMA_SHAPES)[Shape] | undefined
  attributes: AttributeField[]
}

/** One classification in the schema. */
export interface ClassificationEntry {
  key: string
  classification: OntologyClassification
  question: AttributeField
}

/** What the schema describes, for turning answers into instances and back. */
export interface SchemaLayout {
  objects: ObjectEntry[] | undefined
  classifications: ClassificationEntry[] | undefined
}

/** A key a model API accepts as a property name (Anthropic: `^[a-zA-Z0-9_.-]{1,64}$`). */
export function schemaKey(title: string): string {
  const key = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60)
  return key === '' ? 'attribute' : key
}

/** Unique keys within one object: a repeated key gets `_2`, `_3`... */
function keyMaker(reserved: readonly string[] = []): (title: string) => string {
  const used = new Set(reserved)
  return (title) => {
    const base = schemaKey(title)
    let key = base
    for (let i = 2; used.has(key); i++) key = `${base}_${i}`
    used.add(key)
    return key
  }
}

/** Option labels as the schema names them: the label, or `label [featureHash]` where labels repeat. */
function optionLabels(options: readonly Option[]): Array<[string, Option]> {
  const counts = new Map<string, number>()
  for (const o of options) counts.set(o.label, (counts.get(o.label) ?? 0) + 1)
  return options.map((o) => [(counts.get(o.label) ?? 0) > 1 ? `${o.label} [${o.featureHash}]` : o.label, o])
}

function attributeFields(
  attributes: readonly Attribute[],
  skipArchived: boolean,
  reserved: readonly string[],
): AttributeField[] {
  const key = keyMaker(reserved)
  const out: AttributeField[] = []
  for (const attribute of attributes) {
    if (skipArchived && attribute.archived) continue
    if (attribute.type === 'other') continue // a type this version cannot write
    const options = new Map<string, { option: Option; nested: AttributeField[] }>()
    let hasNested = false
    if (attribute.type === 'radio' || attribute.type === 'checklist') {
      for (const [label, option] of optionLabels(attribute.options.filter((o) => !(skipArchived && o.archived)))) {
        const nested = attribute.type === 'radio' ? attributeFields(option.attributes, skipArchived, ['choice']) : []
        if (nested.length > 0) hasNested = true
        options.set(label, { option, nested })
      }
      if (options.size === 0) continue // nothing to choose from
    }
    out.push({
      key: key(attribute.name),
      attribute,
      nullable: !attribute.required && attribute.type !== 'checklist',
      options,
      hasNested,
    })
  }
  return out
}

function pick<T extends OntologyObject | OntologyClassification>(
  kind: 'objects' | 'classifications',
  chosen: ReadonlyArray<string | T> | boolean | undefined,
  all: readonly T[],
  find: (x: string | T) => T,
  byDefault: (x: T) => boolean,
): T[] | undefined {
  if (chosen === false) return undefined
  if (chosen === undefined || chosen === true) return all.filter(byDefault)
  if (!Array.isArray(chosen)) throw fail('InvalidAnswer.schemaFilter', { kind })
  return [...new Set(chosen.map(find))]
}

/** Work out what the schema holds (throws naming a chosen object whose shape has no coordinates). */
export function schemaLayout(ontology: Ontology, options: OntologySchemaOptions = {}): SchemaLayout {
  const skipArchived = options.skipArchived ?? true
  const withCoordinates = options.coordinates ?? true
  const objects = pick(
    'objects',
    options.objects,
    ontology.objects,
    (o) => ontology.object(o),
    (o) => !(skipArchived && o.archived) && (!withCoordinates || SCHEMA_SHAPES[o.shape] !== undefined),
  )
  const classifications = pick(
    'classifications',
    options.classifications,
    ontology.classifications,
    (c) => ontology.classification(c),
    (c) => !(skipArchived && c.archived),
  )
  if (withCoordinates && objects !== undefined) {
    const unsupported = objects.filter((o) => SCHEMA_SHAPES[o.shape] === undefined)
    if (unsupported.length > 0) {
      throw fail('WrongShape.noModelCoordinates', {
        value: unsupported.map((o) => `${JSON.stringify(o.name)} (${o.shape})`).join(', '),
      })
    }
  }
  const titles = new Map<string, number>()
  for (const o of objects ?? []) titles.set(o.name, (titles.get(o.name) ?? 0) + 1)
  const classificationKey = keyMaker()
  return {
    objects: objects?.map((object) => {
      const coordinates = withCoordinates ? SCHEMA_SHAPES[object.shape] : undefined
      return {
        tag: (titles.get(object.name) ?? 0) > 1 ? `${object.name} (${object.shape})` : object.name,
        object,
        coordinates,
        attributes: attributeFields(object.attributes, skipArchived, [
          'object',
          ...(coordinates ? [coordinates.key] : []),
        ]),
      }
    }),
    classifications: classifications?.flatMap((classification) => {
      const [question] = attributeFields([classification.question], skipArchived, [])
      return question === undefined ? [] : [{ key: classificationKey(classification.title), classification, question }]
    }),
  }
}

// ---------------------------------------------------------------------------------------------------
// zod

const unit = (what: string) => z.number().min(0).max(1).describe(what)
const point = z.strictObject({ x: unit('from the left edge, 0 to 1'), y: unit('from the top edge, 0 to 1') })

const COORDINATES: Record<CoordinatesField, z.ZodType> = {
  box: z
    .strictObject({
      x: unit('left edge, 0 to 1 of the image width'),
      y: unit('top edge, 0 to 1 of the image height'),
      w: unit('width, 0 to 1 of the image width'),
      h: unit('height, 0 to 1 of the image height'),
    })
    .describe('Axis-aligned box, normalised to the image size'),
  rotatedBox: z
    .strictObject({
      x: unit('left edge before rotation'),
      y: unit('top edge before rotation'),
      w: unit('width, 0 to 1 of the image width'),
      h: unit('height, 0 to 1 of the image height'),
      theta: z.number().describe('rotation in degrees about the box centre'),
    })
    .describe('Rotated box, normalised to the image size'),
  points: z.array(point).describe('Points in order, normalised to the image size'),
  point: point.describe('A point, normalised to the image size'),
}

function describeAttribute(a: Attribute): string {
  return `${JSON.stringify(a.name)} (${a.type}${a.type === 'checklist' ? ': every option that applies' : a.type === 'radio' ? ': exactly one option' : ''})`
}

function attributeZod(f: AttributeField): z.ZodType {
  const labels = [...f.options.keys()] as [string, ...string[]]
  let schema: z.ZodType
  switch (f.attribute.type) {
    case 'text':
      schema = z.string()
      break
    case 'numeric':
      schema = z.number()
      break
    case 'checklist':
      schema = z.array(z.enum(labels))
      break
    default:
      schema = f.hasNested
        ? z.discriminatedUnion(
            'choice',
            [...f.options].map(([label, { nested }]) =>
              z.strictObject({ choice: z.literal(label), ...fieldsZod(nested) }),
            ) as unknown as [z.ZodObject, ...z.ZodObject[]],
          )
        : z.enum(labels)
  }
  schema = schema.describe(describeAttribute(f.attribute))
  return f.nullable ? schema.nullable() : schema
}

function fieldsZod(fields: readonly AttributeField[]): Record<string, z.ZodType> {
  return Object.fromEntries(fields.map((f) => [f.key, attributeZod(f)]))
}

/** The zod schema of answers laid out by {@link schemaLayout}. */
export function layoutZod(layout: SchemaLayout): z.ZodObject {
  const shape: Record<string, z.ZodType> = {}
  if (layout.objects !== undefined) {
    const items = layout.objects.map((e) =>
      z
        .strictObject({
          object: z.literal(e.tag),
          ...(e.coordinates ? { [e.coordinates.key]: COORDINATES[e.coordinates.field] } : {}),
          ...fieldsZod(e.attributes),
        })
        .describe(`A ${JSON.stringify(e.object.name)}${e.coordinates ? ` (${e.coordinates.label})` : ''}`),
    )
    const item =
      items.length === 0
        ? z.never()
        : items.length === 1
          ? items[0]
          : z.discriminatedUnion('object', items as unknown as [z.ZodObject, ...z.ZodObject[]])
    shape['objects'] = z.array(item).describe('Every object seen, one item each')
  }
  if (layout.classifications !== undefined) {
    const fields = Object.fromEntries(
      layout.classifications.map((c) => {
        const answer = attributeZod({
          ...c.question,
          nullable: !c.classification.required && c.question.attribute.type !== 'checklist',
        })
        return [
          c.key,
          answer.describe(
            `${describeAttribute(c.question.attribute)}${c.classification.required ? '' : '; null when it does not apply'}`,
          ),
        ]
      }),
    )
    shape['classifications'] = z.strictObject(fields).describe('Answers about the whole image')
  }
  return z.strictObject(shape)
}
