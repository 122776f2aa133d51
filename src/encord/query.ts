/**
 * Query strings exactly as Python `requests` builds them (`urllib.parse.urlencode(params, doseq=True)`),
 * which is what Encord's SDK sends. v2 signatures cover the raw path and query, so being byte-identical
 * to the SDK lets us reproduce its test vectors; the server itself would accept any correct encoding.
 *
 * Rules reproduced:
 * - keys in the order given; `null`/`undefined` values omitted (the SDK drops unset fields);
 * - lists become repeated keys (`a=1&a=2`); an empty list adds nothing;
 * - booleans are Python's `True` / `False`;
 * - `quote_plus` encoding: `A-Z a-z 0-9 _ . - ~` stay, a space becomes `+`, every other byte of the
 *   UTF-8 encoding becomes `%XX` with uppercase hex.
 */

/** A value in a query: scalars, or a list of scalars (repeated key). */
export type QueryScalar = string | number | boolean
export type QueryValue = QueryScalar | readonly QueryScalar[] | null | undefined

/** Ordered parameters: an array of pairs, or an object (its own key order is used). */
export type QueryParams = ReadonlyArray<readonly [string, QueryValue]> | Readonly<Record<string, QueryValue>>

/**
 * Encode parameters as a query string (without the leading `?`).
 *
 * @example
 * pythonQuery({ pageToken: 'a b', dataHashes: ['x', 'y'], signUrl: true })
 * // 'pageToken=a+b&dataHashes=x&dataHashes=y&signUrl=True'
 */
export function pythonQuery(params: QueryParams): string {
  const entries: ReadonlyArray<readonly [string, QueryValue]> = Array.isArray(params)
    ? (params as ReadonlyArray<readonly [string, QueryValue]>)
    : Object.entries(params as Record<string, QueryValue>)
  const parts: string[] = []
  for (const [key, value] of entries) {
    if (value === null || value === undefined) continue
    const values = Array.isArray(value) ? (value as readonly QueryScalar[]) : [value as QueryScalar]
    for (const v of values) parts.push(quotePlus(key) + '=' + quotePlus(scalar(v)))
  }
  return parts.join('&')
}

/** `path` plus `?query` when the query is not empty. */
export function withQuery(path: string, params?: QueryParams): string {
  if (params === undefined) return path
  const query = pythonQuery(params)
  return query === '' ? path : `${path}?${query}`
}

function scalar(value: QueryScalar): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') return pythonNumber(value)
  return value
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`cannot put ${n} in a query string`)
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2')
}

const UNRESERVED = /[A-Za-z0-9_.~-]/

/** Python's `urllib.parse.quote_plus(s, safe='')`. */
export function quotePlus(s: string): string {
  let out = ''
  for (const ch of s) {
    if (ch === ' ') out += '+'
    else if (ch.length === 1 && UNRESERVED.test(ch)) out += ch
    else for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/**
 * Parse a query the way a Python server would (`parse_qsl`): `+` is a space, repeated keys collect
 * into lists. Returned as ordered pairs. Useful to servers (the emulator) and tests.
 */
export function parsePythonQuery(query: string): Array<[string, string]> {
  const q = query.startsWith('?') ? query.slice(1) : query
  if (q === '') return []
  return q
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=')
      const k = eq === -1 ? part : part.slice(0, eq)
      const v = eq === -1 ? '' : part.slice(eq + 1)
      return [decode(k), decode(v)]
    })
}

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '))
}
