import { fail } from '../../shared/error-catalogue/index.js'
import { existsSync, statSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import { isAgentDefinition, type AgentDefinition } from '../agent.js'
import { inspectDependencyGraph } from '../deps/graph.js'
import type { DepsRecord } from '../deps/types.js'
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
    const stageLocation = entry.stage !== undefined ? loaded.locate(['agents', index, 'stage']) : location
    const definition = await loadHandlerModule(entry.handler, entry.stage, loaded.dir, location, cwd)
    // A config entry without `stage` takes the one given to defineAgent (typed projects, issue 18).
    const stage = entry.stage ?? definition.agent.stage
    if (stage === undefined) {
      throw fail(
        'MissingStage',
        { file: displayPath(definition.file, cwd) },
        { location, data: { handler: entry.handler } },
      )
    }
    checkAgentDependencies(definition.agent, stage, definition.file, location, cwd)
    out.push({
      stage,
      overwrite: entry.overwrite ?? false,
      handlerPath: definition.file,
      definition: definition.agent,
      location: stageLocation,
    })
  }
  return out
}

/** Load one handler module (`spec` relative to `dir`) and check its default export. */
export async function loadHandlerModule(
  spec: string,
  stage: string | undefined,
  dir: string,
  location: string,
  cwd = process.cwd(),
): Promise<{ file: string; agent: AgentDefinition<DepsRecord> }> {
  const { file, tried } = resolveModuleFile(resolve(dir, spec))
  const who = stage !== undefined ? `the agent for stage "${stage}"` : `the agent of config entry "${spec}"`
  if (!file) {
    throw fail(
      'HandlerNotFound',
      {
        spec,
        who,
        value: tried
          .slice(0, 4)
          .map((t) => displayPath(t, cwd))
          .join(', '),
        tried,
      },
      { location, data: { handler: spec, stage, tried } },
    )
  }
  const shown = displayPath(file, cwd)
  let mod: Record<string, unknown>
  try {
    mod = await importUserModule(file)
  } catch (error) {
    const syntax = parseSyntaxError(error)
    if (syntax) {
      throw fail(
        'HandlerSyntaxError',
        { shown, who, reason: syntax.reason },
        { location: `${displayPath(syntax.file, cwd)}:${syntax.line}:${syntax.column}` },
      )
    }
    const where = frameIn(error, file)
    const message = error instanceof Error ? error.message : String(error)
    throw fail(
      'HandlerLoadFailed',
      { shown, who, message },
      {
        location: where ? `${shown}:${where.line}${where.column === undefined ? '' : `:${where.column}`}` : location,
        cause: error,
      },
    )
  }
  const hasDefault = 'default' in mod && mod.default !== undefined
  if (!hasDefault) {
    const named = Object.keys(mod).filter((k) => k !== 'default' && k !== '__esModule')
    const agentExport = named.find((k) => isAgentDefinition(mod[k]))
    throw fail('HandlerNoDefaultExport', { shown, who, agentExport, named }, { location })
  }
  const value = mod.default
  if (!isAgentDefinition(value)) {
    const functionName = typeof value === 'function' ? value.name || 'yourHandler' : undefined
    throw fail('HandlerNotAnAgent', { shown, who, value: describe(value), functionName }, { location })
  }
  return { file, agent: value }
}

/**
 * The agent's dependency graph is checked as soon as its module is loaded (issue 6: "a cycle is
 * reported at load time"): a cycle, an entry of `deps` that is not a dependency, or a run-scoped
 * dependency needing a task-scoped one is a config error (exit 2) before any connection is made.
 * Every problem of the agent is listed, each with where the dependency was defined.
 */
function checkAgentDependencies(
  agent: AgentDefinition<DepsRecord>,
  stage: string,
  file: string,
  entryLocation: string,
  cwd: string,
): void {
  const { problems } = inspectDependencyGraph(agent.deps, 'handler')
  if (problems.length === 0) return
  const first = problems[0]
  // Messages name where each dependency was defined (absolute): shown relative, like every location.
  const lines = problems.map((p) => p.message.split(cwd + sep).join(''))
  throw fail(
    `${first.code}.inAgent`,
    { stage, file: displayPath(file, cwd), messages: lines, hint: first.hint },
    {
      location: first.location !== undefined ? displayLocation(first.location, cwd) : entryLocation,
      data: { stage, problems },
    },
  )
}

/** `/abs/file.ts:3:7` → `file.ts:3:7` relative to the working directory, like every other location. */
function displayLocation(location: string, cwd: string): string {
  const m = /^(.*?)(:\d+(?::\d+)?)$/.exec(location)
  return m ? `${displayPath(m[1], cwd)}${m[2]}` : location
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return 'an object without a handler made by defineAgent'
  return `a ${typeof value}`
}
