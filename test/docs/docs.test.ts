/**
 * Issue 17, item 7: docs that run. Every ```ts block of README.md and docs/*.md is type-checked as a
 * module (blocks whose first line is `// name.ts` are that file, so `import agent from './agent.ts'`
 * finds the document's agent); the README's library example runs against the emulator, and its
 * "Testing your agent" test passes in vitest.
 *
 * What a snippet may use without writing it: the modules of test/docs/context/ (a reader's own code,
 * e.g. the `./model.ts` of the dependency example), and third-party SDKs that are not installed here
 * (EXTERNAL_MODULES: typed as `any`; everything of encord-agents around them is checked).
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { generateFixture } from '../../src/emulator/generate.js'
import { startEmulator } from '../../src/emulator/index.js'
import { assertBuilt, ROOT } from '../e2e/run-bin.js'
import { docErrors, documents, snippetsOf, writeSnippets, type Snippet } from './snippets.js'

const execFileAsync = promisify(execFile)

// Inside the repository (git-ignored .encord-agents/): `encord-agents` resolves to this package there.
mkdirSync(join(ROOT, '.encord-agents'), { recursive: true })
const work = mkdtempSync(join(ROOT, '.encord-agents', 'docs-check-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const all: Snippet[] = documents(ROOT).flatMap((doc) => snippetsOf(ROOT, doc))

describe('docs that run', () => {
  it('finds the snippets (README and docs/)', () => {
    expect(all.length).toBeGreaterThan(8)
    expect(all.map((s) => s.doc)).toEqual(expect.arrayContaining(['README.md', 'docs/emulator.md', 'docs/scaling-out.md']))
  })

  it("every TypeScript snippet type-checks (strict, against the package's sources)", { timeout: 180_000 }, () => {
    const origin = writeSnippets(ROOT, all, work)
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), compilerOptions: { noEmit: true, rootDirs: [work] }, include: ['**/*.ts'] }, null, 2),
    )
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--pretty', 'false'], { cwd: work, encoding: 'utf8', timeout: 170_000 })
    const errors = docErrors(tsc.stdout + tsc.stderr, work, origin)
    expect(errors).toEqual([])
    expect(tsc.status).toBe(0)
  })

  it('the library example runs against the emulator (signed HTTP, a generated project)', { timeout: 120_000 }, async () => {
    assertBuilt()
    const example = all.find((s) => s.doc === 'README.md' && s.code.includes('new Runner('))
    expect(example, 'the README has a library example').toBeDefined()
    const key = generateOpenSshKey('docs check')
    const fixture = generateFixture({ tasks: 20, stages: ['Agent 1', 'Agent 2'], seed: 17, users: [{ email: 'docs@test', publicKeyHex: key.publicKeyHex }] })
    const emulator = await startEmulator({ fixture, inMemory: true })
    const dir = join(work, 'library-example')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'key'), key.privateKeyText, { mode: 0o600 })
    writeFileSync(join(dir, 'example.ts'), example!.code)
    // tsx reads the tsconfig of its working directory: this one has no `paths`, so `encord-agents`
    // resolves as for a user, to the built package (dist/), not to the sources.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true } }))
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ENCORD_DOMAIN: emulator.domain, ENCORD_SSH_KEY_FILE: join(dir, 'key'), ENCORD_PROJECT_HASH: fixture.projects[0].projectHash, NO_COLOR: '1' }
      delete env.NODE_OPTIONS
      // Asynchronously: the emulator answers from this process, which must not block.
      const run = await execFileAsync(process.execPath, ['--import', 'tsx', join(dir, 'example.ts')], { cwd: dir, env, encoding: 'utf8', timeout: 100_000 }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`the example failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`)
      })
      // Agent 1 completed every task; Agent 2 found them in the same run.
      const state = emulator.state.project(fixture.projects[0].projectHash)
      const byStage = new Map<string, number>()
      for (const t of state.tasks.values()) byStage.set(state.stageByUuid.get(t.stageUuid)!.title, (byStage.get(state.stageByUuid.get(t.stageUuid)!.title) ?? 0) + 1)
      expect(byStage.get('Agent 1') ?? 0).toBe(0)
      expect(byStage.get('Agent 2') ?? 0).toBe(0)
      expect(run.stdout).toMatch(/Agent 1: \{"complete":20\}/)
    } finally {
      await emulator.stop()
    }
  })

  it('the README\'s agent test passes in vitest, with the README\'s agent', { timeout: 180_000 }, () => {
    assertBuilt()
    const dir = join(work, 'readme-test')
    mkdirSync(dir, { recursive: true })
    for (const s of all.filter((x) => x.doc === 'README.md' && (x.file === 'agent.ts' || x.file === 'agent.test.ts'))) writeFileSync(join(dir, s.file), s.code)
    expect(readFileSync(join(dir, 'agent.test.ts'), 'utf8')).toContain("from 'encord-agents/testing'")
    // Its own config, so vitest does not take the repository's (found upwards).
    writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['agent.test.ts'] } }\n")
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
    for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'NODE_ENV') delete env[k]
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir], { cwd: dir, env, encoding: 'utf8', timeout: 170_000 })
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Tests +1 passed/)
  })
})
