/**
 * Small helpers for writing label JSON exactly: known keys in the SDK's order (only those that are
 * set), then keys we do not model in the order they came.
 */
export type Raw = Record<string, unknown>

export function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

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
export function rest(raw: Raw, drop: Iterable<string>): Raw {
  const skip = new Set(drop)
  const out: Raw = {}
  for (const [k, v] of Object.entries(raw)) if (!skip.has(k)) out[k] = v
  return out
}
