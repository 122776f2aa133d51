/**
 * Which listr2 renderer to use (lint-staged's rule, STYLE A6/C5): nothing under `--json`, one plain line
 * per update when there is no TTY, in CI, without colour or when debugging, and the live updating view
 * on an interactive terminal.
 */
export type RendererChoice = { renderer: 'silent' } | { renderer: 'simple' } | { renderer: 'default'; fallbackRenderer: 'simple' }

export interface RendererSituation {
  json: boolean
  tty: boolean
  color: boolean
  ci: boolean
  debug: boolean
}

export function pickRenderer(m: RendererSituation): RendererChoice {
  if (m.json) return { renderer: 'silent' }
  if (!m.tty || m.ci || !m.color || m.debug) return { renderer: 'simple' }
  return { renderer: 'default', fallbackRenderer: 'simple' }
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
