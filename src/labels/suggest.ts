/**
 * "Did you mean" for ontology and label lookups. Small enough that a dependency is not worth it: an
 * edit distance on lower-cased titles plus a containment check (people often type a prefix).
 */
import { editDistance, nearest } from '../shared/suggest.js'

/**
 * The candidate closest to `input`, or undefined when none is close enough to be a plausible typo.
 * Case and surrounding whitespace are ignored; a candidate that contains the input (or the reverse)
 * counts as close.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.trim().toLowerCase()
  if (needle.length === 0) return undefined
  const best = nearest(candidates, (candidate) => {
    const hay = candidate.trim().toLowerCase()
    const score = editDistance(needle, hay)
    return hay.includes(needle) || needle.includes(hay) ? Math.min(score, 1) : score
  })
  if (best === undefined) return undefined
  const limit = Math.max(2, Math.floor(Math.max(needle.length, best.candidate.length) / 3))
  return best.score <= limit ? best.candidate : undefined
}

/** `"A", "B", "C"` (at most `max` items, then `… and N more`). */
export function quoteList(items: readonly string[], max = 20): string {
  if (items.length === 0) return '(none)'
  const shown = items.slice(0, max).map((s) => JSON.stringify(s))
  const rest = items.length - shown.length
  return shown.join(', ') + (rest > 0 ? ` … and ${rest} more` : '')
}
