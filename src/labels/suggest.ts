/**
 * "Did you mean" for ontology and label lookups. Small enough that a dependency is not worth it: an
 * edit distance on lower-cased titles plus a containment check (people often type a prefix).
 */

/** Levenshtein distance between two strings (insert, delete, substitute all cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  let cur = new Array<number>(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    }
    ;[prev, cur] = [cur, prev]
  }
  return prev[b.length]
}

/**
 * The candidate closest to `input`, or undefined when none is close enough to be a plausible typo.
 * Case and surrounding whitespace are ignored; a candidate that contains the input (or the reverse)
 * counts as close.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.trim().toLowerCase()
  if (needle.length === 0) return undefined
  let best: string | undefined
  let bestScore = Infinity
  for (const candidate of candidates) {
    const hay = candidate.trim().toLowerCase()
    let score = editDistance(needle, hay)
    if (hay.includes(needle) || needle.includes(hay)) score = Math.min(score, 1)
    if (score < bestScore) {
      best = candidate
      bestScore = score
    }
  }
  if (best === undefined) return undefined
  const limit = Math.max(2, Math.floor(Math.max(needle.length, best.length) / 3))
  return bestScore <= limit ? best : undefined
}

/** `"A", "B", "C"` (at most `max` items, then `… and N more`). */
export function quoteList(items: readonly string[], max = 20): string {
  if (items.length === 0) return '(none)'
  const shown = items.slice(0, max).map((s) => JSON.stringify(s))
  const rest = items.length - shown.length
  return shown.join(', ') + (rest > 0 ? ` … and ${rest} more` : '')
}
