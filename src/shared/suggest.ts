/**
 * The one edit distance and nearest-candidate search behind every "did you mean" (config options,
 * stages, pathways, ontology titles, answers). Each caller keeps its own rule for how close is close
 * enough (see core/config/suggest.ts, core/runner/suggest.ts, labels/suggest.ts): only the measure is
 * shared.
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
