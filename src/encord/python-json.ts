/**
 * JSON text exactly as Python's `json.dumps` writes it with default arguments, which is what Encord's
 * Python SDK sends: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`, and floats that happen
 * to be whole written as `1.0`. We reproduce it so that bodies (and therefore digests and signatures)
 * are byte-identical to the SDK's for the same logical request; the server itself does not care.
 *
 * JavaScript has one number type, so which keys hold Python floats must be told: `floatKeys` lists the
 * object keys whose whole-number values are written with a trailing `.0` (e.g. `confidence`).
 */
export function pythonJson(value: unknown, floatKeys: ReadonlySet<string> = DEFAULT_FLOAT_KEYS): string {
  return write(value, floatKeys, false)
}

/** Keys that the SDK's label and priority models type as float. */
export const DEFAULT_FLOAT_KEYS: ReadonlySet<string> = new Set(['confidence'])

function write(value: unknown, floatKeys: ReadonlySet<string>, isFloat: boolean): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      return writeNumber(value, isFloat)
    case 'string':
      return writeString(value)
    case 'object': {
      // Plain concatenation (no intermediate arrays): label rows saved in bulk make this a hot path.
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + write(value[i], floatKeys, isFloat)
        return out + ']'
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return write((value as { toJSON: () => unknown }).toJSON(), floatKeys, isFloat)
      }
      let out = '{'
      let first = true
      const record = value as Record<string, unknown>
      for (const k of Object.keys(record)) {
        const v = record[k]
        if (v === undefined) continue
        out += (first ? '' : ', ') + writeString(k) + ': ' + write(v, floatKeys, floatKeys.has(k))
        first = false
      }
      return out + '}'
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof value} as JSON`)
  }
}

function writeNumber(n: number, isFloat: boolean): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return 'Infinity'
  if (n === -Infinity) return '-Infinity'
  if (Number.isInteger(n) && isFloat) {
    // Python's repr: 1.0, 1e+16 for large values.
    return Math.abs(n) < 1e16 ? n.toFixed(1) : pythonExponent(n)
  }
  if (!Number.isInteger(n)) {
    const s = String(n)
    // JS writes 1e-7, Python writes 1e-07.
    return s.replace(/e([+-])(\d)$/, 'e$10$2')
  }
  return String(n)
}

function pythonExponent(n: number): string {
  const [mantissa, exp] = n.toExponential().split('e')
  const m = mantissa.includes('.') ? mantissa : mantissa + '.0'
  const sign = exp.startsWith('-') ? '-' : '+'
  const digits = exp.replace(/^[+-]/, '').padStart(2, '0')
  return `${m}e${sign}${digits}`
}

/** Printable ASCII other than `"` and `\\`: written as is, by Python and by us. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
/** What JSON.stringify leaves unescaped but Python's ensure_ascii escapes: DEL and every non-ASCII code unit. */
const NON_ASCII = /[\u007f-\uffff]/g

function writeString(s: string): string {
  if (PLAIN.test(s)) return '"' + s + '"'
  // JSON.stringify escapes `"`, `\\` and control characters exactly as Python does (\n \r \t \b \f, else
  // \u00xx in lower case, lone surrogates as \udxxx); Python also escapes DEL and every code unit above
  // ASCII (surrogate pairs as two escapes), which the replace adds.
  return JSON.stringify(s).replace(NON_ASCII, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))
}
