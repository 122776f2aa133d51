/**
 * SQL `LIKE` matching for the legacy `data_title_like` and `workflow_graph_node_title_like` filters:
 * `%` matches any run of characters, `_` exactly one, everything else itself, case-insensitively.
 *
 * Not through a regular expression: `%` as `.*` makes a backtracking engine try every split of the
 * title between the wildcards, so `%%%%%%%%%%%%x` against a few hundred titles took 24 s of the
 * emulator's one thread (issue 14). Here the pattern is cut at its `%`s into fixed-length pieces; the
 * first must match the title's start, the last its end, and each one between is taken at its leftmost
 * place after the previous one (leftmost is never worse: what follows gets the most room). Each piece
 * is looked for with at most one pass over the title per character of the piece, and pieces never
 * overlap, so a match costs O(title length × longest piece) whatever the number of `%`s.
 */
export function likeMatcher(pattern: string): (text: string) => boolean {
  const pieces = pattern
    .toLowerCase()
    .split('%')
    .map((p) => Array.from(p))
  if (pieces.length === 1) {
    const only = pieces[0]
    return (text) => {
      const chars = Array.from(text.toLowerCase())
      return chars.length === only.length && matchesAt(chars, only, 0)
    }
  }
  const first = pieces[0]
  const last = pieces[pieces.length - 1]
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0)
  const minLength = pieces.reduce((n, p) => n + p.length, 0)
  return (text) => {
    const chars = Array.from(text.toLowerCase())
    if (chars.length < minLength) return false
    if (!matchesAt(chars, first, 0)) return false
    const end = chars.length - last.length
    if (!matchesAt(chars, last, end)) return false
    let from = first.length
    for (const piece of middle) {
      const at = indexOf(chars, piece, from, end)
      if (at < 0) return false
      from = at + piece.length
    }
    return true
  }
}

/** `piece` (where `_` is any one character) is at `chars[at...]`. */
function matchesAt(chars: string[], piece: string[], at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    if (piece[i] !== '_' && piece[i] !== chars[at + i]) return false
  }
  return true
}

/** The leftmost place of `piece` in `chars[from, end)`, or -1. */
function indexOf(chars: string[], piece: string[], from: number, end: number): number {
  for (let at = from; at + piece.length <= end; at++) if (matchesAt(chars, piece, at)) return at
  return -1
}
