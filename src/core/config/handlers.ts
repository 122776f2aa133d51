import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { isAgentDefinition, type AgentDefinition } from '../agent.js'
import type { DepsRecord } from '../deps/types.js'
import { UserError } from '../errors.js'
import { displayPath } from './issues.js'
import type { LoadedConfig } from './load.js'
import { frameIn, importUserModule, parseSyntaxError } from './module-loader.js'

/** One configured agent with its handler module loaded. */
export interface LoadedAgent {
  /** Stage title or UUID, as configured. */
  stage: string
  overwrite: boolean
  /** Absolute path of the handler module. */
  handlerPath: string
  definition: AgentDefinition<DepsRecord>
  /** `file:line:col` of this agent's entry in the config. */
  location: string
}

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']

/** `./agent` → `./agent.ts` (and `./agents` → `./agents/index.ts`), as a bundler would resolve it. */
function resolveModuleFile(base: string): { file?: string; tried: string[] } {
  const ext = /\.(m|c)?(ts|js)$/.exec(base)
  const tried = ext
    ? // `./agent.js` written for a `.ts` file (NodeNext style) is found too.
      [base, ...(ext[2] === 'js' ? [base.slice(0, -ext[0].length) + `.${ext[1] ?? ''}ts`] : [])]
    : [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => `${base}/index${e}`)]
  for (const candidate of tried) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return { file: candidate, tried }
  }
  return { tried }
}

/**
 * Load every agent's handler module. Each failure is its own `UserError` pointing at the agent's
 * entry in the config: module not found, a syntax error in it, an error thrown while importing it,
 * no default export, a default export that is not `defineAgent(...)`.
 */
export async function loadAgents(loaded: LoadedConfig, cwd = process.cwd()): Promise<LoadedAgent[]> {
  const out: LoadedAgent[] = []
  for (const [index, entry] of loaded.config.agents.entries()) {
    const location = loaded.locate(['agents', index, 'handler'])
    const stageLocation = loaded.locate(['agents', index, 'stage'])
    const definition = await loadHandlerModule(entry.handler, entry.stage, loaded.dir, location, cwd)
    out.push({ stage: entry.stage, overwrite: entry.overwrite ?? false, handlerPath: definition.file, definition: definition.agent, location: stageLocation })
  }
  return out
}

/** Load one handler module (`spec` relative to `dir`) and check its default export. */
export async function loadHandlerModule(
  spec: string,
  stage: string,
  dir: string,
  location: string,
  cwd = process.cwd(),
): Promise<{ file: string; agent: AgentDefinition<DepsRecord> }> {
  const { file, tried } = resolveModuleFile(resolve(dir, spec))
  const who = `the agent for stage "${stage}"`
  if (!file) {
    throw new UserError('HandlerNotFound', `Handler module "${spec}" of ${who} was not found.`, {
      location,
      hint: `Create it, or fix the path (it is relative to the config file). Looked for: ${tried.slice(0, 4).map((t) => displayPath(t, cwd)).join(', ')}${tried.length > 4 ? ', ...' : ''}.`,
      data: { handler: spec, stage, tried },
    })
  }
  const shown = displayPath(file, cwd)
  let mod: Record<string, unknown>
  try {
    mod = await importUserModule(file)
  } catch (error) {
    const syntax = parseSyntaxError(error)
    if (syntax) {
      throw new UserError('HandlerSyntaxError', `Handler module ${shown} of ${who} has a syntax error: ${syntax.reason}`, {
        location: `${displayPath(syntax.file, cwd)}:${syntax.line}:${syntax.column}`,
        hint: 'Fix the syntax at the location shown.',
      })
    }
    const where = frameIn(error, file)
    const message = error instanceof Error ? error.message : String(error)
    throw new UserError('HandlerLoadFailed', `Handler module ${shown} of ${who} threw an error while loading: ${message}`, {
      location: where ? `${shown}:${where.line}${where.column === undefined ? '' : `:${where.column}`}` : location,
      hint: 'Code at the top level of the module runs when it is loaded: fix what throws (or the import it cannot resolve), or move it into the handler. Run with --verbose for the stack trace.',
      cause: error,
    })
  }
  const hasDefault = 'default' in mod && mod.default !== undefined
  if (!hasDefault) {
    const named = Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule')
    const agentExport = named.find((k) => isAgentDefinition(mod[k]))
    throw new UserError('HandlerNoDefaultExport', `Handler module ${shown} of ${who} has no default export.`, {
      location,
      hint: agentExport
        ? `It exports an agent named "${agentExport}": make it the default export (\`export default defineAgent({ ... })\`).`
        : `Add \`export default defineAgent({ handler: async ({ task }) => ... })\` to ${shown}.${named.length ? ` (It exports: ${named.join(', ')}.)` : ''}`,
    })
  }
  const value = mod.default
  if (!isAgentDefinition(value)) {
    const hint =
      typeof value === 'function'
        ? `It exports a plain function: wrap it, \`export default defineAgent({ handler: ${value.name || 'yourHandler'} })\`.`
        : `Write \`export default defineAgent({ handler: async ({ task }) => ... })\` (import { defineAgent } from 'encord-agents').`
    throw new UserError('HandlerNotAnAgent', `The default export of ${shown} (${who}) is not an agent made with defineAgent(); it is ${describe(value)}.`, {
      location,
      hint,
    })
  }
  return { file, agent: value }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return 'an object without a handler made by defineAgent'
  return `a ${typeof value}`
}
