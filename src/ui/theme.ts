import { Chalk, type ChalkInstance } from 'chalk'

/**
 * The one place chalk is used. Colour is decided per stream: on only when that stream is a TTY and
 * neither `NO_COLOR` nor `FORCE_COLOR=0` is set (https://no-color.org), so `run > summary.txt` on a
 * terminal keeps colour in the progress (stderr) and none in the file. `--json` output never goes
 * through here.
 */
export function isColorEnabled(
  env: NodeJS.ProcessEnv = process.env,
  stream: { isTTY?: boolean } = process.stderr,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return true
  return Boolean(stream.isTTY)
}

export interface Theme {
  error(text: string): string
  warn(text: string): string
  ok(text: string): string
  dim(text: string): string
  bold(text: string): string
  code(text: string): string
  accent(text: string): string
  /** Whether colour codes are emitted at all. */
  readonly color: boolean
}

export function createTheme(color = isColorEnabled()): Theme {
  const c: ChalkInstance = new Chalk({ level: color ? 1 : 0 })
  return {
    color,
    error: (t) => c.red(t),
    warn: (t) => c.yellow(t),
    ok: (t) => c.green(t),
    dim: (t) => c.dim(t),
    bold: (t) => c.bold(t),
    code: (t) => c.cyan(t),
    accent: (t) => c.magenta(t),
  }
}

/** The theme of what goes to stderr (progress, notices, errors). */
export const theme: Theme = createTheme(isColorEnabled(process.env, process.stderr))

/** The theme of what goes to stdout (results, summaries, tables). */
export const stdoutTheme: Theme = createTheme(isColorEnabled(process.env, process.stdout))
