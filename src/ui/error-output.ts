import { readFileSync } from 'node:fs'
import { isAbsolute, resolve, sep } from 'node:path'
import { EncordAgentsError } from '../shared/errors.js'
import { redact, redactJson } from './redact.js'
import { terminalLines, TEXT_WIDTH } from './terminal-text.js'
import type { Theme } from './theme.js'

/** `{ error: {...} }`: what `--json` prints on failure. */
export interface ErrorJson {
  error: {
    code: string
    message: string
    hint?: string
    location?: string
    exitCode: number
    data?: Record<string, unknown>
  }
}

export function toErrorJson(error: EncordAgentsError): ErrorJson {
  const out: ErrorJson['error'] = { code: error.code, message: redact(error.message), exitCode: error.exitCode }
  if (error.hint) out.hint = redact(error.hint)
  if (error.location) out.location = error.location
  if (error.data) out.data = redactJson(JSON.parse(JSON.stringify(error.data)) as Record<string, unknown>)
  return { error: out }
}

/** Split `file:line:col` (the file part may itself contain colons). */
export function parseLocation(location: string): { file: string; line?: number; column?: number } {
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(location)
  if (!m) return { file: location }
  return { file: m[1], line: Number(m[2]), column: m[3] === undefined ? undefined : Number(m[3]) }
}

/**
 * Up to three lines around `line` of `file`, with a caret under `column`. Empty when the file cannot
 * be read (a location is a hint, never a reason to fail).
 */
export function codeFrame(
  file: string,
  line: number,
  column: number | undefined,
  theme: Theme,
  cwd = process.cwd(),
): string {
  let text: string
  try {
    text = readFileSync(isAbsolute(file) ? file : resolve(cwd, file), 'utf8')
  } catch {
    return ''
  }
  const lines = text.split(/\r?\n/)
  if (line < 1 || line > lines.length) return ''
  const from = Math.max(1, line - 1)
  const to = Math.min(lines.length, line + 1)
  const width = String(to).length
  const out: string[] = []
  for (let n = from; n <= to; n++) {
    const marker = n === line ? theme.error('>') : ' '
    out.push(`  ${marker} ${theme.dim(String(n).padStart(width) + ' |')} ${lines[n - 1]}`)
    if (n === line && column !== undefined && column >= 1) {
      out.push(`    ${' '.repeat(width)} ${theme.dim('|')} ${' '.repeat(column - 1)}${theme.error('^')}`)
    }
  }
  return out.join('\n')
}

export interface FormatErrorOptions {
  theme: Theme
  /** Print stacks (of the error and its causes). */
  verbose: boolean
  cwd?: string
}

/**
 * Human form of an error, for stderr: the message, where (with a code frame when the line is known),
 * what caused it, and "Try: <hint>". Key material is redacted from every line.
 */
export function formatError(error: EncordAgentsError, { theme, verbose, cwd }: FormatErrorOptions): string {
  const out: string[] = []
  const base = (cwd ?? process.cwd()).replace(/[\\/]+$/, '') + sep
  // Paths under the working directory read better relative (locations from stacks are absolute).
  const rel = (text: string) => (base.length > 1 ? text.split(base).join('') : text)
  // Messages may quote a server's answer or a fixture: printable text only (--json keeps them whole).
  out.push(`${theme.error('✖')} ${theme.bold(rel(terminalLines(error.message)))}`)
  if (error.location) {
    out.push(`  ${theme.dim('at')} ${rel(error.location)}`)
    const loc = parseLocation(error.location)
    if (loc.line !== undefined) {
      const frame = codeFrame(loc.file, loc.line, loc.column, theme, cwd)
      if (frame) out.push(frame)
    }
  }
  for (const cause of causes(error)) {
    const message =
      cause instanceof Error
        ? `${cause.name && cause.name !== 'Error' ? cause.name + ': ' : ''}${cause.message}`
        : String(cause)
    out.push(`  ${theme.dim('cause:')} ${terminalLines(message)}`)
  }
  if (error.hint) out.push(`  ${theme.accent('Try:')} ${rel(terminalLines(error.hint))}`)
  if (verbose) {
    out.push('', theme.dim(terminalLines(error.stack ?? '', TEXT_WIDTH, 200)))
    for (const cause of causes(error))
      if (cause instanceof Error && cause.stack)
        out.push(theme.dim(`Caused by: ${terminalLines(cause.stack, TEXT_WIDTH, 200)}`))
  } else if (error.exitCode === 10) {
    out.push(`  ${theme.dim('Run again with --verbose (or DEBUG=encord-agents*) to see the stack trace.')}`)
  }
  return redact(out.join('\n'))
}

/** The cause chain, skipping causes whose message the error already repeats. */
function causes(error: Error): unknown[] {
  const out: unknown[] = []
  let current: unknown = error.cause
  let previous: string = error.message
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current)
    if (!previous.includes(message)) out.push(current)
    previous = message
    current = current instanceof Error ? current.cause : undefined
  }
  return out
}
