/** A JSON object as read off the wire or a file, before it is checked field by field. */
export type Raw = Record<string, unknown>

/** True for a plain object (not null, not an array): the one guard every JSON reader uses. */
export function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The named keys of an object, copied in the order named (the written order of a JSON file follows it). */
export function pick<T, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>
  for (const key of keys) out[key] = from[key]
  return out
}
