import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createJiti, type Jiti } from 'jiti'

/**
 * Loads user modules (config files, agent handlers) with jiti: TypeScript without a build step, ESM and
 * CJS alike, with source maps so stack traces point at the user's `.ts` lines.
 *
 * `import ... from 'encord-agents'` in those modules resolves to the package running this code, even
 * where encord-agents is not installed next to them (a global install, `npx`, our own templates). It is
 * served as a jiti virtual module holding the very module instance the CLI uses, so `defineAgent`
 * brands, error classes and `instanceof` checks agree between the CLI and user code.
 */

let jitiPromise: Promise<Jiti> | undefined

/** The running package's public entry (`dist/index.js` when built, `src/index.ts` under tsx/vitest). */
export function ownEntryPath(): string {
  for (const name of ['../../index.js', '../../index.ts']) {
    const file = fileURLToPath(new URL(name, import.meta.url))
    if (existsSync(file)) return file
  }
  return fileURLToPath(new URL('../../index.js', import.meta.url))
}

async function createLoader(): Promise<Jiti> {
  // Stack frames of transpiled modules map back to the user's source.
  process.setSourceMapsEnabled(true)
  const self = (await import(pathToFileURL(ownEntryPath()).href)) as Record<string, unknown>
  return createJiti(import.meta.url, {
    sourceMaps: true,
    virtualModules: { 'encord-agents': self },
    // Resolution of subpaths (`encord-agents/package.json`) goes to this package as well.
    alias: { 'encord-agents/package.json': fileURLToPath(new URL('../../../package.json', import.meta.url)) },
  })
}

/** The shared loader (created on first use). */
export function userModuleLoader(): Promise<Jiti> {
  jitiPromise ??= createLoader()
  return jitiPromise
}

/** Import a user module by absolute path; returns its namespace (not only the default export). */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const jiti = await userModuleLoader()
  return (await jiti.import(file)) as Record<string, unknown>
}

/**
 * jiti reports syntax errors as `Error("ParseError: <what>\n <file>:<line>:<col>")` with a 0-based
 * column. Returns the reason and a 1-based location, or undefined for any other error.
 */
export function parseSyntaxError(error: unknown): { reason: string; file: string; line: number; column: number } | undefined {
  if (!(error instanceof Error)) return undefined
  const m = /^(?:ParseError|SyntaxError): ([\s\S]*?)\s*\n\s*(.+):(\d+):(\d+)\s*$/.exec(error.message)
  if (!m) return undefined
  return { reason: m[1].trim(), file: m[2], line: Number(m[3]), column: Number(m[4]) + 1 }
}

/**
 * The first stack frame inside `file`, to point at the line of a user module that
 * threw while loading.
 */
export function frameIn(error: unknown, file: string): { file: string; line: number; column?: number } | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined
  const url = pathToFileURL(file).href
  for (const line of error.stack.split('\n')) {
    for (const name of [file, url]) {
      const i = line.indexOf(name + ':')
      if (i === -1) continue
      const m = /^:(\d+):(\d+)/.exec(line.slice(i + name.length))
      if (m) return checkedPosition(file, Number(m[1]), Number(m[2]))
    }
  }
  return undefined
}

/**
 * Source maps of transpiled modules are exact except on a module's first line, where the transpiler
 * puts its own prelude: a column past the end of the line is dropped rather than pointing nowhere.
 */
function checkedPosition(file: string, line: number, column: number): { file: string; line: number; column?: number } {
  try {
    const text = readFileSync(file, 'utf8').split(/\r?\n/)[line - 1]
    if (text === undefined) return { file, line }
    return column >= 1 && column <= text.length + 1 ? { file, line, column } : { file, line }
  } catch {
    return { file, line, column }
  }
}
