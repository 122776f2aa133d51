/**
 * The ontology structure (what can be labelled) as a typed, navigable tree.
 *
 * Wire format (label-model.md §1): `{ objects, classifications, skeleton_templates? }`. Objects are
 * shapes an annotator draws; classifications are whole-frame questions with exactly one top-level
 * attribute; attributes (radio / checklist / text / numeric) hang under objects, classifications and
 * radio options, to any depth. Every node has a `featureNodeHash`, which labels call `featureHash`.
 *
 * Lookups take a title or a feature hash. Feature hashes of attributes may repeat across objects, so
 * attributes are always resolved relative to their object or classification.
 */
import { isRecord, type Raw } from '../shared/records.js'
import { labelError, LabelErrorCode } from './errors.js'
import { closest, quoteList } from './suggest.js'

/** Shapes an ontology object can have. */
export type Shape =
  | 'bounding_box'
  | 'rotatable_bounding_box'
  | 'polygon'
  | 'polyline'
  | 'point'
  | 'skeleton'
  | 'bitmask'
  | 'cuboid'
  | 'cuboid_2d'
  | 'segmentation'
  | 'audio'
  | 'text'

/** Attribute (question) types. `other` stands for a type this version does not know (kept, read-only). */
export type AttributeType = 'radio' | 'checklist' | 'text' | 'numeric' | 'other'

/** The ontology structure JSON (`editor` of an ontology, `structure` of our `Ontology` domain type). */
export interface OntologyStructureDict {
  objects?: unknown[]
  classifications?: unknown[]
  skeleton_templates?: unknown
  [key: string]: unknown
}

/** Any node of the tree. Discriminate on `kind` (then `shape` or `type`). */
export type OntologyNode = OntologyObject | OntologyClassification | Attribute | Option

/** Any attribute. Discriminate on `type`. */
export type Attribute = RadioAttribute | ChecklistAttribute | TextAttribute | NumericAttribute | OtherAttribute

/** Objects and classifications: the roots that label instances refer to. */
export type OntologyFeature = OntologyObject | OntologyClassification

/** The `value` Encord derives from a title: lower case, spaces replaced by `_` (nothing else changes). */
export function lowerSnake(title: string): string {
  return title.toLowerCase().replaceAll(' ', '_')
}


function str(raw: Raw, key: string, where: string, fallback?: string): string {
  const v = raw[key]
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  if (fallback !== undefined) return fallback
  throw labelError(LabelErrorCode.OntologyInvalid, `The ontology is malformed: ${where} has no "${key}".`, {
    hint: 'Pass the ontology structure as returned by Encord (objects, classifications, skeleton_templates).',
  })
}

function bool(raw: Raw, key: string): boolean {
  return raw[key] === true
}

// ---------------------------------------------------------------------------------------------------
// Generic lookup with good errors

interface Candidate<T> {
  node: T
  title: string
  featureHash: string
  /** Extra accepted spellings (an option's `value`). */
  aliases?: string[]
  /** Where it sits, for ambiguity messages. */
  path?: string
}

type Found<T> = { ok: true; node: T } | { ok: false; ambiguous?: Candidate<T>[] }

function match<T>(input: string, candidates: Candidate<T>[]): Found<T> {
  const byHash = candidates.filter((c) => c.featureHash === input)
  if (byHash.length > 0) return { ok: true, node: byHash[0].node }
  const exact = candidates.filter((c) => c.title === input)
  if (exact.length === 1) return { ok: true, node: exact[0].node }
  if (exact.length > 1) return { ok: false, ambiguous: exact }
  const norm = input.trim().toLowerCase()
  const loose = candidates.filter((c) => c.title.trim().toLowerCase() === norm)
  if (loose.length === 1) return { ok: true, node: loose[0].node }
  if (loose.length > 1) return { ok: false, ambiguous: loose }
  const alias = candidates.filter((c) => c.aliases?.some((a) => a === input || a.trim().toLowerCase() === norm))
  if (alias.length === 1) return { ok: true, node: alias[0].node }
  if (alias.length > 1) return { ok: false, ambiguous: alias }
  return { ok: false }
}

function notFound(what: string, input: string, where: string, candidates: Candidate<unknown>[]): Error {
  const titles = [...new Set(candidates.map((c) => c.title))]
  const suggestion = closest(input, titles)
  const kinds = what.endsWith('s') ? what : `${what}s`
  return labelError(
    LabelErrorCode.OntologyFeatureNotFound,
    `No ${what} ${JSON.stringify(input)} ${where}. ${capitalise(kinds)}: ${quoteList(titles)}.` +
      (suggestion ? ` Did you mean ${JSON.stringify(suggestion)}?` : ''),
    { hint: `Use a title or feature hash of the ontology; list them with \`ontology.describe()\`.`, data: { input, available: titles } },
  )
}

function ambiguous(what: string, input: string, where: string, matches: Candidate<unknown>[]): Error {
  const list = matches.map((m) => `${m.path ?? JSON.stringify(m.title)} (featureHash ${m.featureHash})`).join(', ')
  return labelError(
    LabelErrorCode.OntologyFeatureAmbiguous,
    `${capitalise(what)} ${JSON.stringify(input)} ${where} is ambiguous: ${list}.`,
    { hint: 'Pass the feature hash instead of the title, or the feature object itself.', data: { input, featureHashes: matches.map((m) => m.featureHash) } },
  )
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

// ---------------------------------------------------------------------------------------------------
// Attributes and options

/** Where an attribute hangs: an object, a classification, or a radio option. */
export type AttributeParent = OntologyObject | OntologyClassification | Option

abstract class BaseAttribute {
  readonly kind = 'attribute' as const
  /** Dotted local id, e.g. `"1.1"` (not unique across the ontology). */
  readonly uid: string
  /** The question, e.g. `"Colour"`. */
  readonly name: string
  readonly featureHash: string
  readonly required: boolean
  readonly archived: boolean
  /** Answers may vary by frame range (object attributes on videos). */
  readonly dynamic: boolean
  readonly parent: AttributeParent
  /** The attribute JSON as given. */
  readonly raw: Readonly<Raw>

  constructor(raw: Raw, parent: AttributeParent) {
    this.raw = raw
    this.parent = parent
    this.uid = str(raw, 'id', 'an attribute', '')
    this.name = str(raw, 'name', `attribute ${JSON.stringify(raw['id'] ?? '?')}`)
    this.featureHash = str(raw, 'featureNodeHash', `attribute ${JSON.stringify(this.name)}`)
    this.required = bool(raw, 'required')
    this.archived = bool(raw, 'archived')
    this.dynamic = bool(raw, 'dynamic')
  }

  /** Same as `name`. */
  get title(): string {
    return this.name
  }

  /** `name` lower-cased with spaces as `_`, as labels write it. */
  get value(): string {
    return lowerSnake(this.name)
  }

  /** The object or classification this attribute belongs to, however deep. */
  get root(): OntologyFeature {
    let p: AttributeParent = this.parent
    while (p.kind === 'option') p = p.parent.parent
    return p
  }

  /** Human path for messages, e.g. `Car › Colour › Red › Shade`. */
  get path(): string {
    return nodePath(this as unknown as Attribute)
  }

  /** Options (radio and checklist attributes; empty for the others). */
  get options(): readonly Option[] {
    return []
  }

  /**
   * An option by label, feature hash or value. Only radio and checklist attributes have options;
   * the others throw, saying so (so `object.attribute('Colour').option('Red')` needs no narrowing).
   */
  option(labelOrHash: string | Option): Option {
    throw labelError(
      LabelErrorCode.OntologyFeatureNotFound,
      `${capitalise(String((this as unknown as Attribute).type))} attribute ${JSON.stringify(this.name)} (${this.path}) has no options, so it has no option ${JSON.stringify(typeof labelOrHash === 'string' ? labelOrHash : labelOrHash.label)}.`,
    )
  }

  /** Like {@link option} but `undefined` when not found. */
  findOption(labelOrHash: string): Option | undefined {
    return tryFind(() => this.option(labelOrHash))
  }
}

/** One choice among options. Options of radio attributes may carry nested attributes. */
export class Option {
  readonly kind = 'option' as const
  readonly uid: string
  /** The choice as shown, e.g. `"Red"`. */
  readonly label: string
  /** Stored value, usually `label` in lower snake case (authored data may differ). */
  readonly value: string
  readonly featureHash: string
  readonly archived: boolean
  readonly parent: RadioAttribute | ChecklistAttribute
  /** Nested attributes (radio options only). */
  readonly attributes: readonly Attribute[]
  readonly raw: Readonly<Raw>

  constructor(raw: Raw, parent: RadioAttribute | ChecklistAttribute) {
    this.raw = raw
    this.parent = parent
    this.uid = str(raw, 'id', 'an option', '')
    this.label = str(raw, 'label', `option ${JSON.stringify(raw['id'] ?? '?')} of ${JSON.stringify(parent.name)}`)
    this.value = str(raw, 'value', '', lowerSnake(this.label))
    this.featureHash = str(raw, 'featureNodeHash', `option ${JSON.stringify(this.label)}`)
    this.archived = bool(raw, 'archived')
    // Only radio options nest; the JSON key is `options` although it holds attributes.
    // (`parent.type` is not set yet while the parent is being constructed; read its JSON.)
    const nested = parent.raw['type'] === 'radio' && Array.isArray(raw['options']) ? raw['options'] : []
    this.attributes = nested.filter(isRecord).map((a) => parseAttribute(a, this))
  }

  /** Same as `label`. */
  get title(): string {
    return this.label
  }

  get path(): string {
    return nodePath(this)
  }

  /**
   * A nested attribute of this option, by title or feature hash; more segments walk further down
   * (`option.attribute('Shade')`, `option.attribute('Size', 'Large', 'Notes')`).
   */
  attribute(titleOrHash: string | Attribute, ...rest: string[]): Attribute {
    return walkAttributes(this, titleOrHash, rest)
  }

  /** Like {@link attribute} but `undefined` when not found. */
  findAttribute(titleOrHash: string): Attribute | undefined {
    return tryFind(() => this.attribute(titleOrHash))
  }
}

abstract class OptionsAttribute extends BaseAttribute {
  abstract readonly type: 'radio' | 'checklist'
  readonly #options: readonly Option[]

  constructor(raw: Raw, parent: AttributeParent) {
    super(raw, parent)
    const list = Array.isArray(raw['options']) ? raw['options'] : []
    this.#options = list.filter(isRecord).map((o) => new Option(o, this as unknown as RadioAttribute | ChecklistAttribute))
  }

  override get options(): readonly Option[] {
    return this.#options
  }

  /**
   * An option by label, feature hash or value.
   * @example ontology.object('Car').attribute('Colour').option('Red')
   */
  override option(labelOrHash: string | Option): Option {
    if (typeof labelOrHash !== 'string') {
      if (this.options.includes(labelOrHash)) return labelOrHash
      const same = this.options.find((o) => o.featureHash === labelOrHash.featureHash && o.label === labelOrHash.label)
      if (same) return same
      throw labelError(
        LabelErrorCode.InvalidAnswer,
        `Option ${JSON.stringify(labelOrHash.label)} (${labelOrHash.path}) is not an option of ${this.type} attribute ${JSON.stringify(this.name)} (${this.path}). Options: ${quoteList(this.options.map((o) => o.label))}.`,
      )
    }
    const candidates = this.options.map((o) => ({ node: o, title: o.label, featureHash: o.featureHash, aliases: [o.value] }))
    const found = match(labelOrHash, candidates)
    if (found.ok) return found.node
    const where = `in ${this.type} attribute ${JSON.stringify(this.name)} (${this.path})`
    if (found.ambiguous) throw ambiguous('option', labelOrHash, where, found.ambiguous)
    throw notFound('option', labelOrHash, where, candidates)
  }

}

/** Exactly one option is chosen; options may nest further attributes. */
export class RadioAttribute extends OptionsAttribute {
  readonly type = 'radio' as const
}

/** Any number of options are chosen. */
export class ChecklistAttribute extends OptionsAttribute {
  readonly type = 'checklist' as const
}

/** A free-text answer. */
export class TextAttribute extends BaseAttribute {
  readonly type = 'text' as const
}

/** A number answer. */
export class NumericAttribute extends BaseAttribute {
  readonly type = 'numeric' as const
}

/** An attribute type this version does not know. Its answers are kept as they are and cannot be set. */
export class OtherAttribute extends BaseAttribute {
  readonly type = 'other' as const
  /** The type as the JSON has it. */
  readonly rawType: string

  constructor(raw: Raw, parent: AttributeParent) {
    super(raw, parent)
    this.rawType = String(raw['type'])
  }
}

function parseAttribute(raw: Raw, parent: AttributeParent): Attribute {
  switch (raw['type']) {
    case 'radio':
      return new RadioAttribute(raw, parent)
    case 'checklist':
      return new ChecklistAttribute(raw, parent)
    case 'text':
      return new TextAttribute(raw, parent)
    case 'numeric':
      return new NumericAttribute(raw, parent)
    default:
      return new OtherAttribute(raw, parent)
  }
}

function parseAttributes(raw: Raw, parent: OntologyObject | OntologyClassification): Attribute[] {
  const list = Array.isArray(raw['attributes']) ? raw['attributes'] : []
  return list.filter(isRecord).map((a) => parseAttribute(a, parent))
}

/** Depth-first, pre-order: attribute, then the attributes under its options, then the next one. */
function collectAttributes(attributes: readonly Attribute[], out: Attribute[] = []): Attribute[] {
  for (const a of attributes) {
    out.push(a)
    if (a.type === 'radio' || a.type === 'checklist') for (const o of a.options) collectAttributes(o.attributes, out)
  }
  return out
}

type AttributeHolder = OntologyObject | OntologyClassification | Option

function holderName(h: AttributeHolder): string {
  return h.kind === 'option' ? `option ${JSON.stringify(h.label)}` : h.kind === 'object' ? `object ${JSON.stringify(h.name)}` : `classification ${JSON.stringify(h.title)}`
}

/**
 * Resolve an attribute below `holder`: direct attributes first, then anywhere deeper (a nested
 * attribute can be named without its path when that is unambiguous). `rest` alternates option,
 * attribute, option... to walk down explicitly.
 */
function walkAttributes(holder: AttributeHolder, first: string | Attribute, rest: string[]): Attribute {
  let attr = resolveAttribute(holder, first)
  for (let i = 0; i < rest.length; i += 2) {
    if (attr.type !== 'radio' && attr.type !== 'checklist') {
      throw labelError(
        LabelErrorCode.OntologyFeatureNotFound,
        `${capitalise(attr.type)} attribute ${JSON.stringify(attr.name)} (${attr.path}) has no options, so the path cannot continue with ${JSON.stringify(rest[i])}.`,
      )
    }
    const option = attr.option(rest[i])
    if (i + 1 >= rest.length) {
      throw labelError(LabelErrorCode.OntologyFeatureNotFound, `The path ends at option ${JSON.stringify(option.label)} (${option.path}); an attribute path must end at an attribute.`, {
        hint: 'Use `.option(...)` on the attribute to get an option.',
      })
    }
    attr = resolveAttribute(option, rest[i + 1])
  }
  return attr
}

function resolveAttribute(holder: AttributeHolder, input: string | Attribute): Attribute {
  const direct = holder.attributes
  const all = collectAttributes(direct)
  if (typeof input !== 'string') {
    if (all.includes(input)) return input
    // The same attribute from another parse of the same ontology.
    const same = all.find((a) => a.featureHash === input.featureHash && a.name === input.name)
    if (same) return same
    throw labelError(
      LabelErrorCode.OntologyFeatureNotFound,
      `Attribute ${JSON.stringify(input.name)} (${input.path}) is not an attribute of ${holderName(holder)}. Attributes: ${quoteList(all.map((a) => a.name))}.`,
      { hint: 'Take the attribute from the same object or classification, e.g. `instance.ontologyObject.attribute(...)`.' },
    )
  }
  const where = `on ${holderName(holder)}`
  const directFound = match(input, direct.map((a) => candidateOf(a)))
  if (directFound.ok) return directFound.node
  if (directFound.ambiguous) throw ambiguous('attribute', input, where, directFound.ambiguous)
  const nestedCandidates = all.map((a) => candidateOf(a))
  const nestedFound = match(input, nestedCandidates)
  if (nestedFound.ok) return nestedFound.node
  if (nestedFound.ambiguous) throw ambiguous('attribute', input, where, nestedFound.ambiguous)
  throw notFound('attribute', input, where, nestedCandidates)
}

function candidateOf<T extends Attribute | OntologyObject | OntologyClassification>(n: T): Candidate<T> {
  const title = n.kind === 'attribute' ? n.name : n.title
  return { node: n, title, featureHash: n.featureHash, path: nodePath(n) }
}

function nodePath(n: OntologyNode): string {
  const parts: string[] = []
  let cur: OntologyNode | undefined = n
  while (cur) {
    if (cur.kind === 'attribute') {
      parts.push(cur.name)
      cur = cur.parent
    } else if (cur.kind === 'option') {
      parts.push(cur.label)
      cur = cur.parent
    } else {
      // A classification's title is its attribute's name; do not repeat it.
      if (cur.kind === 'object' || parts.length === 0) parts.push(cur.title)
      cur = undefined
    }
  }
  return parts.reverse().join(' › ')
}

function tryFind<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === LabelErrorCode.OntologyFeatureNotFound) return undefined
    throw e
  }
}

// ---------------------------------------------------------------------------------------------------
// Objects, classifications, skeleton templates

/** One point of a skeleton template (or of a skeleton label). */
export interface SkeletonTemplatePoint {
  x: number
  y: number
  name: string
  color: string
  value: string
  featureHash: string
}

/** A skeleton template: the named points a skeleton object is made of. */
export interface SkeletonTemplate {
  name: string
  /** The skeleton object's feature hash. */
  featureHash: string | null
  width: number | null
  height: number | null
  /** Points in index order. */
  points: SkeletonTemplatePoint[]
  raw: Readonly<Raw>
}

/** A shape annotators draw. `S` narrows the shape (see {@link Ontology.object}). */
export class OntologyObject<S extends Shape = Shape> {
  readonly kind = 'object' as const
  /** Local ordinal id, e.g. `"1"` (not unique across the ontology). */
  readonly uid: string
  readonly name: string
  /** `#RRGGBB` */
  readonly color: string
  readonly shape: S
  readonly featureHash: string
  readonly required: boolean
  readonly archived: boolean
  readonly attributes: readonly Attribute[]
  readonly raw: Readonly<Raw>
  #skeleton: SkeletonTemplate | undefined
  #ordered: Attribute[] | undefined

  constructor(raw: Raw, skeletonTemplates: readonly SkeletonTemplate[] = []) {
    this.raw = raw
    this.uid = str(raw, 'id', 'an object', '')
    this.name = str(raw, 'name', `object ${JSON.stringify(raw['id'] ?? '?')}`)
    this.color = str(raw, 'color', '', '')
    this.shape = str(raw, 'shape', `object ${JSON.stringify(this.name)}`) as S
    this.featureHash = str(raw, 'featureNodeHash', `object ${JSON.stringify(this.name)}`)
    this.required = bool(raw, 'required')
    this.archived = bool(raw, 'archived')
    this.attributes = parseAttributes(raw, this)
    if (this.shape === 'skeleton') {
      this.#skeleton =
        skeletonTemplates.find((t) => t.featureHash === this.featureHash) ?? skeletonTemplates.find((t) => t.name === this.name)
    }
  }

  /** Same as `name`. */
  get title(): string {
    return this.name
  }

  /** `name` lower-cased with spaces as `_`, as labels write it. */
  get value(): string {
    return lowerSnake(this.name)
  }

  /** Skeleton objects: the template that lists their points. */
  get skeletonTemplate(): SkeletonTemplate | undefined {
    return this.#skeleton
  }

  /**
   * An attribute of this object by title or feature hash, searched among direct attributes first and
   * then at any depth. More segments walk down explicitly: option, attribute, option, ...
   * @example car.attribute('Colour'); car.attribute('Shade'); car.attribute('Colour', 'Red', 'Shade')
   */
  attribute(titleOrHash: string | Attribute, ...rest: string[]): Attribute {
    return walkAttributes(this, titleOrHash, rest)
  }

  /** Like {@link attribute} but `undefined` when not found. */
  findAttribute(titleOrHash: string): Attribute | undefined {
    return tryFind(() => this.attribute(titleOrHash))
  }

  /** Every attribute at any depth, depth-first (the order Encord traverses them). */
  allAttributes(): readonly Attribute[] {
    this.#ordered ??= collectAttributes(this.attributes)
    return this.#ordered
  }
}

/** A whole-frame (or whole-asset, when global) question. */
export class OntologyClassification {
  readonly kind = 'classification' as const
  readonly uid: string
  readonly featureHash: string
  readonly required: boolean
  readonly archived: boolean
  /** `'global'` for one answer per asset (no frames); `undefined` for per-frame classifications. */
  readonly level: string | undefined
  /** Normally exactly one: the question. */
  readonly attributes: readonly Attribute[]
  readonly raw: Readonly<Raw>
  #ordered: Attribute[] | undefined

  constructor(raw: Raw) {
    this.raw = raw
    this.uid = str(raw, 'id', 'a classification', '')
    this.featureHash = str(raw, 'featureNodeHash', `classification ${JSON.stringify(raw['id'] ?? '?')}`)
    this.required = bool(raw, 'required')
    this.archived = bool(raw, 'archived')
    this.level = typeof raw['level'] === 'string' ? raw['level'] : undefined
    this.attributes = parseAttributes(raw, this)
    if (this.attributes.length === 0) {
      throw labelError(LabelErrorCode.OntologyInvalid, `The ontology is malformed: classification ${JSON.stringify(this.featureHash)} has no attribute.`)
    }
  }

  /** The question: the classification's top-level attribute. */
  get question(): Attribute {
    return this.attributes[0]
  }

  /** The question's name, which is how labels and people name a classification. */
  get title(): string {
    return this.question.name
  }

  /** Same as {@link title}. */
  get name(): string {
    return this.title
  }

  /** `title` lower-cased with spaces as `_`, as labels write it. */
  get value(): string {
    return lowerSnake(this.title)
  }

  /** One answer for the whole asset, no frames. */
  get isGlobal(): boolean {
    return this.level === 'global'
  }

  /**
   * Without arguments, the question; otherwise an attribute at any depth (as {@link OntologyObject.attribute}).
   */
  attribute(titleOrHash?: string | Attribute, ...rest: string[]): Attribute {
    if (titleOrHash === undefined) return this.question
    return walkAttributes(this, titleOrHash, rest)
  }

  /** Like {@link attribute} but `undefined` when not found. */
  findAttribute(titleOrHash: string): Attribute | undefined {
    return tryFind(() => this.attribute(titleOrHash))
  }

  /**
   * An option of the question (radio or checklist).
   * @example ontology.classification('Weather').option('Sunny')
   */
  option(labelOrHash: string | Option): Option {
    const q = this.question
    if (q.type !== 'radio' && q.type !== 'checklist') {
      throw labelError(LabelErrorCode.OntologyFeatureNotFound, `Classification ${JSON.stringify(this.title)} is a ${q.type} question and has no options.`)
    }
    return q.option(labelOrHash)
  }

  /** Every attribute at any depth, depth-first. */
  allAttributes(): readonly Attribute[] {
    this.#ordered ??= collectAttributes(this.attributes)
    return this.#ordered
  }
}

function parseSkeletonTemplates(raw: unknown): SkeletonTemplate[] {
  const entries: unknown[] = Array.isArray(raw) ? raw : isRecord(raw) ? Object.values(raw) : []
  const out: SkeletonTemplate[] = []
  for (const entry of entries) {
    if (!isRecord(entry)) continue
    const t = isRecord(entry['template']) ? entry['template'] : entry
    const pointsRaw = isRecord(t['skeleton']) ? t['skeleton'] : {}
    const points = Object.entries(pointsRaw)
      .filter(([, p]) => isRecord(p))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, p]) => {
        const r = p as Raw
        return {
          x: Number(r['x']),
          y: Number(r['y']),
          name: String(r['name'] ?? ''),
          color: String(r['color'] ?? ''),
          value: String(r['value'] ?? lowerSnake(String(r['name'] ?? ''))),
          featureHash: String(r['featureHash'] ?? ''),
        }
      })
    out.push({
      name: String(t['name'] ?? ''),
      featureHash: typeof t['feature_node_hash'] === 'string' ? t['feature_node_hash'] : typeof t['featureNodeHash'] === 'string' ? t['featureNodeHash'] : null,
      width: typeof t['width'] === 'number' ? t['width'] : null,
      height: typeof t['height'] === 'number' ? t['height'] : null,
      points,
      raw: t,
    })
  }
  return out
}

/** Anything {@link Ontology.from} understands. */
export type OntologyInput =
  | Ontology
  | OntologyStructureDict
  /** An ontology as the legacy API returns it (`editor`), or our `Ontology` domain type (`structure`). */
  | { editor: OntologyStructureDict }
  | { structure: Record<string, unknown> }
  /** A project as the API returns it. */
  | { editorOntology: OntologyStructureDict }

/**
 * The ontology structure of a project.
 *
 * @example
 * const ontology = Ontology.from(project.ontology)
 * const red = ontology.object('Car').attribute('Colour').option('Red')
 * const weather = ontology.classification('Weather')
 */
export class Ontology {
  readonly objects: readonly OntologyObject[]
  readonly classifications: readonly OntologyClassification[]
  readonly skeletonTemplates: readonly SkeletonTemplate[]
  readonly #raw: OntologyStructureDict

  constructor(structure: OntologyStructureDict) {
    if (!isRecord(structure)) {
      throw labelError(LabelErrorCode.OntologyInvalid, 'The ontology structure must be an object with "objects" and "classifications".')
    }
    this.#raw = structuredClone(structure)
    this.skeletonTemplates = parseSkeletonTemplates(structure.skeleton_templates)
    const objects = Array.isArray(structure.objects) ? structure.objects : []
    const classifications = Array.isArray(structure.classifications) ? structure.classifications : []
    this.objects = objects.filter(isRecord).map((o) => new OntologyObject(o, this.skeletonTemplates))
    this.classifications = classifications.filter(isRecord).map((c) => new OntologyClassification(c))
  }

  /** Build from a structure dict, an ontology/project response, or return an `Ontology` as is. */
  static from(input: OntologyInput): Ontology {
    if (input instanceof Ontology) return input
    const r: unknown = input
    if (isRecord(r)) {
      if (isRecord(r['editor'])) return new Ontology(r['editor'] as OntologyStructureDict)
      if (isRecord(r['structure'])) return new Ontology(r['structure'] as OntologyStructureDict)
      if (isRecord(r['editorOntology'])) return new Ontology(r['editorOntology'] as OntologyStructureDict)
    }
    return new Ontology(input as OntologyStructureDict)
  }

  /**
   * An object by title or feature hash. With `shape`, only objects of that shape are considered (two
   * objects may share a title with different shapes), and an object of another shape is refused with
   * a message saying which shape it has.
   * @example ontology.object('Car', 'bounding_box')
   */
  object<S extends Shape = Shape>(titleOrHash: string | OntologyObject, shape?: S): OntologyObject<S> {
    if (typeof titleOrHash !== 'string') {
      if (!this.objects.includes(titleOrHash)) return this.object(titleOrHash.featureHash, shape)
      if (shape !== undefined && titleOrHash.shape !== shape) throw wrongShape(titleOrHash, shape)
      return titleOrHash as OntologyObject<S>
    }
    const all = this.objects.map((o) => candidateOf(o))
    const pool = shape === undefined ? all : all.filter((c) => c.node.shape === shape)
    const found = match(titleOrHash, pool)
    if (found.ok) return found.node as OntologyObject<S>
    if (found.ambiguous) throw ambiguous('object', titleOrHash, 'in the ontology', found.ambiguous)
    if (shape !== undefined) {
      const other = match(titleOrHash, all)
      if (other.ok) throw wrongShape(other.node, shape)
    }
    throw notFound(shape === undefined ? 'object' : `${shape} object`, titleOrHash, 'in the ontology', shape === undefined ? all : pool.length > 0 ? pool : all)
  }

  /** Like {@link object} but `undefined` when nothing matches. */
  findObject<S extends Shape = Shape>(titleOrHash: string, shape?: S): OntologyObject<S> | undefined {
    const found = match(titleOrHash, this.objects.filter((o) => shape === undefined || o.shape === shape).map((o) => candidateOf(o)))
    return found.ok ? (found.node as OntologyObject<S>) : undefined
  }

  /**
   * A classification by title (its question's name), its feature hash or its question's feature hash.
   * @example ontology.classification('Weather').option('Sunny')
   */
  classification(titleOrHash: string | OntologyClassification): OntologyClassification {
    if (typeof titleOrHash !== 'string') {
      if (this.classifications.includes(titleOrHash)) return titleOrHash
      return this.classification(titleOrHash.featureHash)
    }
    const candidates = this.classifications.map((c) => candidateOf(c))
    const byQuestion = this.classifications.find((c) => c.question.featureHash === titleOrHash)
    if (byQuestion && !candidates.some((c) => c.featureHash === titleOrHash)) return byQuestion
    const found = match(titleOrHash, candidates)
    if (found.ok) return found.node
    if (found.ambiguous) throw ambiguous('classification', titleOrHash, 'in the ontology', found.ambiguous)
    throw notFound('classification', titleOrHash, 'in the ontology', candidates)
  }

  /** Like {@link classification} but `undefined` when nothing matches. */
  findClassification(titleOrHash: string): OntologyClassification | undefined {
    return tryFind(() => this.classification(titleOrHash))
  }

  /**
   * Walk a path of titles (or hashes): an object or classification, then attribute, option,
   * attribute, ... The result's `kind` says what it is.
   * @example ontology.get('Car', 'Colour', 'Red') // the option
   */
  get(first: string, ...rest: string[]): OntologyNode {
    const obj = this.findObject(first)
    const cls = obj ? undefined : this.findClassification(first)
    let node: OntologyNode
    if (obj) node = obj
    else if (cls) node = cls
    else {
      const all: Candidate<OntologyNode>[] = [...this.objects.map((o) => candidateOf(o)), ...this.classifications.map((c) => candidateOf(c))]
      const found = match(first, all)
      if (!found.ok && found.ambiguous) throw ambiguous('feature', first, 'in the ontology', found.ambiguous)
      throw notFound('object or classification', first, 'in the ontology', all)
    }
    for (const seg of rest) {
      if (node.kind === 'attribute') {
        if (node.type !== 'radio' && node.type !== 'checklist') {
          throw labelError(LabelErrorCode.OntologyFeatureNotFound, `${capitalise(node.type)} attribute ${JSON.stringify(node.name)} (${node.path}) has no options, so the path cannot continue with ${JSON.stringify(seg)}.`)
        }
        node = node.option(seg)
      } else {
        node = resolveAttribute(node, seg)
      }
    }
    return node
  }

  /**
   * Every node with this feature hash, anywhere in the tree. Attribute hashes may repeat across
   * objects; prefer resolving attributes from their object.
   */
  nodesByFeatureHash(featureHash: string): OntologyNode[] {
    const out: OntologyNode[] = []
    const visitAttrs = (attrs: readonly Attribute[]) => {
      for (const a of attrs) {
        if (a.featureHash === featureHash) out.push(a)
        if (a.type === 'radio' || a.type === 'checklist') {
          for (const o of a.options) {
            if (o.featureHash === featureHash) out.push(o)
            visitAttrs(o.attributes)
          }
        }
      }
    }
    for (const o of this.objects) {
      if (o.featureHash === featureHash) out.push(o)
      visitAttrs(o.attributes)
    }
    for (const c of this.classifications) {
      if (c.featureHash === featureHash) out.push(c)
      visitAttrs(c.attributes)
    }
    return out
  }

  /** The first node with this feature hash (objects and classifications first), or `undefined`. */
  byFeatureHash(featureHash: string): OntologyNode | undefined {
    return this.objects.find((o) => o.featureHash === featureHash) ?? this.classifications.find((c) => c.featureHash === featureHash) ?? this.nodesByFeatureHash(featureHash)[0]
  }

  /** A readable outline of the ontology (objects with shapes, classifications, attributes, options). */
  describe(): string {
    const lines: string[] = []
    const attrs = (list: readonly Attribute[], indent: string) => {
      for (const a of list) {
        lines.push(`${indent}- ${a.name} (${a.type === 'other' ? a.rawType : a.type}${a.dynamic ? ', dynamic' : ''}) [${a.featureHash}]`)
        if (a.type === 'radio' || a.type === 'checklist') {
          for (const o of a.options) {
            lines.push(`${indent}  * ${o.label} [${o.featureHash}]`)
            attrs(o.attributes, indent + '    ')
          }
        }
      }
    }
    lines.push('Objects:')
    for (const o of this.objects) {
      lines.push(`- ${o.name} (${o.shape}) [${o.featureHash}]`)
      attrs(o.attributes, '  ')
    }
    lines.push('Classifications:')
    for (const c of this.classifications) {
      lines.push(`- ${c.title}${c.isGlobal ? ' (global)' : ''} [${c.featureHash}]`)
      const q = c.question
      if (q.type === 'radio' || q.type === 'checklist') {
        lines.push(`  (${q.type})`)
        for (const o of q.options) {
          lines.push(`  * ${o.label} [${o.featureHash}]`)
          attrs(o.attributes, '    ')
        }
      } else lines.push(`  (${q.type === 'other' ? q.rawType : q.type})`)
      attrs(c.attributes.slice(1), '  ')
    }
    return lines.join('\n')
  }

  /** The structure JSON exactly as given. */
  toDict(): OntologyStructureDict {
    return structuredClone(this.#raw)
  }

  toJSON(): OntologyStructureDict {
    return this.toDict()
  }
}

function wrongShape(obj: OntologyObject, wanted: Shape): Error {
  return labelError(
    LabelErrorCode.WrongShape,
    `Object ${JSON.stringify(obj.name)} is a ${obj.shape} object, not a ${wanted} object.`,
    { hint: `Use the method for ${obj.shape} objects, or pick an object of shape ${wanted}.`, data: { object: obj.name, shape: obj.shape, expected: wanted } },
  )
}
