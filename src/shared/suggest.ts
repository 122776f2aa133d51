/**
 * The one "did you mean" of encord-agents (config options, commands and flags, stages, pathways,
 * handler result keys, ontology titles, attributes and answers) and the one way a list of names is
 * quoted in a message. Small enough that a dependency is not worth it.
 */

/**
 * Levenshtein distance between two strings (insert, delete, substitute all cost 1), case-sensitive:
 * callers fold case (and trim) themselves when they want to.
 *
 * @example
 * ```ts
 * editDistance('kitten', 'sitting') // 3
 * ```
 */
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
 * The candidate with the lowest `score` (the first one of equals), with its score; undefined when
 * there are no candidates.
 */
export function nearest(
  candidates: Iterable<string>,
  score: (candidate: string) => number,
): { candidate: string; score: number } | undefined {
  let best: { candidate: string; score: number } | undefined
  for (const candidate of candidates) {
    const s = score(candidate)
    if (best === undefined || s < best.score) best = { candidate, score: s }
  }
  return best
}

/**
 * The candidate closest to `input` when it is close enough to be a likely typo, else undefined. Case and
 * surrounding whitespace are ignored; close enough is at most a third of the longer string's length in
 * edits (at least two: a swapped pair of letters, "Cra" for "Car", is two); a candidate that contains the input or is contained in it counts as one edit
 * (people type a prefix: "occl" for "Occluded", "batchSize" for "taskBatchSize").
 *
 * @example
 * ```ts
 * closest('Colr', ['Colour', 'Note']) // 'Colour'
 * ```
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
  const allowed = Math.max(2, Math.floor(Math.max(needle.length, best.candidate.length) / 3))
  return best.score <= allowed ? best.candidate : undefined
}

/** `"A", "B", "C"` for a message: at most `max` items, then `… and N more`; `(none)` when empty. */
export function quoteList(items: readonly string[], max = 20): string {
  if (items.length === 0) return '(none)'
  const shown = items.slice(0, max).map((s) => JSON.stringify(s))
  const rest = items.length - shown.length
  return shown.join(', ') + (rest > 0 ? ` … and ${rest} more` : '')
}
