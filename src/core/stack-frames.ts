import { isAbsolute, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Reading V8 stack traces to find the user's own code: where a handler threw (`agent.ts:12:9`, the
 * summary's and `--json`'s `errors[].at`), the user-code stack `--verbose` prints, and where
 * `defineAgent`/`runner.stage` were called. User modules are loaded by jiti with source maps on
 * (core/config/module-loader.ts), so their frames already carry the TypeScript file, line and column.
 */

/** Where a frame's code lives. */
export type FrameOrigin = 'user' | 'encord-agents' | 'node' | 'dependency'

export interface StackFrame {
  /** The frame line as V8 wrote it, without its indentation (`at handler (/p/agent.ts:12:9)`). */
  text: string
  /** The file path (file: URLs turned into paths); undefined for native frames (`<anonymous>`). */
  file?: string
  line?: number
  column?: number
  origin: FrameOrigin
}

// The package root (this file is src/core/ or dist/core/): our code is its src/, dist/ and bin/.
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const OWN_DIRS = ['src', 'dist', 'bin'].map((d) => PACKAGE_ROOT + d + sep)
const LOCATION = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?$/

/**
 * Maps a generated position of a module back to its source, when the module was transformed on the
 * fly (jiti runs TypeScript through `vm`, whose frames Node 20 does not source-map); undefined
 * otherwise. Registered by the module loader (core/config/module-loader.ts) once it exists, so this
 * file imports nothing heavy.
 */
export type PositionMapper = (
  file: string,
  line: number,
  column: number,
) => { line: number; column: number } | undefined
let mapPosition: PositionMapper = () => undefined

export function setPositionMapper(mapper: PositionMapper): void {
  mapPosition = mapper
}

/** Every `at ...` line of a stack, parsed and classified. */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (stack === undefined) return []
  const frames: StackFrame[] = []
  for (const raw of stack.split('\n')) {
    const text = raw.trim()
    if (!text.startsWith('at ')) continue
    frames.push(parseFrame(text))
  }
  return frames
}

function parseFrame(text: string): StackFrame {
  const match = LOCATION.exec(text)
  if (match === null) return { text, origin: 'node' } // `at new Promise (<anonymous>)`, `at async Promise.all (index 0)`
  let file = match[1]
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file)
    } catch {
      return { text, origin: 'node' }
    }
  }
  const line = Number(match[2])
  const column = Number(match[3])
  const origin = originOf(file)
  const original = origin === 'user' ? mapPosition(file, line, column) : undefined
  return { text, file, line: original?.line ?? line, column: original?.column ?? column, origin }
}

/**
 * Node's own modules, encord-agents itself (and jiti, the loader it runs user modules with), other
 * installed packages, or the user's code. Test files inside this repository count as user code: they
 * are where tests define their agents.
 */
export function originOf(file: string): FrameOrigin {
  if (file.startsWith('node:') || !isAbsolute(file)) return 'node'
  if (OWN_DIRS.some((d) => file.startsWith(d)) && !/\.test\.[cm]?[jt]s$/.test(file)) return 'encord-agents'
  if (/[/\\]node_modules[/\\]jiti[/\\]/.test(file)) return 'encord-agents'
  if (/[/\\]node_modules[/\\]/.test(file)) return 'dependency'
  return 'user'
}

/** A path as people read it: relative to `cwd` when inside it (`agent.ts`), else absolute. */
export function displayFile(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

/** `agent.ts:12:9` for a frame with a location. */
export function frameLocation(frame: StackFrame, cwd?: string): string | undefined {
  if (frame.file === undefined) return undefined
  return `${displayFile(frame.file, cwd)}:${frame.line}:${frame.column}`
}

/** The first frame in the user's code, as `agent.ts:12:9` (undefined when the stack has none). */
export function userLocation(stack: string | undefined, cwd?: string): string | undefined {
  const frame = parseStack(stack).find((f) => f.origin === 'user')
  return frame === undefined ? undefined : frameLocation(frame, cwd)
}

/**
 * The stack for people: the user's frames (and other packages') as they are, with their paths made
 * relative; each run of frames inside encord-agents or inside Node collapsed into one line.
 * Undefined when no frame is in user code (then the stack says nothing the user can act on).
 */
export function userStack(stack: string | undefined, cwd?: string): string[] | undefined {
  const frames = parseStack(stack)
  if (!frames.some((f) => f.origin === 'user')) return undefined
  const lines: string[] = []
  for (let i = 0; i < frames.length;) {
    const frame = frames[i]
    if (frame.origin === 'encord-agents' || frame.origin === 'node') {
      let n = 0
      while (i < frames.length && frames[i].origin === frame.origin) {
        i++
        n++
      }
      lines.push(`at … ${n} frame${n === 1 ? '' : 's'} in ${frame.origin === 'node' ? 'Node' : 'encord-agents'}`)
      continue
    }
    const location = frameLocation(frame, cwd)
    const name = /^at (.+?) \(/.exec(frame.text)?.[1]
    lines.push(location === undefined ? frame.text : name !== undefined ? `at ${name} (${location})` : `at ${location}`)
    i++
  }
  return lines
}
