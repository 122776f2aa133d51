import { fail } from '../shared/error-catalogue/index.js'
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
import { Option, parseAttributes, type Attribute } from './ontology-attributes.js'
export { lowerSnake } from './ontology-lookup.js'
import {
  ambiguous,
  bool,
  candidateOf,
  capitalise,
  collectAttributes,
  lowerSnake,
  match,
  notFound,
  resolveAttribute,
  str,
  tryFind,
  walkAttributes,
  type Candidate,
} from './ontology-lookup.js'
import { isRecord, type Raw } from '../shared/records.js'

export {
  ChecklistAttribute,
  NumericAttribute,
  Option,
  OtherAttribute,
  RadioAttribute,
  TextAttribute,
  type Attribute,
  type AttributeParent,
  type AttributeType,
} from './ontology-attributes.js'

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

/** The ontology structure JSON (`editor` of an ontology, `structure` of our `Ontology` domain type). */
export interface OntologyStructureDict {
  objects?: unknown[]
  classifications?: unknown[]
  skeleton_templates?: unknown
  [key: string]: unknown
}

/** Any node of the tree. Discriminate on `kind` (then `shape` or `type`). */
export type OntologyNode = OntologyObject | OntologyClassification | Attribute | Option

/** Objects and classifications: the roots that label instances refer to. */
export type OntologyFeature = OntologyObject | OntologyClassification

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
        skeletonTemplates.find((t) => t.featureHash === this.featureHash) ??
        skeletonTemplates.find((t) => t.name === this.name)
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
      throw fail('OntologyInvalid.classificationWithoutAttribute', { featureHash: JSON.stringify(this.featureHash) })
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
      throw fail('OntologyFeatureNotFound.classificationWithoutOptions', {
        title: JSON.stringify(this.title),
        type: q.type,
      })
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
      featureHash:
        typeof t['feature_node_hash'] === 'string'
          ? t['feature_node_hash']
          : typeof t['featureNodeHash'] === 'string'
            ? t['featureNodeHash']
            : null,
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
      throw fail('OntologyInvalid.notAnObject')
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
      if (isRecord(r['editor'])) return new Ontology(r['editor'])
      if (isRecord(r['structure'])) return new Ontology(r['structure'])
      if (isRecord(r['editorOntology'])) return new Ontology(r['editorOntology'])
    }
    return new Ontology(input)
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
    throw notFound(
      shape === undefined ? 'object' : `${shape} object`,
      titleOrHash,
      'in the ontology',
      shape === undefined ? all : pool.length > 0 ? pool : all,
    )
  }

  /** Like {@link object} but `undefined` when nothing matches. */
  findObject<S extends Shape = Shape>(titleOrHash: string, shape?: S): OntologyObject<S> | undefined {
    const found = match(
      titleOrHash,
      this.objects.filter((o) => shape === undefined || o.shape === shape).map((o) => candidateOf(o)),
    )
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
      const all: Candidate<OntologyNode>[] = [
        ...this.objects.map((o) => candidateOf(o)),
        ...this.classifications.map((c) => candidateOf(c)),
      ]
      const found = match(first, all)
      if (!found.ok && found.ambiguous) throw ambiguous('feature', first, 'in the ontology', found.ambiguous)
      throw notFound('object or classification', first, 'in the ontology', all)
    }
    for (const seg of rest) {
      if (node.kind === 'attribute') {
        if (node.type !== 'radio' && node.type !== 'checklist') {
          throw fail('OntologyFeatureNotFound.pathPastAttributeWithoutOptions', {
            type: capitalise(node.type),
            name: JSON.stringify(node.name),
            path: node.path,
            next: seg,
          })
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
    return (
      this.objects.find((o) => o.featureHash === featureHash) ??
      this.classifications.find((c) => c.featureHash === featureHash) ??
      this.nodesByFeatureHash(featureHash)[0]
    )
  }

  /** A readable outline of the ontology (objects with shapes, classifications, attributes, options). */
  describe(): string {
    const lines: string[] = []
    const attrs = (list: readonly Attribute[], indent: string) => {
      for (const a of list) {
        lines.push(
          `${indent}- ${a.name} (${a.type === 'other' ? a.rawType : a.type}${a.dynamic ? ', dynamic' : ''}) [${a.featureHash}]`,
        )
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
  return fail(
    'WrongShape.notThisShape',
    { name: JSON.stringify(obj.name), shape: obj.shape, wanted },
    { data: { object: obj.name, shape: obj.shape, expected: wanted } },
  )
}
