import { editDistance, nearest } from '../../shared/suggest.js'

/** The closest candidate when it is close enough to be a likely typo (or a case/word-order slip). Case is ignored. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase()
  const best = nearest(candidates, (c) => editDistance(lower, c.toLowerCase()))
  if (best === undefined) return undefined
  const limit = Math.max(2, Math.floor(Math.max(input.length, best.candidate.length) / 3))
  if (best.score <= limit) return best.candidate
  // "batchSize" for "taskBatchSize": one contains the other.
  return candidates.find((c) => c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()))
}
