import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BaseCommand } from '../../src/cli/base-command.js'
import ListStages from '../../src/commands/list-stages.js'
import Run from '../../src/commands/run.js'
import Validate from '../../src/commands/validate.js'
import type { RunResult } from '../../src/core/types.js'
import type { ListStagesResult } from '../../src/services/list-stages.js'
import { AGENT_STAGE_UUID, COMPLETE_AGENT, configText, makeProject, PROJECT_HASH, tasksByStage } from './project.js'
import { runCommand } from './run-command.js'

const dirs: string[] = []
function project(files: Record<string, string>): string {
  const dir = makeProject(files)
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A stack frame (`at fn (/abs/file.js:1:2)`, `at /abs/file.js:1:2`), not our `at file:line:col` location line. */
const STACK_FRAME = /^\s+at (?:.+ \()?(?:\/|file:|node:).+:\d+:\d+\)?$/m

type ErrorEnvelope = {
  error: {
    code: string
    message: string
    hint?: string
    location?: string
    exitCode: number
    data?: Record<string, unknown>
  }
}

describe('exit codes, stderr and the --json envelope', () => {
  it('validate: exit 0, and --json prints only the result object', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(`{ stage: 'Agent 1', handler: './agent.ts' }`),
      'agent.ts': COMPLETE_AGENT,
    })
    const r = await runCommand(Validate, ['--json'], { cwd: dir })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json).toMatchObject({
      ok: true,
      projectHash: PROJECT_HASH,
      projectTitle: 'Demo: minimal agent',
      issues: [],
    })
    expect((r.json as { stages: unknown[] }).stages).toEqual([
      expect.objectContaining({ stage: 'Agent 1', uuid: AGENT_STAGE_UUID }),
    ])
  })

  it('config error: exit 2, every problem with its location, a code frame and "Try:", no stack trace', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(
        `    { stage: 'Agent 1', handler: './agent.ts' },`,
        `\n  run: { batchSize: 5, concurrency: 0 },`,
      ),
      'agent.ts': COMPLETE_AGENT,
    })
    const r = await runCommand(Validate, [], { cwd: dir })
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('encord-agents.config.ts is not a valid encord-agents config (2 problems):')
    expect(r.stderr).toMatch(
      /encord-agents\.config\.ts:9:10 +run\.batchSize +Unknown option "batchSize"\. Did you mean "taskBatchSize"\?/,
    )
    expect(r.stderr).toMatch(
      /encord-agents\.config\.ts:9:\d+ +run\.concurrency +Must be at least 1, got the number 0\./,
    )
    expect(r.stderr).toMatch(/> +9 \| {3}run: \{ batchSize: 5/)
    expect(r.stderr).toContain('Try: Fix the fields listed above.')
    expect(r.stderr).not.toMatch(STACK_FRAME)
  })

  it('config error under --json: stdout holds only { error: { code, message, hint, ... } }', async () => {
    const dir = project({ 'encord-agents.config.ts': configText(`    { stage: 7, handler: './agent.ts' },`) })
    const r = await runCommand(Run, ['--json'], { cwd: dir })
    expect(r.exitCode).toBe(2)
    const json = r.json as ErrorEnvelope
    expect(Object.keys(json)).toEqual(['error'])
    expect(json.error).toMatchObject({ code: 'ConfigInvalid', exitCode: 2, location: 'encord-agents.config.ts:7:7' })
    expect(json.error.message).toContain(
      'agents[0].stage  Expected a stage title or UUID, e.g. "Agent 1", got the number 7.',
    )
    expect(json.error.hint).toContain('encord-agents.config.example.ts')
    expect(json.error.data!.issues).toEqual([
      {
        path: 'agents[0].stage',
        message: 'Expected a stage title or UUID, e.g. "Agent 1", got the number 7.',
        location: 'encord-agents.config.ts:7:7',
      },
    ])
  })

  it('no config: exit 2 with a hint to run init', async () => {
    const dir = project({})
    const r = await runCommand(Run, [], { cwd: dir })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/No encord-agents config found in .* or its parent directories/)
    expect(r.stderr).toContain('Try: Create one with `encord-agents init`')
  })

  it('usage errors from oclif (unknown flag, bad value) are exit 2 with a usage hint, also as JSON', async () => {
    const dir = project({})
    const unknown = await runCommand(Run, ['--colour'], { cwd: dir })
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain('Nonexistent flag: --colour')
    expect(unknown.stderr).toContain('Try: Run the command with --help')
    const bad = await runCommand(Run, ['--task-batch-size', '0', '--json'], { cwd: dir })
    expect(bad.exitCode).toBe(2)
    expect((bad.json as ErrorEnvelope).error.code).toBe('UsageError')
    expect((bad.json as ErrorEnvelope).error.message).toContain(
      'Expected an integer greater than or equal to 1 but received: 0',
    )
  })

  it('list-stages without config or project: exit 2 naming the three ways to give one', async () => {
    const dir = project({})
    const r = await runCommand(ListStages, [], { cwd: dir })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('No project given.')
    expect(r.stderr).toContain('--project-hash HASH or set ENCORD_PROJECT_HASH')
  })

  it('list-stages works from --local and ENCORD_PROJECT_HASH alone (no config)', async () => {
    const dir = project({})
    const r = await runCommand<ListStagesResult>(ListStages, ['--local', 'fixture.json', '--json'], {
      cwd: dir,
      env: { ENCORD_PROJECT_HASH: PROJECT_HASH },
    })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.result!.map((s) => [s.title, s.type, s.taskCount])).toEqual([
      ['Agent 1', 'AGENT', 6],
      ['Review', 'REVIEW', 0],
      ['Complete', 'DONE', 0],
    ])
  })

  it('a bug (an unknown throwable) is exit 10; the stack only with --verbose', async () => {
    class Broken extends BaseCommand<void> {
      static override id = 'broken'
      async run(): Promise<void> {
        await this.parse(Broken)
        const value = undefined as unknown as { call(): void }
        value.call()
      }
    }
    const quiet = await runCommand(Broken, [])
    expect(quiet.exitCode).toBe(10)
    expect(quiet.stderr).toContain("Cannot read properties of undefined (reading 'call')")
    expect(quiet.stderr).toContain('Try: This is a bug in encord-agents.')
    expect(quiet.stderr).not.toMatch(STACK_FRAME)
    const verbose = await runCommand(Broken, ['--verbose'])
    expect(verbose.exitCode).toBe(10)
    expect(verbose.stderr).toMatch(STACK_FRAME)
    const debug = await runCommand(Broken, [], { env: { DEBUG: 'encord-agents*' } })
    expect(debug.stderr).toMatch(STACK_FRAME)
    const json = await runCommand(Broken, ['--json'])
    expect((json.json as ErrorEnvelope).error).toMatchObject({ code: 'Bug', exitCode: 10 })
  })
})

describe('validation before anything runs (exit 2, nothing moved)', () => {
  it('unknown stage: suggests the close name and lists the agent stages', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 2', handler: './agent.ts' },`),
      'agent.ts': COMPLETE_AGENT,
    })
    const r = await runCommand(Run, [], { cwd: dir })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('Unknown stage "Agent 2" in project "Demo: minimal agent". Did you mean "Agent 1"?')
    expect(r.stderr).toContain('encord-agents.config.ts:7:14')
    expect(r.stderr).toContain('Nothing was moved or changed.')
    expect(tasksByStage(dir)['Agent 1']).toBe(6)
  })

  it('a stage that is not an agent stage, and the same stage by title and by UUID', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(
        `    { stage: 'Review', handler: './agent.ts' },\n    { stage: 'Agent 1', handler: './agent.ts' },\n    { stage: '${AGENT_STAGE_UUID}', handler: './agent.ts' },`,
      ),
      'agent.ts': COMPLETE_AGENT,
    })
    const r = await runCommand(Validate, ['--json'], { cwd: dir })
    expect(r.exitCode).toBe(2)
    const issues = (r.json as ErrorEnvelope).error.data!.issues as Array<{ code: string; message: string }>
    expect(issues.map((i) => i.code)).toEqual(['StageNotAgent', 'DuplicateStage'])
    expect(issues[0].message).toContain('Stage "Review" is a REVIEW stage, not an agent stage')
    expect(issues[1].message).toContain('Stage "Agent 1" has two agents')
  })

  it('the config validate hook can reject the project', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(
        `    { stage: 'Agent 1', handler: './agent.ts' },`,
        `\n  validate: ({ project }) => project.title.startsWith('Prod') ? undefined : 'only production projects',`,
      ),
      'agent.ts': COMPLETE_AGENT,
    })
    const r = await runCommand(Run, [], { cwd: dir })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('only production projects')
    expect(tasksByStage(dir)['Agent 1']).toBe(6)
  })

  it('handler module problems are reported by name, pointing at the config entry', async () => {
    const missing = project({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './nope.ts' },`),
    })
    const r1 = await runCommand(Validate, [], { cwd: missing })
    expect(r1.exitCode).toBe(2)
    expect(r1.stderr).toContain('Handler module "./nope.ts" of the agent for stage "Agent 1" was not found.')
    expect(r1.stderr).toContain('at encord-agents.config.ts:7:34')
    expect(r1.stderr).toContain('Looked for: nope.ts.')

    const throws = project({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts' },`),
      'agent.ts': `const key = process.env.MODEL_KEY\nif (!key) throw new Error('MODEL_KEY is not set')\nexport default key\n`,
    })
    const r2 = await runCommand(Validate, [], { cwd: throws })
    expect(r2.exitCode).toBe(2)
    expect(r2.stderr).toContain(
      'Handler module agent.ts of the agent for stage "Agent 1" threw an error while loading: MODEL_KEY is not set',
    )
    expect(r2.stderr).toContain('at agent.ts:2:17')
    expect(r2.stderr).toMatch(/> 2 \| if \(!key\) throw/)
    expect(r2.stderr).not.toMatch(STACK_FRAME)
  })
})

describe('run', () => {
  it('failing tasks: exit 1, the summary names them, --json has ok: false with the errors; other tasks still move', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(
        `    { stage: 'Agent 1', handler: './agent.ts' },`,
        `\n  run: { numRetries: 0 },`,
      ),
      'agent.ts': `import { defineAgent } from 'encord-agents'
export default defineAgent({
  handler({ task }) {
    if (task.dataTitle === 'street.png') throw new Error('model said no')
    if (task.dataTitle === 'bridge.png') return 'approve'
    return 'complete'
  },
})
`,
    })
    const r = await runCommand<RunResult>(Run, ['--json'], { cwd: dir })
    expect(r.exitCode).toBe(1)
    const result = r.json as RunResult
    expect(result.ok).toBe(false)
    expect(result.stages[0]).toMatchObject({ processed: 6, moved: { complete: 4 }, failed: 2 })
    const errors = result.stages[0].errors.map((e) => [e.dataTitle, e.code])
    expect(errors).toEqual(
      expect.arrayContaining([
        ['street.png', 'HandlerFailed'],
        ['bridge.png', 'UnknownPathway'],
      ]),
    )
    expect(result.stages[0].errors.find((e) => e.code === 'UnknownPathway')!.message).toContain(
      'Unknown pathway "approve" for stage "Agent 1".',
    )
    expect(tasksByStage(dir)).toEqual({ 'Agent 1': 2, Review: 0, Complete: 4 })

    const human = await runCommand(Run, [], { cwd: dir })
    expect(human.exitCode).toBe(1)
    expect(human.stdout).toContain('Failed tasks (2):')
    expect(human.stdout).toContain('street.png')
    expect(human.stdout).toMatch(/2 tasks processed: 0 moved, 0 stayed, 2 failed/)
  })

  it('flags win over the config: --max-tasks-per-stage, --data-title, --dry-run', async () => {
    const dir = project({
      'encord-agents.config.ts': configText(
        `    { stage: 'Agent 1', handler: './agent.ts' },`,
        `\n  run: { maxTasksPerStage: 5 },`,
      ),
      'agent.ts': COMPLETE_AGENT,
    })
    const dry = await runCommand<RunResult>(Run, ['--dry-run', '--json'], { cwd: dir })
    expect(dry.exitCode).toBe(0)
    expect(dry.result).toMatchObject({ dryRun: true, stages: [{ processed: 5, moved: { complete: 5 } }] })
    expect(tasksByStage(dir)['Agent 1']).toBe(6)

    const two = await runCommand<RunResult>(Run, ['--max-tasks-per-stage', '2', '--json'], { cwd: dir })
    expect(two.result!.stages[0].processed).toBe(2)
    const one = await runCommand<RunResult>(Run, ['--data-title', 'bridge', '--json'], { cwd: dir })
    expect(one.result!.stages[0].processed).toBe(1)
    expect(tasksByStage(dir)).toEqual({ 'Agent 1': 3, Review: 0, Complete: 3 })
  })

  it('the local emulator rejects an explicit key that is not one of its users: exit 3, key never printed', async () => {
    const keyFile = join(import.meta.dirname, '..', 'fixtures', 'encord-api', 'test-key')
    const keyText = readFileSync(keyFile, 'utf8')
    const dir = project({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts' },`),
      'agent.ts': COMPLETE_AGENT,
    })
    const r = await runCommand(Run, ['--ssh-key-file', keyFile], { cwd: dir, env: { ENCORD_SSH_KEY: keyText } })
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toContain('is not a user of fixture.json')
    const body = keyText.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))
    for (const line of body) expect(r.stdout + r.stderr).not.toContain(line)
    // The same key only in the environment is replaced by a key made for the run.
    const ok = await runCommand<RunResult>(Run, ['--json'], { cwd: dir, env: { ENCORD_SSH_KEY: keyText } })
    expect(ok.exitCode, ok.stderr).toBe(0)
  })
})
