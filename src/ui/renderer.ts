/**
 * How `run` shows its progress on stderr (STYLE C5): nothing under `--json`; a live view updated in
 * place on a terminal; plain lines otherwise: not a terminal, a 0×0 one (`script`, some CI), a dumb
 * terminal, CI, or debug output (which would tear a view that is redrawn in place).
 *
 * Only stderr counts: stdout may be redirected (`run > summary.txt`) while the user watches the
 * terminal. Colour is a separate choice, made per stream (ui/theme.ts).
 */
export type ProgressMode = 'silent' | 'lines' | 'live'

export interface ProgressSituation {
  json: boolean
  /** stderr is a terminal. */
  tty: boolean
  /** The terminal's size; 0 when it reports none. */
  columns: number
  rows: number
  /** TERM=dumb: no cursor movement. */
  dumb: boolean
  ci: boolean
  debug: boolean
}

export function pickProgressMode(m: ProgressSituation): ProgressMode {
  if (m.json) return 'silent'
  if (!m.tty || m.columns <= 0 || m.rows <= 0 || m.dumb || m.ci || m.debug) return 'lines'
  return 'live'
}

/** The situation of this process's stderr. */
export function progressSituation(
  options: { json: boolean; debug: boolean },
  env: NodeJS.ProcessEnv = process.env,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressSituation {
  return {
    json: options.json,
    tty: stream.isTTY === true,
    columns: stream.columns ?? 0,
    rows: stream.rows ?? 0,
    dumb: env.TERM === 'dumb',
    ci: isCi(env),
    debug: options.debug,
  }
}

/** `CI` as set by every major CI service (any value but empty/"false"/"0"). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI
  return v !== undefined && v !== '' && v !== 'false' && v !== '0'
}

/** `DEBUG` enables our debug namespace (`encord-agents*`, `*`). */
export function isDebugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.DEBUG
  if (!v) return false
  return v.split(/[\s,]+/).some((ns) => ns === '*' || ns.startsWith('encord-agents'))
}
