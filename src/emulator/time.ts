/**
 * Timestamps. The emulator keeps Unix milliseconds in memory and writes ISO 8601 to the fixture; on the
 * wire each surface uses the format the real service (or the SDK's own writes) uses:
 * - REST v2 DTOs: `2025-06-02T09:15:00.000000+00:00`
 * - legacy label row metadata: `2025-06-02 09:20:11`
 * - legacy label rows: `Wed, 04 Jun 2025 08:00:00 UTC`
 */

const NO_ZONE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/
const RFC1123_UTC = /^(.*) UTC$/

/** Parse any timestamp the SDK accepts (ISO 8601, `YYYY-MM-DD HH:MM:SS`, RFC 1123 with GMT/UTC); no zone means UTC. */
export function parseTimestamp(text: string): number | null {
  let s = text.trim()
  if (NO_ZONE.test(s)) s = s.replace(' ', 'T') + (s.length === 10 ? 'T00:00:00Z' : 'Z')
  else {
    const m = RFC1123_UTC.exec(s)
    if (m) s = `${m[1]} GMT`
    // Python writes microseconds; Date understands at most milliseconds.
    s = s.replace(/(\.\d{3})\d+/, '$1')
  }
  const ms = Date.parse(s)
  return Number.isNaN(ms) ? null : ms
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** `2025-06-02T09:15:00.000000+00:00` (REST v2). */
export function formatV2(ms: number | null): string | null {
  if (ms === null) return null
  const iso = new Date(ms).toISOString() // 2025-06-02T09:15:00.123Z
  return `${iso.slice(0, 23)}000+00:00`
}

/** `2025-06-02 09:20:11` (legacy label row metadata). */
export function formatSql(ms: number | null): string | null {
  if (ms === null) return null
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `Wed, 04 Jun 2025 08:00:00 UTC` (legacy label rows, as the SDK writes them). */
export function formatLabelRow(ms: number | null): string | null {
  if (ms === null) return null
  const d = new Date(ms)
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
}

/** ISO 8601 with milliseconds, for the fixture file. */
export function formatIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
