/** Edit distance (Levenshtein), case-insensitive, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  if (s === t) return 0
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const current = [i]
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[t.length]
}

/**
 * The closest candidate to `input`, if it is close enough to be a likely typo (at most a third of
 * the longer string's length, and at least one edit allowed).
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best === undefined) return undefined
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3))
  return bestDistance <= allowed ? best : undefined
}

/** `"a", "b" and "c"` */
export function quoteList(items: readonly string[]): string {
  const quoted = items.map((i) => JSON.stringify(i))
  if (quoted.length <= 1) return quoted.join('')
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`
}
