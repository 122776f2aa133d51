/** Edit distance (Levenshtein), case-insensitive: small inputs only (option and stage names). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  let prev = Array.from({ length: t.length + 1 }, (_, i) => i)
  for (let i = 1; i <= s.length; i++) {
    const cur = [i]
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[t.length]
}

/** The closest candidate when it is close enough to be a likely typo (or a case/word-order slip). */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(input, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  if (best === undefined) return undefined
  const limit = Math.max(2, Math.floor(Math.max(input.length, best.length) / 3))
  if (bestDistance <= limit) return best
  // "batchSize" for "taskBatchSize": one contains the other.
  const lower = input.toLowerCase()
  return candidates.find((c) => c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()))
}
