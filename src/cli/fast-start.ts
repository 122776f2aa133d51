import { readFileSync } from 'node:fs'

/**
 * Answers for `encord-agents --version` and the top-level help without loading oclif (issue 17, item
 * 9). Loading `@oclif/core` alone costs about 2.5x a bare `node -e 0`; these two answers are asked for
 * most often and need nothing oclif computes at run time, so `bin/run.js` tries this first and hands
 * everything else to oclif. Only Node built-ins are imported here.
 *
 * The help text is oclif's own, rendered at build time by `scripts/build-manifest.mjs` into
 * `dist/cli/root-help.json` at oclif's default width (80 columns, what it uses when stdout is not a
 * terminal), in plain and coloured form. When the answer could differ from oclif's (a terminal narrower
 * than 80 columns, `OCLIF_COLUMNS`, a colour decision that is not clear-cut, no rendered file), this
 * returns false and oclif answers.
 */

/** What the build writes to `dist/cli/root-help.json`. */
export interface RenderedRootHelp {
  /** The oclif version line at build time, replaced by this process's at run time. */
  userAgent: string
  plain: string
  color: string
}

interface FastStartEnvironment {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdout: { isTTY?: boolean; columns?: number; write(text: string): unknown }
  /** `new URL('../package.json', import.meta.url)` of the bin, and the rendered help. */
  packageJson: URL
  rootHelp: URL
}

/** oclif's `config.userAgent`: `encord-agents/0.1.0 linux-x64 node-v20.19.0`. */
export function userAgent(pjson: { name: string; version: string }): string {
  return `${pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}`
}

/** True when it answered (the caller then exits); false to let oclif run. */
export function tryFastStart(e: FastStartEnvironment): boolean {
  const { argv } = e
  // oclif prints the version for `--version` as the first argument, whatever follows.
  if (argv[0] === '--version') {
    e.stdout.write(userAgent(readPackageJson(e.packageJson)) + '\n')
    return true
  }
  // oclif shows the root help for no arguments and for `--help` alone.
  if (argv.length === 0 || (argv.length === 1 && argv[0] === '--help')) return writeRootHelp(e)
  return false
}

function readPackageJson(url: URL): { name: string; version: string } {
  return JSON.parse(readFileSync(url, 'utf8')) as { name: string; version: string }
}

function writeRootHelp(e: FastStartEnvironment): boolean {
  if (e.env.OCLIF_COLUMNS !== undefined && e.env.OCLIF_COLUMNS !== '') return false
  // oclif wraps at 80 columns off a terminal, and on one at its width; wider terminals get the
  // 80-column text (it reads the same), narrower ones oclif's own wrapping.
  if (e.stdout.isTTY === true && (e.stdout.columns ?? 0) > 0 && (e.stdout.columns ?? 0) < 80) return false
  const color = colorDecision(e.env, e.stdout.isTTY === true)
  if (color === undefined) return false
  let rendered: RenderedRootHelp
  try {
    rendered = JSON.parse(readFileSync(e.rootHelp, 'utf8')) as RenderedRootHelp
  } catch {
    return false // not built yet (bin/dev.js, a partial build): oclif renders it
  }
  const text = color ? rendered.color : rendered.plain
  e.stdout.write(text.split(rendered.userAgent).join(userAgent(readPackageJson(e.packageJson))))
  return true
}

/**
 * Whether oclif's help would be coloured, by the rules of its colour library (ansis): a non-empty
 * NO_COLOR wins, then a numeric FORCE_COLOR, then CI and COLORTERM hints (left to oclif), then whether
 * stdout is a terminal (and TERM not dumb). Undefined when oclif should decide.
 */
export function colorDecision(env: NodeJS.ProcessEnv, tty: boolean): boolean | undefined {
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR !== undefined) {
    if (env.FORCE_COLOR === 'false') return false
    const level = Number.parseInt(env.FORCE_COLOR, 10)
    return Number.isNaN(level) ? undefined : level > 0
  }
  const hinted =
    ['COLORTERM', 'CI', 'TF_BUILD', 'PM2_HOME', 'NEXT_RUNTIME'].some((k) => env[k] !== undefined) ||
    Object.keys(env).some((k) => k.startsWith('TEAMCI'))
  if (hinted) return undefined
  if (!tty) return false
  return !/-mono|dumb/i.test(env.TERM ?? '')
}
