import { editDistance, nearest } from '../../shared/suggest.js'

/**
 * The closest candidate to `input`, if it is close enough to be a likely typo (at most a third of
 * the longer string's length, and at least one edit allowed). Case is ignored.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase()
  const best = nearest(candidates, (candidate) => editDistance(lower, candidate.toLowerCase()))
  if (best === undefined) return undefined
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.candidate.length) / 3))
  return best.score <= allowed ? best.candidate : undefined
}

/** `"a", "b" and "c"` */
export function quoteList(items: readonly string[]): string {
  const quoted = items.map((i) => JSON.stringify(i))
  if (quoted.length <= 1) return quoted.join('')
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`
}
