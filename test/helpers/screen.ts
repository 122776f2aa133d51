/**
 * What a terminal shows after some output: a tiny model of the cursor movements a progress view
 * uses (line feed, carriage return, cursor up, erase line, column 0); colours and cursor visibility
 * are dropped. Enough to tell a view updated in place (a few rows in the end) from one printed line by
 * line (a row per update).
 */
export function screenOf(output: string): string[] {
  const rows: string[][] = [[]]
  let row = 0
  let col = 0
  const at = (r: number) => (rows[r] ??= [])
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]
    if (ch === '\u001b' && output[i + 1] === '[') {
      const m = /^\u001b\[([?\d;]*)([A-Za-z])/.exec(output.slice(i))
      if (m === null) continue
      i += m[0].length - 1
      const n = Number(m[1] || '1')
      if (m[2] === 'A') row = Math.max(0, row - n)
      else if (m[2] === 'K') rows[row] = m[1] === '2' ? [] : at(row).slice(0, col)
      else if (m[2] === 'G') col = Math.max(0, n - 1)
      continue
    }
    if (ch === '\n') {
      row++
      col = 0
      at(row)
    } else if (ch === '\r') col = 0
    else {
      at(row)[col] = ch
      col++
    }
  }
  const lines = rows.map((r) =>
    Array.from(r, (c) => c ?? ' ')
      .join('')
      .trimEnd(),
  )
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The output without escape sequences (what a log file would hold). */
export function withoutEscapes(output: string): string {
  return output.replace(/\u001b\[[?\d;]*[A-Za-z]/g, '')
}
