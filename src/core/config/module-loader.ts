import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createJiti, type Jiti } from 'jiti'
import { parseStack, setPositionMapper } from '../stack-frames.js'

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
  process.setSourceMapsEnabled(true)
  const self = (await import(pathToFileURL(ownEntryPath()).href)) as Record<string, unknown>
  const jiti = createJiti(import.meta.url, {
    sourceMaps: true,
    virtualModules: { 'encord-agents': self },
    // Resolution of subpaths (`encord-agents/package.json`) goes to this package as well.
    alias: { 'encord-agents/package.json': fileURLToPath(new URL('../../../package.json', import.meta.url)) },
  })
  setPositionMapper(sourcePositions(jiti))
  return jiti
}

/**
 * Where a stack frame of a user's TypeScript module points in its source. jiti evaluates transpiled
 * code with `vm`, and Node 20 applies no source map to `vm` code: frames carry the transpiled
 * column (the line is kept by the transpiler). The map is jiti's own: the module transformed again
 * with the options jiti imports it with (a hit in jiti's cache), its inline source map read with
 * node:module's SourceMap. Line 1 is left as it is (jiti prefixes it with its module wrapper).
 */
function sourcePositions(
  jiti: Jiti,
): (file: string, line: number, column: number) => { line: number; column: number } | undefined {
  const maps = new Map<string, SourceMap | null>()
  const mapOf = (file: string): SourceMap | null => {
    try {
      const code = jiti.transform({ filename: file, source: readFileSync(file, 'utf8'), ts: true, async: true })
      // jiti's cache may append a comment of its own after the map.
      const inline = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/.exec(
        code,
      )
      return inline === null
        ? null
        : new SourceMap(
            JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')) as ConstructorParameters<typeof SourceMap>[0],
          )
    } catch {
      return null
    }
  }
  return (file, line, column) => {
    if (line <= 1 || !/\.[cm]?tsx?$/.test(file)) return undefined
    let map = maps.get(file)
    if (map === undefined) maps.set(file, (map = mapOf(file)))
    // Node's types say `{} | SourceMapping` (an empty object when nothing maps).
    const entry: { originalLine?: number; originalColumn?: number } | undefined = map?.findEntry(line - 1, column - 1)
    if (entry?.originalLine === undefined || entry.originalColumn === undefined) return undefined
    return { line: entry.originalLine + 1, column: entry.originalColumn + 1 }
  }
}

/** The shared loader (created on first use). */
export function userModuleLoader(): Promise<Jiti> {
  jitiPromise ??= createLoader()
  return jitiPromise
}

/** Import a user module by absolute path; returns its namespace (not only the default export). */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const jiti = await userModuleLoader()
  return await jiti.import<Record<string, unknown>>(file)
}

/**
 * jiti reports syntax errors as `Error("ParseError: <what>\n <file>:<line>:<col>")` with a 0-based
 * column. Returns the reason and a 1-based location, or undefined for any other error.
 */
export function parseSyntaxError(
  error: unknown,
): { reason: string; file: string; line: number; column: number } | undefined {
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
  if (!(error instanceof Error)) return undefined
  const frame = parseStack(error.stack).find((f) => f.file === file)
  return frame?.line === undefined || frame.column === undefined
    ? undefined
    : checkedPosition(file, frame.line, frame.column)
}

/**
 * Frames are mapped to the source (see sourcePositions) except on a module's first line, where jiti
 * puts its module wrapper: a column past the end of the line is dropped rather than pointing nowhere.
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
