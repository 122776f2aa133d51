import { describe, expect, it } from 'vitest'
import { pythonJson } from './python-json.js'

/** The first, character-by-character implementation: the fast one must write the very same bytes. */
function reference(value: unknown, floatKeys: ReadonlySet<string> = new Set(['confidence']), isFloat = false): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number': {
      const n = value
      if (Number.isNaN(n)) return 'NaN'
      if (n === Infinity) return 'Infinity'
      if (n === -Infinity) return '-Infinity'
      if (Number.isInteger(n) && isFloat) {
        if (Math.abs(n) < 1e16) return n.toFixed(1)
        const [mantissa, exp] = n.toExponential().split('e')
        return `${mantissa.includes('.') ? mantissa : mantissa + '.0'}e${exp.startsWith('-') ? '-' : '+'}${exp.replace(/^[+-]/, '').padStart(2, '0')}`
      }
      if (!Number.isInteger(n)) return String(n).replace(/e([+-])(\d)$/, 'e$10$2')
      return String(n)
    }
    case 'string': {
      const escapes: Record<string, string> = {
        '"': '\\"',
        '\\': '\\\\',
        '\n': '\\n',
        '\r': '\\r',
        '\t': '\\t',
        '\b': '\\b',
        '\f': '\\f',
      }
      let out = '"'
      for (let i = 0; i < value.length; i++) {
        const code = value.charCodeAt(i)
        const esc = escapes[value[i]]
        if (esc) out += esc
        else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0')
        else out += value[i]
      }
      return out + '"'
    }
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => reference(v, floatKeys, isFloat)).join(', ') + ']'
      const parts: string[] = []
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue
        parts.push(reference(k, floatKeys) + ': ' + reference(v, floatKeys, floatKeys.has(k)))
      }
      return '{' + parts.join(', ') + '}'
    }
    default:
      throw new TypeError(typeof value)
  }
}

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0080',
  'é',
  'ß',
  '中',
  '😀',
  '\ud800',
  '\udfff',
  '~',
  '{',
  ':',
]

function randomValue(next: () => number, depth: number): unknown {
  const pick = next()
  if (depth > 3 || pick < 0.35) {
    const kind = Math.floor(next() * 6)
    if (kind === 0)
      return Array.from({ length: Math.floor(next() * 8) }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join(
        '',
      )
    if (kind === 1) return Math.floor(next() * 2000) - 1000
    if (kind === 2) return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20)
    if (kind === 3) return next() < 0.5
    if (kind === 4) return null
    return 'plain ascii text ' + Math.floor(next() * 100)
  }
  if (pick < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1))
  const keys = ['confidence', 'x', 'label_hash', 'données', 'a"b', 'objects']
  const out: Record<string, unknown> = {}
  for (let i = Math.floor(next() * 5); i > 0; i--)
    out[keys[Math.floor(next() * keys.length)] + (next() < 0.3 ? String(i) : '')] =
      next() < 0.1 ? undefined : randomValue(next, depth + 1)
  return out
}

describe('pythonJson', () => {
  it("writes what Python's json.dumps writes", () => {
    // Expected values printed by CPython 3: json.dumps(...)
    expect(pythonJson({ a: '\u007f\u001f\u00e9\u{1F600}\ud800"\\', b: [1e-7, 1.5e300, 0.25] })).toBe(
      '{"a": "\\u007f\\u001f\\u00e9\\ud83d\\ude00\\ud800\\"\\\\", "b": [1e-07, 1.5e+300, 0.25]}',
    )
    expect(pythonJson({ confidence: 1, n: 1, nested: { confidence: 0.5, list: [] } })).toBe(
      '{"confidence": 1.0, "n": 1, "nested": {"confidence": 0.5, "list": []}}',
    )
    expect(pythonJson({ s: 'tab\there\nnew "q" \b\f\r' })).toBe('{"s": "tab\\there\\nnew \\"q\\" \\b\\f\\r"}')
    expect(pythonJson({ skipped: undefined, kept: null })).toBe('{"kept": null}')
  })

  it('matches the reference implementation byte for byte on random values', () => {
    const next = prng(20261125)
    for (let i = 0; i < 3000; i++) {
      const value = randomValue(next, 0)
      expect(pythonJson(value), JSON.stringify(value)).toBe(reference(value))
    }
  })
})
