/** A JSON object as read off the wire or a file, before it is checked field by field. */
export type Raw = Record<string, unknown>

/** True for a plain object (not null, not an array): the one guard every JSON reader uses. */
export function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
