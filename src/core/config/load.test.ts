import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAgentDefinition } from '../agent.js'
import { UserError } from '../../shared/errors.js'
import { loadAgents } from './handlers.js'
import { ConfigInvalidError } from './issues.js'
import { CONFIG_SEARCH_PLACES, loadConfig } from './load.js'
import { resolveRunSettings, resolveTarget } from './resolve.js'

let dir: string

function write(rel: string, text: string): string {
  const file = join(dir, rel)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}

async function loadError(options: Parameters<typeof loadConfig>[0] = {}): Promise<UserError> {
  try {
    await loadConfig({ cwd: dir, ...options })
  } catch (error) {
    expect(error).toBeInstanceOf(UserError)
    return error as UserError
  }
  throw new Error('expected loadConfig to fail')
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ea-config-'))
  // Stop the upward search here: cosmiconfig's "project" strategy ends at a package.json.
  writeFileSync(join(dir, 'package.json'), '{ "name": "fixture", "private": true }')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('finding the config', () => {
  it('finds encord-agents.config.ts from a subdirectory, importing encord-agents', async () => {
    write(
      'encord-agents.config.ts',
      `import { defineConfig } from 'encord-agents'\nexport default defineConfig({ projectHash: 'p-1', agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })\n`,
    )
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true })
    const loaded = await loadConfig({ cwd: join(dir, 'sub', 'deeper') })
    expect(loaded.filepath).toBe(join(dir, 'encord-agents.config.ts'))
    expect(loaded.dir).toBe(dir)
    expect(loaded.config).toMatchObject({ projectHash: 'p-1', agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })
    expect(loaded.locate(['agents', 0, 'stage'])).toMatch(/encord-agents\.config\.ts:2:\d+$/)
  })

  it('reads .encord-agentsrc.json and the encord-agents key of package.json', async () => {
    write('.encord-agentsrc.json', JSON.stringify({ agents: [{ stage: 'A', handler: './a.ts' }] }))
    expect((await loadConfig({ cwd: dir })).config.agents[0].stage).toBe('A')
    rmSync(join(dir, '.encord-agentsrc.json'))
    write(
      'package.json',
      JSON.stringify({ name: 'x', 'encord-agents': { agents: [{ stage: 'B', handler: './b.ts' }] } }),
    )
    const loaded = await loadConfig({ cwd: dir })
    expect(loaded.filepath).toBe(join(dir, 'package.json'))
    expect(loaded.config.agents[0].stage).toBe('B')
  })

  // Every name cosmiconfig looks for (CONFIG_SEARCH_PLACES), each with a module that imports encord-agents where it can.
  const agentsJson = `{ "agents": [{ "stage": "Agent 1", "handler": "./agent.ts" }] }`
  const esm = `import { defineConfig } from 'encord-agents'\nexport default defineConfig({ agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })\n`
  const cjs = `const { defineConfig } = require('encord-agents')\nmodule.exports = defineConfig({ agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })\n`
  const yaml = `agents:\n  - stage: Agent 1\n    handler: ./agent.ts\n`
  const discovery: Array<[string, string]> = [
    ['encord-agents.config.ts', esm],
    ['encord-agents.config.mts', esm],
    ['encord-agents.config.js', esm],
    ['encord-agents.config.mjs', esm],
    ['encord-agents.config.cjs', cjs],
    ['encord-agents.config.json', agentsJson],
    ['.encord-agentsrc', yaml],
    ['.encord-agentsrc.json', agentsJson],
    ['.encord-agentsrc.yaml', yaml],
    ['.encord-agentsrc.yml', yaml],
    ['.encord-agentsrc.ts', esm],
    ['.encord-agentsrc.mts', esm],
    ['.encord-agentsrc.js', esm],
    ['.encord-agentsrc.mjs', esm],
    ['.encord-agentsrc.cjs', cjs],
  ]
  it('every search place is tested here', () => {
    expect([...discovery.map(([name]) => name), 'package.json']).toEqual(CONFIG_SEARCH_PLACES)
  })
  it.each(discovery)('finds %s (searching up from a subdirectory)', async (name, text) => {
    write(name, text)
    mkdirSync(join(dir, 'sub'))
    const loaded = await loadConfig({ cwd: join(dir, 'sub') })
    expect(loaded.filepath).toBe(join(dir, name))
    expect(loaded.config.agents).toEqual([{ stage: 'Agent 1', handler: './agent.ts' }])
  })
  it('a CommonJS encord-agents.config.js (module.exports) works too', async () => {
    write('encord-agents.config.js', cjs)
    expect((await loadConfig({ cwd: dir })).config.agents[0].stage).toBe('Agent 1')
  })
  it('.encord-agentsrc holding JSON works too', async () => {
    write('.encord-agentsrc', agentsJson)
    expect((await loadConfig({ cwd: dir })).config.agents[0].stage).toBe('Agent 1')
  })

  it('loads --config FILE relative to the working directory', async () => {
    write('configs/my.config.mjs', `export default { agents: [{ stage: 'S', handler: '../h.ts' }] }\n`)
    const loaded = await loadConfig({ cwd: dir, configPath: 'configs/my.config.mjs' })
    expect(loaded.dir).toBe(join(dir, 'configs'))
  })

  it('says so when --config does not exist', async () => {
    const error = await loadError({ configPath: 'nope.config.ts' })
    expect(error.code).toBe('ConfigNotFound')
    expect(error.message).toContain('nope.config.ts does not exist')
    expect(error.exitCode).toBe(2)
  })

  it('says how to create one when none is found', async () => {
    const error = await loadError()
    expect(error.code).toBe('ConfigNotFound')
    expect(error.hint).toContain('encord-agents init')
  })
})

describe('config errors', () => {
  it('reports every schema problem at once, with field paths, expectations and locations', async () => {
    write(
      'encord-agents.config.ts',
      [
        `export default {`, // 1
        `  projectHash: 42,`, // 2
        `  agents: [`, // 3
        `    { stage: 'Agent 1', handler: './a.ts' },`, // 4
        `    { stage: 7, handler: './b.ts', overwrite: 'yes' },`, // 5
        `  ],`, // 6
        `  run: { batchSize: 10, numRetries: -1, concurrency: 1.5 },`, // 7
        `  colour: true,`, // 8
        `}`,
      ].join('\n'),
    )
    const error = await loadError()
    expect(error).toBeInstanceOf(ConfigInvalidError)
    const issues = (error as ConfigInvalidError).issues
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]))
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'agents[1].overwrite',
        'agents[1].stage',
        'colour',
        'projectHash',
        'run.batchSize',
        'run.concurrency',
        'run.numRetries',
      ].sort(),
    )
    expect(byPath.projectHash.message).toBe('Expected the project hash (a UUID) as a string, got the number 42.')
    expect(byPath.projectHash.location).toBe('encord-agents.config.ts:2:3')
    expect(byPath['agents[1].stage'].message).toBe('Expected a stage title or UUID, e.g. "Agent 1", got the number 7.')
    expect(byPath['agents[1].stage'].location).toBe('encord-agents.config.ts:5:7')
    expect(byPath['agents[1].overwrite'].message).toBe('Expected true or false, got the string "yes".')
    expect(byPath['run.batchSize'].message).toContain('Unknown option "batchSize". Did you mean "taskBatchSize"?')
    expect(byPath['run.batchSize'].location).toBe('encord-agents.config.ts:7:10')
    expect(byPath['run.numRetries'].message).toBe('Must be at least 0, got the number -1.')
    expect(byPath['run.concurrency'].message).toBe('Expected a whole number, got the number 1.5.')
    expect(byPath.colour.message).toContain('Unknown option "colour".')
    expect(byPath.colour.location).toBe('encord-agents.config.ts:8:3')
    expect(error.message).toContain('encord-agents.config.ts is not a valid encord-agents config (7 problems)')
    expect(error.location).toBe(issues[0].location)
  })

  it('requires at least one agent', async () => {
    write('encord-agents.config.json', JSON.stringify({ agents: [] }, null, 2))
    const error = (await loadError()) as ConfigInvalidError
    expect(error.issues).toEqual([
      {
        path: 'agents',
        message: 'Declare at least one agent: agents: [{ stage, handler }]',
        location: 'encord-agents.config.json:2:3',
      },
    ])
  })

  it('says what a config must export', async () => {
    write('encord-agents.config.mjs', `export default [1, 2]\n`)
    const error = await loadError()
    expect(error.code).toBe('ConfigInvalid')
    expect(error.message).toContain('must export a config object')
    expect(error.message).toContain('it exports a list')
  })

  it('reports a TypeScript syntax error with its line and column', async () => {
    write('encord-agents.config.ts', `export default {\n  agents: [ { stage: 'a', handler: './h.ts' ,\n}\n`)
    const error = await loadError()
    expect(error.code).toBe('ConfigSyntaxError')
    expect(error.message).toMatch(/^encord-agents\.config\.ts has a syntax error: Unexpected token/)
    expect(error.location).toMatch(/^encord-agents\.config\.ts:\d+:\d+$/)
  })

  it('reports a JSON syntax error with its line and column', async () => {
    write('encord-agents.config.json', `{\n  "agents": [,]\n}\n`)
    const error = await loadError()
    expect(error.code).toBe('ConfigSyntaxError')
    expect(error.message).toBe(`encord-agents.config.json is not valid JSON: Unexpected token ','`)
    expect(error.location).toBe('encord-agents.config.json')
    write('encord-agents.config.json', `{\n  "agents": [],\n}\n`)
    const trailing = await loadError()
    expect(trailing.message).toMatch(/^encord-agents\.config\.json is not valid JSON: /)
    expect(trailing.location).toMatch(/^encord-agents\.config\.json(:3:1)?$/)
  })

  it('points at the line of a config that throws while loading (source maps)', async () => {
    write(
      'encord-agents.config.ts',
      `const limit: number = 3\ninterface X { a: string }\nfunction check(): never {\n  throw new Error('PROJECT env missing')\n}\nexport default check()\n`,
    )
    const error = await loadError()
    expect(error.code).toBe('ConfigLoadFailed')
    expect(error.message).toBe('encord-agents.config.ts threw an error while loading: PROJECT env missing')
    expect(error.location).toBe('encord-agents.config.ts:4:9')
  })
})

describe('handler modules', () => {
  const config = (agents: string) => write('encord-agents.config.ts', `export default { agents: [\n${agents}\n] }\n`)

  it('loads defineAgent modules (extension optional), importing encord-agents from anywhere', async () => {
    config(
      `  { stage: 'Agent 1', handler: './agents/one' },\n  { stage: 'Agent 2', handler: './agents/two.js', overwrite: true },`,
    )
    write(
      'agents/one.ts',
      `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => 'approve' })\n`,
    )
    write(
      'agents/two.ts',
      `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => undefined })\n`,
    )
    const agents = await loadAgents(await loadConfig({ cwd: dir }), dir)
    expect(agents.map((a) => [a.stage, a.overwrite, a.handlerPath])).toEqual([
      ['Agent 1', false, join(dir, 'agents/one.ts')],
      ['Agent 2', true, join(dir, 'agents/two.ts')],
    ])
    expect(isAgentDefinition(agents[0].definition)).toBe(true)
    expect(agents[0].location).toBe('encord-agents.config.ts:2:12')
  })

  it("an entry without stage takes defineAgent's stage (typed projects, issue 18)", async () => {
    config(`  { handler: './agents/one.ts' },\n  { stage: 'Agent 2', handler: './agents/two.ts' },`)
    write(
      'agents/one.ts',
      `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ stage: 'Agent 1', handler: () => 'approve' })\n`,
    )
    write(
      'agents/two.ts',
      `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ stage: 'Agent 3', handler: () => undefined })\n`,
    )
    const agents = await loadAgents(await loadConfig({ cwd: dir }), dir)
    // When both name a stage the entry's is used; validate reports a disagreement.
    expect(agents.map((a) => [a.stage, a.definition.stage])).toEqual([
      ['Agent 1', 'Agent 1'],
      ['Agent 2', 'Agent 3'],
    ])
    expect(agents[0].location).toBe('encord-agents.config.ts:2:14')
  })

  it('an entry without stage whose defineAgent has none is an error naming the module', async () => {
    config(`  { handler: './agents/none.ts' },`)
    write(
      'agents/none.ts',
      `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => 'a' })\n`,
    )
    const error = await loadAgents(await loadConfig({ cwd: dir }), dir).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).code).toBe('MissingStage')
    expect((error as UserError).message).toBe(
      'The agent of agents/none.ts has no stage: neither its config entry nor its defineAgent names one.',
    )
    expect((error as UserError).location).toBe('encord-agents.config.ts:2:14')
  })

  async function agentError(handlerFile: string | undefined, text = ''): Promise<UserError> {
    config(`  { stage: 'Agent 1', handler: './agent.ts' },`)
    if (handlerFile) write(handlerFile, text)
    try {
      await loadAgents(await loadConfig({ cwd: dir }), dir)
    } catch (error) {
      expect(error).toBeInstanceOf(UserError)
      return error as UserError
    }
    throw new Error('expected loadAgents to fail')
  }

  it('missing module', async () => {
    const error = await agentError(undefined)
    expect(error.code).toBe('HandlerNotFound')
    expect(error.message).toBe('Handler module "./agent.ts" of the agent for stage "Agent 1" was not found.')
    expect(error.location).toBe('encord-agents.config.ts:2:32')
  })

  it('no default export (and a named agent is suggested)', async () => {
    const error = await agentError(
      'agent.ts',
      `import { defineAgent } from 'encord-agents'\nexport const approve = defineAgent({ handler: () => 'a' })\n`,
    )
    expect(error.code).toBe('HandlerNoDefaultExport')
    expect(error.message).toBe('Handler module agent.ts of the agent for stage "Agent 1" has no default export.')
    expect(error.hint).toContain('It exports an agent named "approve"')
  })

  it('a default export that is not defineAgent()', async () => {
    const error = await agentError('agent.ts', `export default async function decide() { return 'a' }\n`)
    expect(error.code).toBe('HandlerNotAnAgent')
    expect(error.message).toContain('is not an agent made with defineAgent(); it is a function')
    expect(error.hint).toContain('defineAgent({ handler: decide })')
  })

  it('a module that throws on import, with the line in the module', async () => {
    const error = await agentError(
      'agent.ts',
      `type T = string\nconst model: T = 'm'\nthrow new Error('model weights not found: ' + model)\n`,
    )
    expect(error.code).toBe('HandlerLoadFailed')
    expect(error.message).toBe(
      'Handler module agent.ts of the agent for stage "Agent 1" threw an error while loading: model weights not found: m',
    )
    expect(error.location).toBe('agent.ts:3:7')
  })

  it('a dependency cycle is reported when the module is loaded, before any connection (issue 6)', async () => {
    const error = await agentError(
      'agent.ts',
      `import { defineAgent, defineDependency, type Dependency } from 'encord-agents'
const holder: Record<string, Dependency<number>> = {}
const a: Dependency<number> = defineDependency({ name: 'a', deps: () => ({ b: holder.b }), resolve: () => 1 })
holder.b = defineDependency({ name: 'b', deps: () => ({ a }), resolve: () => 2 })
export default defineAgent({ deps: { a }, handler: () => 'complete' })
`,
    )
    expect(error.code).toBe('DependencyCycle')
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('The agent for stage "Agent 1" (agent.ts) has a dependency problem:')
    expect(error.message).toContain('Dependency cycle: a → b → a.')
    // Where each dependency was defined, relative to the working directory.
    expect(error.message).toMatch(/^ {2}a \(agent\.ts:3:\d+\)$/m)
    expect(error.location).toMatch(/^agent\.ts:\d+:\d+$/)
    expect(error.hint).toContain('Remove one of the links')
  })

  it('an entry of deps that is not a dependency is reported at load time too', async () => {
    const error = await agentError(
      'agent.ts',
      `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ deps: { row: 42 as never }, handler: () => 'complete' })\n`,
    )
    expect(error.code).toBe('InvalidDependency')
    expect(error.message).toContain('handler.deps.row')
  })

  it('a syntax error in the module', async () => {
    const error = await agentError('agent.ts', `export default {\n`)
    expect(error.code).toBe('HandlerSyntaxError')
    expect(error.location).toMatch(/^agent\.ts:\d+:\d+$/)
  })
})

describe('settings', () => {
  it('defaults ← config ← flags, filters key by key', () => {
    const settings = resolveRunSettings(
      { taskBatchSize: 50, numRetries: 1, filters: { dataTitleContains: 'cat', statuses: ['NEW'] } },
      { numRetries: 0, concurrency: 4, filters: { statuses: ['RELEASED'], dataHashes: undefined } },
    )
    expect(settings).toEqual({
      taskBatchSize: 50,
      numRetries: 0,
      concurrency: 4,
      dryRun: false,
      journal: true,
      filters: { dataTitleContains: 'cat', statuses: ['RELEASED'] },
    })
  })

  it('flags win for project and fixture; config paths are relative to the config', () => {
    expect(resolveTarget({ configProjectHash: 'a', configLocal: 'f.json', configDir: '/cfg' }, '/cwd')).toEqual({
      projectHash: 'a',
      localFixture: '/cfg/f.json',
    })
    expect(
      resolveTarget(
        { projectHashFlag: 'b', localFlag: 'x.json', configProjectHash: 'a', configLocal: 'f.json', configDir: '/cfg' },
        '/cwd',
      ),
    ).toEqual({
      projectHash: 'b',
      localFixture: '/cwd/x.json',
    })
  })
})

describe('encord-agents.config.example.ts', () => {
  const example = join(import.meta.dirname, '..', '..', '..', 'encord-agents.config.example.ts')

  it('is a valid config', async () => {
    const loaded = await loadConfig({ configPath: example })
    expect(loaded.config.agents.map((a) => a.stage)).toEqual(['Pre-label', 'Quality check'])
  })

  it('shows every option of the schema', async () => {
    const { KNOWN_KEYS } = await import('./schema.js')
    const text = (await import('node:fs')).readFileSync(example, 'utf8')
    for (const keys of Object.values(KNOWN_KEYS)) for (const key of keys) expect(text).toMatch(new RegExp(`\\b${key}:`))
  })
})

describe("README.md's config reference", () => {
  it('has a row for every option of the schema (`agents[].stage`, `run.filters.statuses`, ...)', async () => {
    const { KNOWN_KEYS } = await import('./schema.js')
    const readme = (await import('node:fs')).readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'README.md'),
      'utf8',
    )
    const rows = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]))
    const prefix: Record<string, string> = { '': '', agents: 'agents[].', run: 'run.', 'run.filters': 'run.filters.' }
    const options = Object.entries(KNOWN_KEYS).flatMap(([level, keys]) => keys.map((k) => `${prefix[level]}${k}`))
    // `agents`, `run` and `run.filters` are documented through their fields.
    const missing = options.filter((o) => !rows.has(o) && !['agents', 'run', 'run.filters'].includes(o))
    expect(missing).toEqual([])
  })
})
