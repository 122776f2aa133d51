import { fail } from '../../shared/error-catalogue/index.js'
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { cosmiconfig, type Loader } from 'cosmiconfig'
import { UserError } from '../../shared/errors.js'
import { isRecord } from '../../shared/records.js'
import type { EncordAgentsConfig } from './define.js'
import { ConfigInvalidError, displayPath, toConfigIssues } from './issues.js'
import { locateField, type FieldPath } from './locate.js'
import { frameIn, importUserModule, parseSyntaxError } from './module-loader.js'
import { ConfigSchema } from './schema.js'

/** Where cosmiconfig looks, in each directory from the start directory up to the project root. */
export const CONFIG_SEARCH_PLACES = [
  'encord-agents.config.ts',
  'encord-agents.config.mts',
  'encord-agents.config.js',
  'encord-agents.config.mjs',
  'encord-agents.config.cjs',
  'encord-agents.config.json',
  '.encord-agentsrc',
  '.encord-agentsrc.json',
  '.encord-agentsrc.yaml',
  '.encord-agentsrc.yml',
  '.encord-agentsrc.ts',
  '.encord-agentsrc.mts',
  '.encord-agentsrc.js',
  '.encord-agentsrc.mjs',
  '.encord-agentsrc.cjs',
  'package.json',
]

/** A config file, loaded and checked against the schema. */
export interface LoadedConfig {
  /** Absolute path of the file. */
  filepath: string
  /** Its directory: handler and fixture paths are relative to it. */
  dir: string
  /** The checked config, as written (defaults are filled in by `resolveRunSettings`). */
  config: EncordAgentsConfig
  /** `file:line:col` of a field, for messages (file alone when the field cannot be found). */
  locate(path: FieldPath): string
}

export interface LoadConfigOptions {
  /** `--config FILE` (relative to `cwd`). When absent the config is searched for from `cwd` up. */
  configPath?: string
  /** @default process.cwd() */
  cwd?: string
}

const codeLoader: Loader = async (filepath) => {
  let mod: Record<string, unknown>
  try {
    mod = await importUserModule(filepath)
  } catch (error) {
    throw new ConfigModuleError(filepath, error)
  }
  if ('default' in mod && mod.default !== undefined) return mod.default
  // CommonJS `module.exports = {...}` arrives as the namespace itself (its keys are the config's).
  if (isCommonJs(filepath)) return mod
  throw new ConfigModuleError(filepath, new NoDefaultExport(Object.keys(mod).filter((k) => k !== '__esModule')))
}

/** A `.cjs`/`.cts` file, or a `.js`/`.ts` one that assigns `module.exports` and has no `export` statement. */
function isCommonJs(filepath: string): boolean {
  if (/\.c[jt]s$/.test(filepath)) return true
  const text = safeRead(filepath) ?? ''
  return /\bmodule\.exports\s*=/.test(text) && !/^\s*export\s/m.test(text)
}

class NoDefaultExport extends Error {
  constructor(readonly names: string[]) {
    super('no default export')
  }
}

class ConfigModuleError extends Error {
  constructor(
    readonly filepath: string,
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original))
  }
}

function explorer() {
  return cosmiconfig('encord-agents', {
    searchPlaces: CONFIG_SEARCH_PLACES,
    searchStrategy: 'project',
    cache: false,
    loaders: {
      '.ts': codeLoader,
      '.mts': codeLoader,
      '.cts': codeLoader,
      '.js': codeLoader,
      '.mjs': codeLoader,
      '.cjs': codeLoader,
    },
  })
}

/**
 * The config file that `loadConfig` would find from `cwd`, without loading it: the same names, up to the
 * nearest directory with a package.json (cosmiconfig's "project" strategy). For hints that depend on
 * whether there is a config at all.
 */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_SEARCH_PLACES) {
      const file = join(dir, name)
      if (name === 'package.json') {
        if (existsSync(file) && hasPackageJsonKey(file)) return file
      } else if (existsSync(file)) return file
    }
    if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) return undefined
  }
}

function hasPackageJsonKey(file: string): boolean {
  try {
    return isRecord((JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)['encord-agents'])
  } catch {
    return false
  }
}

/**
 * Find (or take `--config`), load and validate the config. Every problem is a `UserError` naming the
 * file: not found, a syntax error (with line and column), a module that throws while loading, and
 * schema problems (all of them at once, each with its field path and location).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd()
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null
  try {
    if (options.configPath !== undefined) {
      const file = resolve(cwd, options.configPath)
      let stats: Stats | undefined
      try {
        stats = statSync(file)
      } catch {
        // reported below
      }
      if (!stats?.isFile()) {
        // `--config /dev/null` or a directory: say what is there instead of "does not exist".
        const what = stats === undefined ? 'does not exist' : `is ${describeNonFile(stats)}, not a config file`
        throw fail('ConfigNotFound.givenPath', { configPath: options.configPath, what })
      }
      found = await explorer().load(file)
    } else {
      found = await explorer().search(cwd)
    }
  } catch (error) {
    throw toLoadError(error, cwd)
  }
  if (!found) {
    throw fail('ConfigNotFound.searched', { cwd })
  }
  return checkConfig(found.config, found.filepath, cwd)
}

/** Validate an already loaded config value (exported for tests and for configs built in code). */
export function checkConfig(raw: unknown, filepath: string, cwd = process.cwd()): LoadedConfig {
  let text: string | undefined
  try {
    text = readFileSync(filepath, 'utf8')
  } catch {
    text = undefined
  }
  const shown = displayPath(filepath, cwd)
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const got =
      raw === undefined ? 'nothing' : Array.isArray(raw) ? 'a list' : raw === null ? 'null' : `a ${typeof raw}`
    throw fail('ConfigInvalid.notAConfigObject', { shown, got }, { location: shown })
  }
  const parsed = ConfigSchema.safeParse(raw, { reportInput: true })
  if (!parsed.success)
    throw new ConfigInvalidError(filepath, toConfigIssues(parsed.error.issues, filepath, text, cwd), cwd)
  return {
    filepath,
    dir: dirname(filepath),
    config: parsed.data,
    locate(path) {
      const value = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], raw)
      const pos = text === undefined ? undefined : locateField(text, path, { value })
      return pos ? `${shown}:${pos.line}:${pos.column}` : shown
    },
  }
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function toLoadError(error: unknown, cwd: string): unknown {
  if (error instanceof UserError) return error
  if (error instanceof ConfigModuleError) {
    const shown = displayPath(error.filepath, cwd)
    if (error.original instanceof NoDefaultExport) {
      const names = error.original.names
      return fail('ConfigNoDefaultExport', { shown, names }, { location: shown })
    }
    const syntax = parseSyntaxError(error.original)
    if (syntax) {
      return fail(
        'ConfigSyntaxError.syntax',
        { shown, reason: syntax.reason },
        { location: `${displayPath(syntax.file, cwd)}:${syntax.line}:${syntax.column}` },
      )
    }
    const where = frameIn(error.original, error.filepath)
    return fail(
      'ConfigLoadFailed',
      { shown, message: error.message },
      {
        location: where ? `${shown}:${where.line}${where.column === undefined ? '' : `:${where.column}`}` : shown,
        cause: error.original,
      },
    )
  }
  // cosmiconfig's JSON/YAML errors: "JSON Error in <file>:\n<reason>". V8 names a position for some
  // JSON errors ("... in JSON at position 14") and YAML a line and column; use them when present.
  if (error instanceof Error) {
    const m = /^(JSON|YAML) Error in (.+?):[ \t]*\n([\s\S]*)$/.exec(error.message)
    if (m) {
      const [, kind, file, detail] = m
      const shown = displayPath(file, cwd)
      let location = shown
      const position = /at position (\d+)/.exec(detail)
      const lineCol = /line (\d+),? column (\d+)/i.exec(detail) ?? /\((\d+):(\d+)\)/.exec(detail)
      if (position) {
        const text = safeRead(file)
        if (text !== undefined) {
          const before = text.slice(0, Number(position[1]))
          const line = before.split('\n').length
          location = `${shown}:${line}:${Number(position[1]) - before.lastIndexOf('\n')}`
        }
      } else if (lineCol) {
        location = `${shown}:${lineCol[1]}:${lineCol[2]}`
      }
      // V8 quotes the whole input after the reason: keep only the reason.
      const reasonLine = detail.split('\n').find((l) => l.trim() !== '' && !/^\s*>?\s*\d*\s*\|/.test(l)) ?? detail
      const reason = reasonLine
        .replace(/, ".*" is not valid JSON.*$/s, '')
        .replace(/ while parsing .*$/s, '')
        .trim()
      return fail('ConfigSyntaxError.unparsable', { shown, kind, reason, location }, { location })
    }
  }
  return error
}

function describeNonFile(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  if (stats.isFIFO()) return 'a pipe'
  if (stats.isSocket()) return 'a socket'
  return 'not a regular file'
}
