/**
 * Where in a config file a field is written, found in the file's text (STYLE C3, source 2): the
 * offending literal when the value is a string, otherwise the key. Heuristic but cheap, and good enough
 * to point a code frame at the right line; when nothing matches the file alone is reported.
 */

export type FieldPath = ReadonlyArray<string | number>

export interface TextPosition {
  line: number
  column: number
}

function positionAt(text: string, index: number): TextPosition {
  let line = 1
  let lastBreak = -1
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lastBreak = i
    }
  }
  return { line, column: index - lastBreak }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Every index where `key` is written as an object key (`key:`, `"key":`, `'key':`). */
function keyIndexes(text: string, key: string, from = 0): number[] {
  const re = new RegExp(`(?<![\\w$])(["'\`]?)${escapeRegExp(key)}\\1\\s*:`, 'g')
  re.lastIndex = from
  const out: number[] = []
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index)
  return out
}

/** Every index where the string `value` is written as a literal. */
function stringLiteralIndexes(text: string, value: string, from = 0): number[] {
  const out: number[] = []
  for (const quoted of [JSON.stringify(value), `'${value.replace(/'/g, "\\'")}'`, `\`${value}\``]) {
    let i = text.indexOf(quoted, from)
    while (i !== -1) {
      out.push(i)
      i = text.indexOf(quoted, i + 1)
    }
  }
  return out.sort((a, b) => a - b)
}

/**
 * Find where the field at `path` is written. Array indices pick the n-th occurrence after the array's
 * key (config arrays hold one entry per object, so the n-th `stage:` after `agents:` is agents[n]).
 *
 * @param key when given, locate this key inside the object at `path` (unknown options)
 * @param value when the field's value is a string, it is searched for first
 */
export function locateField(
  text: string,
  path: FieldPath,
  options: { key?: string; value?: unknown } = {},
): TextPosition | undefined {
  let from = 0
  let arrayIndex: number | undefined
  const segments = options.key === undefined ? [...path] : [...path, options.key]
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]
    const isLast = s === segments.length - 1
    if (typeof segment === 'number') {
      arrayIndex = segment
      if (isLast) return undefined
      continue
    }
    let candidates: number[] = []
    if (isLast && typeof options.value === 'string' && options.value !== '') {
      candidates = stringLiteralIndexes(text, options.value, from)
      if (arrayIndex !== undefined && candidates.length > arrayIndex) candidates = [candidates[arrayIndex]]
      // A literal is a better pointer than the key only when it is unambiguous.
      if (candidates.length !== 1) candidates = []
    }
    if (candidates.length === 0) {
      const keys = keyIndexes(text, segment, from)
      const pick = arrayIndex ?? 0
      if (keys.length === 0) return s === 0 ? undefined : positionAt(text, from)
      candidates = [keys[Math.min(pick, keys.length - 1)]]
    }
    from = candidates[0]
    arrayIndex = undefined
    // Skip a leading quote so the column points at the name.
    if (isLast) {
      const quote = text[from]
      return positionAt(
        text,
        quote === '"' || quote === "'" || quote === '`' ? from + (options.value === undefined ? 1 : 0) : from,
      )
    }
  }
  return undefined
}

/** `a.b[0].c`: how a field path reads in messages. */
export function formatPath(path: FieldPath): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out === '' ? '(top level)' : out
}
