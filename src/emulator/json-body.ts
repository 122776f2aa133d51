/**
 * How deep a JSON body may nest. Bodies are checked before they are parsed: V8's `JSON.parse`,
 * `JSON.stringify` and `structuredClone` recurse, so a body nested tens of thousands of levels used to
 * get through the parse and then fail later (answering 500 after the state had changed, and making
 * every later write of the fixture fail). Real bodies nest far less: a label row with nested
 * classifications is a few dozen levels.
 */
import { badRequest, type EmulatorHttpError } from './http-error.js'

export const MAX_JSON_DEPTH = 256

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/**
 * Whether `body` (JSON text, UTF-8) nests arrays and objects more than `max` levels. One pass over the
 * bytes, strings skipped; no recursion, whatever the input (malformed JSON is left to the parser).
 */
export function exceedsJsonDepth(body: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--
  }
  return false
}

/** The 400 for a body nested too deep (nothing was changed). */
export const tooDeep = (): EmulatorHttpError =>
  badRequest(
    `The request body is nested more than ${MAX_JSON_DEPTH} levels deep; the emulator refuses it before changing anything.`,
  )
