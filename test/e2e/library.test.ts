/**
 * Issue 6, "Same engine as a library": a plain Node program that imports the built package by name
 * (`import { Runner } from 'encord-agents'`, installed as a link in its node_modules) runs agents on a
 * project served by the built `emulator start`, with a key and domain from the environment.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { cleanUp, generatedFixture, startBinEmulator, type BinEmulator } from './kit.js'
import { assertBuilt, ROOT, runNode, type BinResult } from './run-bin.js'

let consumer: string
const emulators: BinEmulator[] = []
beforeAll(() => {
  assertBuilt()
  consumer = mkdtempSync(join(tmpdir(), 'ea-e2e-lib-'))
  mkdirSync(join(consumer, 'node_modules'))
  symlinkSync(ROOT, join(consumer, 'node_modules', 'encord-agents'), 'dir')
  writeFileSync(join(consumer, 'package.json'), '{ "name": "library-user", "private": true, "type": "module" }\n')
})
afterAll(async () => {
  for (const e of emulators) await e.stop()
  cleanUp()
  rmSync(consumer, { recursive: true, force: true })
})

/** A generated project served by the built `emulator start`, and a way to run a program against it. */
async function servedProject(args: string[]): Promise<{
  projectHash: string
  emulator: BinEmulator
  run: <T>(file: string, text: string, nodeArgs?: string[]) => Promise<BinResult<T>>
}> {
  const fixture = await generatedFixture(args)
  const projectHash = (JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ projectHash: string }> })
    .projects[0].projectHash
  const emulator = await startBinEmulator(fixture, ['--allow-any-key', '--in-memory'])
  emulators.push(emulator)
  return {
    projectHash,
    emulator,
    run: <T>(file: string, text: string, nodeArgs: string[] = []) => {
      writeFileSync(join(consumer, file), text)
      return runNode<T>([...nodeArgs, join(consumer, file)], {
        cwd: consumer,
        env: {
          PROJECT: projectHash,
          ENCORD_SSH_KEY: generateOpenSshKey('library').privateKeyText,
          ENCORD_DOMAIN: emulator.domain,
        },
      })
    },
  }
}

const program = `import { Runner, defineAgent, labelRow, UserError } from 'encord-agents'

const seen = []
const runner = new Runner({
  projectHash: process.env.PROJECT,
  validate: ({ project, agents }) => (agents.length === 2 ? undefined : 'expected two agents in ' + project.title),
})
runner.stage('Agent 1', { deps: { row: labelRow() }, labelRowMetadata: { includeClientMetadata: true }, pathways: ['complete'] }, async ({ task, deps }) => {
  seen.push({ title: task.dataTitle, metadata: deps.row.clientMetadata !== null })
  return 'complete'
})
runner.stage('Agent 2', defineAgent({ handler: () => 'needs review' }))
let duplicate
try {
  runner.stage('Agent 2', defineAgent({ handler: () => 'complete' }))
} catch (error) {
  duplicate = { code: error.code, userError: error instanceof UserError }
}
runner.stage('Agent 2', { overwrite: true }, () => 'complete')

let rejected
try {
  await runner.run({ taskBatchSize: 0 })
} catch (error) {
  rejected = { code: error.code, exitCode: error.exitCode, message: error.message }
}
const result = await runner.run({ taskBatchSize: 2, concurrency: 2 })
console.log(JSON.stringify({ result, seen, duplicate, rejected }))
`

describe('the Runner as a library (built package, emulator start)', () => {
  it("new Runner({ projectHash, validate }); runner.stage('Agent 1', { deps, overwrite?, labelRowMetadata? }, handler); await runner.run(opts)", async () => {
    const { projectHash, emulator, run } = await servedProject(['--tasks', '4', '--stages', 'Agent 1,Agent 2'])
    const r = await run<{
      result: RunResult
      seen: Array<{ title: string; metadata: boolean }>
      duplicate: { code: string; userError: boolean }
      rejected: { code: string; exitCode: number; message: string }
    }>('main.js', program)
    expect(r.code, r.stderr).toBe(0)
    const { result, seen, duplicate, rejected } = r.json!
    expect(duplicate).toEqual({ code: 'DuplicateStage', userError: true })
    expect(rejected.code).toBe('InvalidRunSettings')
    expect(rejected.exitCode).toBe(2)
    expect(rejected.message).toContain('taskBatchSize')
    expect(result).toMatchObject({ ok: true, projectHash, dryRun: false })
    // Declared order, the overwrite kept Agent 2's place and replaced its handler.
    expect(result.stages.map((s) => [s.title, s.processed, s.moved])).toEqual([
      ['Agent 1', 4, { complete: 4 }],
      ['Agent 2', 4, { complete: 4 }],
    ])
    expect(seen).toHaveLength(4)
    expect(seen.every((s) => s.metadata)).toBe(true)
    expect(await emulator.stageCounts(projectHash)).toMatchObject({
      'Agent 1': 0,
      'Agent 2': 0,
      Complete: 4,
      'Review 1': 0,
    })
  })
})

// A loop in WebAssembly, `(func (export "spin") (param $n i32) (result i32) ...)`: sums n, n-1, ... 1.
const SPIN_WASM =
  '0061736d0100000001060160017f017f03020100070801047370696e00000a23012101017f024003402000450d01200120006a2101200041016b21000c000b0b20010b'

const tieringProgram = `import { Runner, labelRow } from 'encord-agents'

const runner = new Runner({ projectHash: process.env.PROJECT })
runner.stage('Agent 1', { deps: { row: labelRow() } }, () => 'complete')
const result = await runner.run({ concurrency: 4 })
// The program's own WebAssembly, after the client's: V8 still tiers it up once it is hot.
const { spin } = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from('${SPIN_WASM}', 'hex'))).exports
let sum = 0
for (let i = 0; i < 40; i++) sum = (sum + spin(1_000_000)) | 0
console.log(JSON.stringify({ processed: result.stages[0].processed, sum }))
`

describe("the client's HTTP parser in a library user's process (src/encord/baseline-parser.ts)", () => {
  it('is never tiered up to TurboFan, while the WebAssembly of the program itself still is', async () => {
    const { run } = await servedProject(['--tasks', '30', '--stages', 'Agent 1'])
    // V8 prints a line on stdout for each function it compiles: "Compiled function ...#20 using TurboFan,
    // took 205 ms ...; bodysize 33670 ..." is llhttp's parser, "bodysize 33 " the program's loop.
    const r = await run('tiering.js', tieringProgram, ['--trace-wasm-compilation-times'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    // The background compiler's lines may come after the program's own.
    expect(JSON.parse(lines.find((l) => l.startsWith('{'))!)).toEqual({ processed: 30, sum: -1642697472 })
    const compiled = lines.filter((l) => l.startsWith('Compiled function'))
    expect(compiled.filter((l) => !/bodysize 33 /.test(l)).length, 'llhttp was compiled').toBeGreaterThan(10)
    expect(compiled.filter((l) => l.includes('using TurboFan') && !/bodysize 33 /.test(l))).toEqual([])
    expect(compiled.filter((l) => l.includes('using TurboFan') && /bodysize 33 /.test(l))).toHaveLength(1)
  })
})
