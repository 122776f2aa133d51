import type { LabelRowDict } from './types.js'

/**
 * The labels a label row save writes (each data unit's `labels`, object and classification answers,
 * object actions), as a canonical string: two rows with the same labels give the same fingerprint,
 * whatever their key order or metadata. Used to tell whether a save whose answer was lost did land.
 */
export function labelsFingerprint(row: LabelRowDict): string {
  const units =
    typeof row.data_units === 'object' && row.data_units !== null ? (row.data_units as Record<string, unknown>) : {}
  return canonical({
    data_units: Object.fromEntries(
      Object.entries(units).map(([hash, unit]) => [
        hash,
        typeof unit === 'object' && unit !== null ? ((unit as Record<string, unknown>).labels ?? null) : null,
      ]),
    ),
    object_answers: row.object_answers ?? {},
    classification_answers: row.classification_answers ?? {},
    object_actions: row.object_actions ?? {},
  })
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
