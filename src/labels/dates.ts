/**
 * Dates as label rows carry them. The SDK writes `"%a, %d %b %Y %H:%M:%S UTC"` (always UTC); older
 * payloads end in `GMT`; metadata uses ISO-8601 without an offset (meaning UTC), and some test data
 * has `"2023-02-09 14:12:03"`.
 */

/** `Tue, 02 Jan 2024 03:04:05 UTC`: the form label rows are saved with. */
export function formatEncordDate(date: Date): string {
  // toUTCString is RFC 7231 (`... GMT`), the same fields in the same order as the SDK's format.
  return date.toUTCString().replace(/GMT$/, 'UTC')
}

/** Parse any of the date forms Encord sends; `null` for null, empty or unparsable input. */
export function parseEncordDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  if (typeof value !== 'string' || value.trim() === '') return null
  let s = value.trim()
  if (/ UTC$/.test(s)) s = s.replace(/ UTC$/, ' GMT')
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = s.replace(' ', 'T') + 'Z' // no offset = UTC
  const ms = Date.parse(s)
  return Number.isNaN(ms) ? null : new Date(ms)
}
