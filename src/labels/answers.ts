import { fail } from '../shared/error-catalogue/index.js'
/**
 * Answers to attributes, as values and as label JSON (label-model.md §3.5–3.7).
 *
 * Wire encoding by attribute type: radio → `[{name, value, featureHash}]` (one option), checklist →
 * a list of those, text → string, numeric → number. Nested answers are flat siblings in the same list.
 */
import type {
  Attribute,
  ChecklistAttribute,
  NumericAttribute,
  Option,
  OtherAttribute,
  RadioAttribute,
  TextAttribute,
} from './ontology.js'
import { quoteList, closest } from '../shared/suggest.js'
import { isRecord, type Raw } from '../shared/records.js'

/** An answer as read: the chosen option (radio), options (checklist), text, or number. */
export type AnswerValue = Option | readonly Option[] | string | number

/** An answer as given: options may be named by label, feature hash or value. */
export type AnswerInput = string | number | Option | ReadonlyArray<string | Option>

/** The answer type of each attribute type, as read. */
export type AnswerOf<A extends Attribute> = A extends RadioAttribute
  ? Option
  : A extends ChecklistAttribute
    ? readonly Option[]
    : A extends TextAttribute
      ? string
      : A extends NumericAttribute
        ? number
        : A extends OtherAttribute
          ? unknown
          : AnswerValue

/** The answer type of each attribute type, as given. */
export type AnswerInputOf<A extends Attribute> = A extends RadioAttribute
  ? Option | string
  : A extends ChecklistAttribute
    ? ReadonlyArray<Option | string> | Option | string
    : A extends TextAttribute
      ? string
      : A extends NumericAttribute
        ? number
        : A extends OtherAttribute
          ? never
          : AnswerInput

function optionWire(o: Option): Raw {
  return { name: o.label, value: o.value, featureHash: o.featureHash }
}

function invalid(attr: Attribute, why: string, hint?: string): Error {
  return fail(
    'InvalidAnswer.wrongValue',
    { type: attr.type, name: JSON.stringify(attr.name), path: attr.path, why, hint },
    { data: { attribute: attr.name, featureHash: attr.featureHash, type: attr.type } },
  )
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`
  if (typeof v === 'number') return `the number ${v}`
  if (Array.isArray(v)) return `a list of ${v.length}`
  if (isRecord(v) && v['kind'] === 'option') return `option ${JSON.stringify(v['label'])}`
  return JSON.stringify(v) ?? String(v)
}

function resolveOption(attr: RadioAttribute | ChecklistAttribute, v: unknown): Option {
  if (typeof v === 'string' || (isRecord(v) && v['kind'] === 'option')) {
    try {
      return attr.option(v as string | Option)
    } catch (e) {
      const labels = attr.options.map((o) => o.label)
      const name = typeof v === 'string' ? v : (v as unknown as Option).label
      const suggestion = typeof v === 'string' ? closest(v, labels) : undefined
      const where = typeof v === 'string' ? '' : ` (it belongs to ${(v as unknown as Option).path})`
      throw invalid(
        attr,
        `${JSON.stringify(name)}${where} is not one of its options ${quoteList(labels)}` +
          (suggestion ? `. Did you mean ${JSON.stringify(suggestion)}?` : ''),
        undefined,
      )
    }
  }
  throw invalid(attr, `expected an option (label, feature hash or Option), got ${describe(v)}`)
}

/**
 * Check an answer against its attribute and return it as read and as written.
 * Throws `InvalidAnswer` naming the attribute (wrong type, option of another attribute, ...).
 */
export function encodeAnswer(attr: Attribute, input: unknown): { value: AnswerValue; wire: unknown } {
  switch (attr.type) {
    case 'radio': {
      const v = Array.isArray(input) && input.length === 1 ? input[0] : input
      if (Array.isArray(v))
        throw invalid(
          attr,
          `a radio attribute takes exactly one option, got ${v.length}`,
          'Use a checklist attribute for several options.',
        )
      const o = resolveOption(attr, v)
      return { value: o, wire: [optionWire(o)] }
    }
    case 'checklist': {
      const list: unknown[] = Array.isArray(input) ? input : [input]
      const chosen = new Set(list.map((v) => resolveOption(attr, v)))
      // Written in ontology order: a checklist answer is a set.
      const options = attr.options.filter((o) => chosen.has(o))
      return { value: Object.freeze(options), wire: options.map(optionWire) }
    }
    case 'text':
      if (typeof input !== 'string') throw invalid(attr, `expected a string, got ${describe(input)}`)
      return { value: input, wire: input }
    case 'numeric':
      if (typeof input !== 'number' || !Number.isFinite(input))
        throw invalid(attr, `expected a finite number, got ${describe(input)}`)
      return { value: input, wire: input }
    default:
      throw invalid(
        attr,
        `this version cannot write answers of type ${JSON.stringify(attr.rawType)}`,
        'Upgrade encord-agents, or leave this attribute alone (its answers are kept).',
      )
  }
}

/**
 * The answer in label JSON as a value of its attribute. Options no longer in the ontology are left
 * out; `undefined` when nothing usable is there.
 */
export function decodeAnswer(attr: Attribute | undefined, wire: unknown): AnswerValue | undefined {
  if (!attr) return undefined
  switch (attr.type) {
    case 'radio': {
      const first = Array.isArray(wire) ? wire[0] : undefined
      const hash = isRecord(first) ? first['featureHash'] : undefined
      return typeof hash === 'string' ? attr.options.find((o) => o.featureHash === hash) : undefined
    }
    case 'checklist': {
      if (!Array.isArray(wire)) return undefined
      const hashes = wire.map((e) => (isRecord(e) ? e['featureHash'] : undefined))
      return Object.freeze(
        hashes.map((h) => attr.options.find((o) => o.featureHash === h)).filter((o): o is Option => o !== undefined),
      )
    }
    case 'text':
      return typeof wire === 'string' ? wire : undefined
    case 'numeric':
      return typeof wire === 'number'
        ? wire
        : typeof wire === 'string' && wire.trim() !== '' && Number.isFinite(Number(wire))
          ? Number(wire)
          : undefined
    default:
      return wire as AnswerValue
  }
}
