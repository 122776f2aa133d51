import { parseStack } from '../stack-frames.js'

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
  const frame = parseStack(holder.stack).find((f) => f.origin === 'user')
  return frame === undefined ? undefined : `${frame.file}:${frame.line}:${frame.column}`
}
