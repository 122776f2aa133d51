import { fileURLToPath } from 'node:url'

/**
 * The `file:line:column` of the user code that called one of our definition functions, read from a
 * fresh stack (Playwright records test locations the same way). Frames inside encord-agents itself
 * and Node internals are skipped. Returns undefined when no user frame is found.
 */
export function captureCallerLocation(): string | undefined {
  const holder: { stack?: string } = {}
  const previous = Error.stackTraceLimit
  Error.stackTraceLimit = 30
  Error.captureStackTrace(holder, captureCallerLocation)
  Error.stackTraceLimit = previous
  const lines = (holder.stack ?? '').split('\n').slice(1)
  for (const line of lines) {
    const location = parseFrame(line)
    if (location === undefined) continue
    if (isOwnFile(location.file)) continue
    return `${location.file}:${location.line}:${location.column}`
  }
  return undefined
}

const FRAME = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/

function parseFrame(line: string): { file: string; line: number; column: number } | undefined {
  const match = FRAME.exec(line.trim())
  if (match === null) return undefined
  let file = match[1]
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file)
    } catch {
      return undefined
    }
  }
  if (file.startsWith('node:') || file.startsWith('internal/') || file.includes('/node_modules/jiti/')) return undefined
  return { file, line: Number(match[2]), column: Number(match[3]) }
}

// Our own definition and runner code, in src/ (tests, tsx) or dist/ (the built package).
const OWN = /[/\\](?:src|dist)[/\\]core[/\\](?:agent|deps[/\\]|runner[/\\])/

function isOwnFile(file: string): boolean {
  return OWN.test(file) && !/\.test\.[cm]?[jt]s$/.test(file)
}
