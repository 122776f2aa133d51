import { fail } from '../shared/error-catalogue/index.js'
/**
 * Attributes (the questions under objects, classifications and radio options) and their options,
 * parsed from the ontology JSON.
 */
import type { OntologyClassification, OntologyFeature, OntologyObject } from './ontology.js'
import {
  ambiguous,
  bool,
  capitalise,
  lowerSnake,
  match,
  nodePath,
  notFound,
  str,
  tryFind,
  walkAttributes,
} from './ontology-lookup.js'
import { isRecord, type Raw } from '../shared/records.js'
import { quoteList } from '../shared/suggest.js'

/** Attribute (question) types. `other` stands for a type this version does not know (kept, read-only). */
export type AttributeType = 'radio' | 'checklist' | 'text' | 'numeric' | 'other'

/** Any attribute. Discriminate on `type`. */
export type Attribute = RadioAttribute | ChecklistAttribute | TextAttribute | NumericAttribute | OtherAttribute

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
    throw fail('OntologyFeatureNotFound.optionOfAttributeWithoutOptions', {
      type: capitalise(String((this as unknown as Attribute).type)),
      name: JSON.stringify(this.name),
      path: this.path,
      option: JSON.stringify(typeof labelOrHash === 'string' ? labelOrHash : labelOrHash.label),
    })
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
    this.#options = list
      .filter(isRecord)
      .map((o) => new Option(o, this as unknown as RadioAttribute | ChecklistAttribute))
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
      throw fail('InvalidAnswer.optionOfOtherAttribute', {
        label: JSON.stringify(labelOrHash.label),
        path: labelOrHash.path,
        type: this.type,
        name: JSON.stringify(this.name),
        attributePath: this.path,
        options: quoteList(this.options.map((o) => o.label)),
      })
    }
    const candidates = this.options.map((o) => ({
      node: o,
      title: o.label,
      featureHash: o.featureHash,
      aliases: [o.value],
    }))
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

export function parseAttribute(raw: Raw, parent: AttributeParent): Attribute {
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

export function parseAttributes(raw: Raw, parent: OntologyObject | OntologyClassification): Attribute[] {
  const list = Array.isArray(raw['attributes']) ? raw['attributes'] : []
  return list.filter(isRecord).map((a) => parseAttribute(a, parent))
}
