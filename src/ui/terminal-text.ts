import cliTruncate from 'cli-truncate'
import stripAnsi from 'strip-ansi'

/**
 * Strings that come from a server or a fixture (project, stage, pathway and data titles, error texts)
 * are data, not terminal output: a title holding `ESC]0;…BEL` would retitle the terminal, `ESC[2J`
 * clear it, `ESC[5m` make it blink, and a 100,000-character title would flood it. Before such a string
 * is printed for people it goes through here: escape sequences and every other control character are
 * removed, and it is cut to a width that fits a line. `--json` output keeps the strings whole.
 */

/** Titles and names (stage, pathway, project, data title): one line of a table or a progress line. */
export const NAME_WIDTH = 80
/** Messages (a task's error, a server's error text). */
export const TEXT_WIDTH = 500

// What strip-ansi leaves: C0 controls (a lone ESC, BEL, backspace, CR that rewrites the line), DEL and
// the C1 controls (U+009B is a one-character CSI on some terminals), plus the bidirectional overrides,
// which make a title display as something else.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/**
 * One line of printable text: escape sequences removed, other control characters (tabs and line
 * breaks too) turned into spaces or dropped, cut to `width` terminal columns with `…`. Long names are
 * cut in the middle (a data title's end, its extension, says as much as its start).
 */
export function terminalText(value: string, width = NAME_WIDTH, position: 'middle' | 'end' = 'middle'): string {
  const text = stripAnsi(value)
    .replace(/[\t\r\n\u000b\u000c]+/g, ' ')
    .replace(CONTROL, '')
  return cut(text, width, position)
}

/**
 * Several lines of printable text (an error message): as {@link terminalText} but line breaks are
 * kept, each line is cut to `width` and at most `maxLines` lines are kept.
 */
export function terminalLines(value: string, width = TEXT_WIDTH, maxLines = 40): string {
  const lines = stripAnsi(value)
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_BUT_NEWLINE, (c) => (c === '\t' ? ' ' : ''))
    .split('\n')
  const kept = lines.slice(0, maxLines).map((line) => cut(line, width, 'end'))
  if (lines.length > maxLines) kept.push(`… ${lines.length - maxLines} more lines`)
  return kept.join('\n')
}

function cut(text: string, width: number, position: 'middle' | 'end'): string {
  // Cheap check first: cli-truncate measures display width, which costs time on huge strings.
  if (text.length <= width / 2) return text
  const head = text.length > width * 4 ? text.slice(0, width * 2) + text.slice(-width * 2) : text
  return cliTruncate(head === text ? text : head, width, { position, truncationCharacter: '…' })
}
