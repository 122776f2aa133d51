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
import { assertBuilt, ROOT, runNode } from './run-bin.js'

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
    const fixture = await generatedFixture(['--tasks', '4', '--stages', 'Agent 1,Agent 2'])
    const projectHash = (JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ projectHash: string }> })
      .projects[0].projectHash
    const emulator = await startBinEmulator(fixture, ['--allow-any-key', '--in-memory'])
    emulators.push(emulator)
    writeFileSync(join(consumer, 'main.js'), program)
    const r = await runNode<{
      result: RunResult
      seen: Array<{ title: string; metadata: boolean }>
      duplicate: { code: string; userError: boolean }
      rejected: { code: string; exitCode: number; message: string }
    }>([join(consumer, 'main.js')], {
      cwd: consumer,
      env: {
        PROJECT: projectHash,
        ENCORD_SSH_KEY: generateOpenSshKey('library').privateKeyText,
        ENCORD_DOMAIN: emulator.domain,
      },
    })
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
