import { fail } from '../shared/error-catalogue/index.js'
/**
 * Finding ontology nodes by title or feature hash, with errors that list what exists and suggest the
 * closest name; and resolving an attribute below an object, a classification or an option.
 */
import { LabelErrorCode } from './errors.js'
import type { Attribute } from './ontology-attributes.js'
import type { OntologyClassification, OntologyNode, OntologyObject } from './ontology.js'
import type { Option } from './ontology-attributes.js'
import type { Raw } from '../shared/records.js'
import { closest, quoteList } from '../shared/suggest.js'

/** The `value` Encord derives from a title: lower case, spaces replaced by `_` (nothing else changes). */
export function lowerSnake(title: string): string {
  return title.toLowerCase().replaceAll(' ', '_')
}

export function str(raw: Raw, key: string, where: string, fallback?: string): string {
  const v = raw[key]
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  if (fallback !== undefined) return fallback
  throw fail('OntologyInvalid.missingKey', { where, key })
}

export function bool(raw: Raw, key: string): boolean {
  return raw[key] === true
}

export interface Candidate<T> {
  node: T
  title: string
  featureHash: string
  /** Extra accepted spellings (an option's `value`). */
  aliases?: string[]
  /** Where it sits, for ambiguity messages. */
  path?: string
}

export type Found<T> = { ok: true; node: T } | { ok: false; ambiguous?: Candidate<T>[] }

export function match<T>(input: string, candidates: Candidate<T>[]): Found<T> {
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

export function notFound(what: string, input: string, where: string, candidates: Candidate<unknown>[]): Error {
  const titles = [...new Set(candidates.map((c) => c.title))]
  const suggestion = closest(input, titles)
  const kinds = what.endsWith('s') ? what : `${what}s`
  return fail(
    'OntologyFeatureNotFound.noSuchFeature',
    { what, input, where, kinds: capitalise(kinds), titles: quoteList(titles), suggestion },
    { data: { input, available: titles } },
  )
}

export function ambiguous(what: string, input: string, where: string, matches: Candidate<unknown>[]): Error {
  const list = matches.map((m) => `${m.path ?? JSON.stringify(m.title)} (featureHash ${m.featureHash})`).join(', ')
  return fail(
    'OntologyFeatureAmbiguous',
    { what: capitalise(what), input, where, list },
    { data: { input, featureHashes: matches.map((m) => m.featureHash) } },
  )
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** Depth-first, pre-order: attribute, then the attributes under its options, then the next one. */
export function collectAttributes(attributes: readonly Attribute[], out: Attribute[] = []): Attribute[] {
  for (const a of attributes) {
    out.push(a)
    if (a.type === 'radio' || a.type === 'checklist') for (const o of a.options) collectAttributes(o.attributes, out)
  }
  return out
}

export type AttributeHolder = OntologyObject | OntologyClassification | Option

export function holderName(h: AttributeHolder): string {
  return h.kind === 'option'
    ? `option ${JSON.stringify(h.label)}`
    : h.kind === 'object'
      ? `object ${JSON.stringify(h.name)}`
      : `classification ${JSON.stringify(h.title)}`
}

/**
 * Resolve an attribute below `holder`: direct attributes first, then anywhere deeper (a nested
 * attribute can be named without its path when that is unambiguous). `rest` alternates option,
 * attribute, option... to walk down explicitly.
 */
export function walkAttributes(holder: AttributeHolder, first: string | Attribute, rest: string[]): Attribute {
  let attr = resolveAttribute(holder, first)
  for (let i = 0; i < rest.length; i += 2) {
    if (attr.type !== 'radio' && attr.type !== 'checklist') {
      throw fail('OntologyFeatureNotFound.pathPastAttributeWithoutOptions', {
        type: capitalise(attr.type),
        name: JSON.stringify(attr.name),
        path: attr.path,
        next: rest[i],
      })
    }
    const option = attr.option(rest[i])
    if (i + 1 >= rest.length) {
      throw fail('OntologyFeatureNotFound.pathEndsAtOption', { label: JSON.stringify(option.label), path: option.path })
    }
    attr = resolveAttribute(option, rest[i + 1])
  }
  return attr
}

export function resolveAttribute(holder: AttributeHolder, input: string | Attribute): Attribute {
  const direct = holder.attributes
  const all = collectAttributes(direct)
  if (typeof input !== 'string') {
    if (all.includes(input)) return input
    // The same attribute from another parse of the same ontology.
    const same = all.find((a) => a.featureHash === input.featureHash && a.name === input.name)
    if (same) return same
    throw fail('OntologyFeatureNotFound.attributeOfOtherHolder', {
      name: JSON.stringify(input.name),
      path: input.path,
      holder: holderName(holder),
      attributes: quoteList(all.map((a) => a.name)),
    })
  }
  const where = `on ${holderName(holder)}`
  const directFound = match(
    input,
    direct.map((a) => candidateOf(a)),
  )
  if (directFound.ok) return directFound.node
  if (directFound.ambiguous) throw ambiguous('attribute', input, where, directFound.ambiguous)
  const nestedCandidates = all.map((a) => candidateOf(a))
  const nestedFound = match(input, nestedCandidates)
  if (nestedFound.ok) return nestedFound.node
  if (nestedFound.ambiguous) throw ambiguous('attribute', input, where, nestedFound.ambiguous)
  throw notFound('attribute', input, where, nestedCandidates)
}

export function candidateOf<T extends Attribute | OntologyObject | OntologyClassification>(n: T): Candidate<T> {
  const title = n.kind === 'attribute' ? n.name : n.title
  return { node: n, title, featureHash: n.featureHash, path: nodePath(n) }
}

export function nodePath(n: OntologyNode): string {
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

export function tryFind<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === LabelErrorCode.OntologyFeatureNotFound) return undefined
    throw e
  }
}
