import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, ROOT, runNode } from './run-bin.js'

beforeAll(() => assertBuilt())

/**
 * The start of each check script, run in a fresh Node process: `loaded()` lists the packages whose
 * CommonJS modules it holds; `api` is the built package (dist/index.js), `afterImport` what importing it loaded.
 */
const PRELUDE = `
import { createRequire } from 'node:module'
const loaded = () => {
  const out = new Set()
  for (const file of Object.keys(createRequire(import.meta.url).cache)) {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)
    if (m) out.add(m[1])
  }
  return [...out].sort()
}
const api = await import(${JSON.stringify(`${ROOT}/dist/index.js`)})
const afterImport = loaded()
`

/**
 * `import 'encord-agents'` (the built dist/index.js) to define agents and configs must not load the
 * emulator's server (fastify), the HTTP stack (undici) or the key parser (sshpk): they load on first
 * use. Checked in a fresh Node process by the CommonJS modules it holds after the import.
 */
const script = `${PRELUDE}const agent = api.defineAgent({ handler: () => 'complete' })
const config = api.defineConfig({ agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })
new api.Runner({ projectHash: 'p' }).stage('Agent 1', agent)
const afterDefine = loaded()
const key = api.generateOpenSshKey('entry test')
const emulator = await api.startEmulator({ fixture: api.generateFixture({ tasks: 2 }), inMemory: true, allowKeys: [key.publicKeyHex] })
const client = new api.EncordClient({ key: api.parsePrivateKey(key.privateKeyText), domain: emulator.domain, retries: 0 })
const fixtureProject = [...emulator.state.projects.keys()][0]
const project = await client.getProject(fixtureProject)
const png = await api.Frame.fromRgb(Buffer.alloc(3), { width: 1, height: 1 }).encode()
await client.close()
await emulator.stop()
console.log(JSON.stringify({ afterImport, afterDefine, afterUse: loaded(), stages: project.workflow.stages.length, config: config.agents.length, png: png.subarray(1, 4).toString() }))
`

describe('the package entry (built)', () => {
  it('import, defineAgent, defineConfig and new Runner load no server, HTTP, key or image library; startEmulator, the client and encoding a frame load them on use', async () => {
    const r = await runNode<{
      afterImport: string[]
      afterDefine: string[]
      afterUse: string[]
      stages: number
      config: number
      png: string
    }>(['--input-type=module', '-e', script])
    expect(r.code, r.stderr).toBe(0)
    const heavy = ['fastify', 'undici', 'sshpk']
    for (const name of heavy) {
      expect(r.json!.afterImport).not.toContain(name)
      expect(r.json!.afterDefine).not.toContain(name)
      expect(r.json!.afterUse).toContain(name)
    }
    // sharp's own module is ESM; its native binding (@img/sharp-<platform>) shows which way it went.
    const isSharp = (name: string) => name.startsWith('@img/sharp-')
    expect(r.json!.afterDefine.filter(isSharp)).toEqual([])
    expect(r.json!.afterUse.filter(isSharp)).not.toEqual([])
    expect(r.json!.png).toBe('PNG')
    expect(r.json!.stages).toBeGreaterThan(1)
    expect(r.json!.config).toBe(1)
  })

  it('exports the queue API of docs/scaling-out.md (QueueRunner, RedisEffectJournal, task specs), and loads neither bullmq nor ioredis with it', async () => {
    const queueScript = `${PRELUDE}const runner = new api.QueueRunner({ projectHash: 'p' })
runner.stage('Agent 1', api.defineAgent({ handler: () => 'complete' }))
const journal = new api.RedisEffectJournal({}, 'p:stage')
const spec = api.parseTaskSpec('{"uuid":"u","data_hash":"d","data_title":"t","label_branch_name":"main"}')
const serialized = api.serializeTaskSpec(spec)
const fromTask = api.taskSpecOf({ uuid: 'u', dataHash: 'd', dataTitle: 't', labelBranchName: 'main' })
await runner.close()
const afterUse = loaded()
// The check can see them once loaded (as the enqueue and worker commands load them).
await import('bullmq')
await import('ioredis')
const afterLoad = loaded()
const kinds = Object.fromEntries(['QueueRunner', 'RedisEffectJournal', 'parseTaskSpec', 'serializeTaskSpec', 'taskSpecOf', 'JOURNAL_TTL_SECONDS', 'MemoryEffectJournal'].map((name) => [name, typeof api[name]]))
console.log(JSON.stringify({ kinds, ttl: api.JOURNAL_TTL_SECONDS, isRunner: runner instanceof api.Runner, journalKey: journal.key('t1'), spec, serialized, fromTask, afterImport, afterUse, afterLoad }))
`
    const r = await runNode<
      Record<string, unknown> & { afterImport: string[]; afterUse: string[]; afterLoad: string[] }
    >(['--input-type=module', '-e', queueScript])
    expect(r.code, r.stderr).toBe(0)
    const json = r.json!
    expect(json.kinds).toEqual({
      QueueRunner: 'function',
      RedisEffectJournal: 'function',
      parseTaskSpec: 'function',
      serializeTaskSpec: 'function',
      taskSpecOf: 'function',
      JOURNAL_TTL_SECONDS: 'number',
      MemoryEffectJournal: 'function',
    })
    expect(json.ttl).toBe(7 * 24 * 3600)
    expect(json.isRunner).toBe(true)
    expect(json.journalKey).toMatch(/:journal:p:stage:t1$/)
    expect(json.spec).toEqual({ uuid: 'u', data_hash: 'd', data_title: 't', label_branch_name: 'main' })
    expect(JSON.parse(json.serialized as string)).toEqual(json.spec)
    expect(json.fromTask).toEqual(json.spec)
    for (const name of ['bullmq', 'ioredis']) {
      expect(json.afterImport).not.toContain(name)
      expect(json.afterUse).not.toContain(name)
      expect(json.afterLoad).toContain(name)
    }
  })
})
