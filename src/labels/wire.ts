/**
 * Small helpers for writing label JSON exactly: known keys in the SDK's order (only those that are
 * set), then keys we do not model in the order they came.
 */
import type { Raw } from '../shared/records.js'

/**
 * `known` in order, skipping `undefined` values; then every key of `extra` that is not known (deep
 * copies, so the output never aliases the model).
 */
export function ordered(known: ReadonlyArray<readonly [string, unknown]>, extra?: Raw): Raw {
  const out: Raw = {}
  for (const [k, v] of known) if (v !== undefined) out[k] = v
  if (extra) {
    const knownKeys = new Set(known.map(([k]) => k))
    for (const [k, v] of Object.entries(extra)) if (!knownKeys.has(k) && !(k in out)) out[k] = structuredClone(v)
  }
  return out
}

/** The keys of `raw` other than `drop`, kept for writing back untouched. */
export function rest(raw: Raw, drop: readonly string[] | ReadonlySet<string>): Raw {
  // `drop` is a handful of keys (or a prebuilt set): no Set is built per call, since this runs for
  // every object, frame and answer entry of every label row loaded.
  // Keys are walked with `for...in` (own keys only, in Object.keys' order): `Object.keys` would
  // allocate an array per call.
  const out: Raw = {}
  if (Array.isArray(drop)) {
    for (const k in raw) if (Object.hasOwn(raw, k) && !drop.includes(k)) out[k] = raw[k]
  } else {
    const skip = drop as ReadonlySet<string>
    for (const k in raw) if (Object.hasOwn(raw, k) && !skip.has(k)) out[k] = raw[k]
  }
  return out
}

/** Nesting beyond which {@link cloneJson} hands the rest to `structuredClone` (which handles cycles). */
const CLONE_DEPTH_LIMIT = 256

/**
 * A deep copy of a JSON value, as `structuredClone` would make it, but 3-4x faster on what
 * `JSON.parse` produces (plain objects, arrays, primitives): the label model copies the few loaded
 * values it hands out as they are (a row's client metadata, answers of attributes of no known type). Anything
 * else (a Date, a Map, a typed array, a class instance, a cycle deeper than 256 levels) is copied by
 * `structuredClone`, so the result never aliases the input. Unlike `structuredClone`, two references to
 * one plain object become two separate copies.
 */
export function cloneJson<T>(value: T): T {
  return cloneValue(value, 0) as T
}

function cloneValue(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null)
    return typeof v === 'function' || typeof v === 'symbol' ? structuredClone(v) : v
  if (depth > CLONE_DEPTH_LIMIT) return structuredClone(v)
  const proto = Object.getPrototypeOf(v) as unknown
  if (proto === Array.prototype) {
    const a = v as unknown[]
    const out = new Array<unknown>(a.length)
    for (let i = 0; i < a.length; i++) if (i in a) out[i] = cloneValue(a[i], depth + 1)
    return out
  }
  if (proto !== Object.prototype && proto !== null) return structuredClone(v)
  const out: Raw = {}
  for (const k of Object.keys(v)) {
    const c = cloneValue((v as Raw)[k], depth + 1)
    // JSON.parse makes "__proto__" an own key; plain assignment would set the prototype instead.
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: c, writable: true, enumerable: true, configurable: true })
    else out[k] = c
  }
  return out
}
