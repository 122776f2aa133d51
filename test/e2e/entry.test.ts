import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, ROOT, runNode } from './run-bin.js'

beforeAll(() => assertBuilt())

/**
 * `import 'encord-agents'` (the built dist/index.js) to define agents and configs must not load the
 * emulator's server (fastify), the HTTP stack (undici) or the key parser (sshpk): they load on first
 * use. Checked in a fresh Node process by the CommonJS modules it holds after the import.
 */
const script = `
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
const agent = api.defineAgent({ handler: () => 'complete' })
const config = api.defineConfig({ agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })
new api.Runner({ projectHash: 'p' }).stage('Agent 1', agent)
const afterDefine = loaded()
const key = api.generateOpenSshKey('entry test')
const emulator = await api.startEmulator({ fixture: api.generateFixture({ tasks: 2 }), inMemory: true, allowKeys: [key.publicKeyHex] })
const client = new api.EncordClient({ key: api.parsePrivateKey(key.privateKeyText), domain: emulator.domain, retries: 0 })
const fixtureProject = [...emulator.state.projects.keys()][0]
const project = await client.getProject(fixtureProject)
await client.close()
await emulator.stop()
console.log(JSON.stringify({ afterImport, afterDefine, afterUse: loaded(), stages: project.workflow.stages.length, config: config.agents.length }))
`

describe('the package entry (built)', () => {
  it('import, defineAgent, defineConfig and new Runner load no server, HTTP or key library; startEmulator and the client load them on use', async () => {
    const r = await runNode<{ afterImport: string[]; afterDefine: string[]; afterUse: string[]; stages: number; config: number }>(['--input-type=module', '-e', script])
    expect(r.code, r.stderr).toBe(0)
    const heavy = ['fastify', 'undici', 'sshpk']
    for (const name of heavy) {
      expect(r.json!.afterImport).not.toContain(name)
      expect(r.json!.afterDefine).not.toContain(name)
      expect(r.json!.afterUse).toContain(name)
    }
    expect(r.json!.stages).toBeGreaterThan(1)
    expect(r.json!.config).toBe(1)
  })
})
