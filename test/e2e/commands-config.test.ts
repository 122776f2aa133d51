/**
 * Issue 3's config bullets and issue 6's "Commands": config discovery, --config with paths relative to
 * the config file, --project-hash / ENCORD_PROJECT_HASH / --local overrides, list-stages. Through the
 * built binary against the local emulator.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import type { ListStagesResult } from '../../src/services/list-stages.js'
import type { ValidateResult } from '../../src/services/validate.js'
import { agentProject, cleanUp, config, generatedFixture, readFixture, tasksPerStage } from './kit.js'
import { assertBuilt, runBin } from './run-bin.js'

beforeAll(() => assertBuilt())
const temps: string[] = []
afterAll(() => {
  cleanUp()
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

const AGENT = `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => 'complete' })\n`
type ErrorJson = { error: { code: string; message: string; hint: string; exitCode: number } }

describe('finding the config (built binary)', () => {
  it('.encord-agentsrc (YAML), .encord-agentsrc.json, encord-agents.config.mjs and the "encord-agents" key of package.json', async () => {
    const yaml = `local: ./fixture.json\nagents:\n  - stage: Agent 1\n    handler: ./agent.ts\n`
    const json = JSON.stringify({ local: './fixture.json', agents: [{ stage: 'Agent 1', handler: './agent.ts' }] })
    const mjs = `import { defineConfig } from 'encord-agents'\nexport default defineConfig(${json})\n`
    const dirs = [
      agentProject({ '.encord-agentsrc': yaml, 'agent.ts': AGENT }),
      agentProject({ '.encord-agentsrc.json': json, 'agent.ts': AGENT }),
      agentProject({ 'encord-agents.config.mjs': mjs, 'agent.ts': AGENT }),
      agentProject({
        'package.json': JSON.stringify({ name: 'with-key', private: true, 'encord-agents': JSON.parse(json) }),
        'agent.ts': AGENT,
      }),
    ]
    // From a subdirectory: the search goes up to the project root.
    for (const d of dirs) mkdirSync(join(d, 'src'))
    const results = await Promise.all(
      dirs.map((d) => runBin<ValidateResult>(['validate', '--json'], { cwd: join(d, 'src') })),
    )
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.json!.stages.map((s) => s.title)).toEqual(['Agent 1'])
    }
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dirs[0] })
    expect(run.json!.stages[0].moved).toEqual({ complete: 6 })
  })

  it('--config FILE from anywhere: handler and local fixture are relative to the config file, not the working directory', async () => {
    const dir = agentProject({
      'deploy/agents.config.ts': `import { defineConfig } from 'encord-agents'\nexport default defineConfig({ local: '../fixture.json', agents: [{ stage: 'Agent 1', handler: '../agents/complete' }] })\n`,
      'agents/complete.ts': AGENT,
    })
    const elsewhere = mkdtempSync(join(tmpdir(), 'ea-e2e-cwd-'))
    temps.push(elsewhere)
    const r = await runBin<RunResult>(['run', '--json', '--config', join(dir, 'deploy', 'agents.config.ts')], {
      cwd: elsewhere,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json!.stages[0].moved).toEqual({ complete: 6 })
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Agent 1': 0, Review: 0, Complete: 6 })
    const stages = await runBin<ListStagesResult>(
      ['list-stages', '--json', '-c', join(dir, 'deploy', 'agents.config.ts')],
      { cwd: elsewhere },
    )
    expect(stages.json!.map((s) => [s.title, s.taskCount])).toEqual([
      ['Agent 1', 0],
      ['Review', 0],
      ['Complete', 6],
    ])
    const missing = await runBin<ErrorJson>(['validate', '--json', '--config', 'nope.ts'], { cwd: elsewhere })
    expect(missing.code).toBe(2)
    expect(missing.json!.error.code).toBe('ConfigNotFound')
  })

  it('--project-hash and ENCORD_PROJECT_HASH override projectHash (the flag wins); --local overrides local (validate, list-stages, run)', async () => {
    const fixture = await generatedFixture(['--tasks', '2', '--twin'])
    const [main, twin] = (
      JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ projectHash: string }> }
    ).projects.map((p) => p.projectHash)
    // The config names the twin project (no agent stage there) and a fixture that does not exist.
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
          local: `'./missing.json'`,
          projectHash: `'${twin}'`,
        }),
        'agent.ts': AGENT,
      },
      { file: fixture },
    )
    const [asConfigured, byEnv, byFlag, listTwin] = await Promise.all([
      runBin<ErrorJson>(['validate', '--json', '--local', 'fixture.json'], { cwd: dir }),
      runBin<ValidateResult>(['validate', '--json', '--local', 'fixture.json'], {
        cwd: dir,
        env: { ENCORD_PROJECT_HASH: main },
      }),
      runBin<ValidateResult>(['validate', '--json', '--local', 'fixture.json', '--project-hash', main], {
        cwd: dir,
        env: { ENCORD_PROJECT_HASH: twin },
      }),
      runBin<ListStagesResult>(['list-stages', '--json', '--local', 'fixture.json'], { cwd: dir }),
    ])
    expect(asConfigured.code).toBe(2)
    expect(asConfigured.json!.error.message).toContain('Unknown stage "Agent 1"')
    for (const r of [byEnv, byFlag]) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.json!.projectHash).toBe(main)
    }
    expect(listTwin.json!.map((s) => s.type)).toEqual(['ANNOTATION', 'DONE'])
    const noLocal = await runBin<ErrorJson>(['validate', '--json'], { cwd: dir, env: { ENCORD_PROJECT_HASH: main } })
    expect(noLocal.code).toBe(2)
    expect(noLocal.json!.error.message).toContain('missing.json')
    const run = await runBin<RunResult>(['run', '--json', '--local', 'fixture.json', '--project-hash', main], {
      cwd: dir,
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json).toMatchObject({ projectHash: main, stages: [{ title: 'Agent 1', moved: { complete: 2 } }] })
    expect(tasksPerStage(readFixture(dir), main)).toMatchObject({ 'Agent 1': 0, Complete: 2 })
  })
})

describe('list-stages (built binary)', () => {
  it('every stage with type, UUID, pathways and destinations, and tasks waiting: --json exactly [{ uuid, title, type, taskCount, pathways: [{ uuid, name, destination }] }], a table otherwise', async () => {
    const dir = agentProject(
      { 'encord-agents.config.ts': config([`{ stage: 'Triage', handler: './agent.ts' }`]), 'agent.ts': AGENT },
      'multi-stage',
    )
    const r = await runBin<ListStagesResult>(['list-stages', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    for (const stage of r.json!) {
      expect(Object.keys(stage).sort()).toEqual(['pathways', 'taskCount', 'title', 'type', 'uuid'])
      for (const p of stage.pathways) expect(Object.keys(p).sort()).toEqual(['destination', 'name', 'uuid'])
    }
    expect(
      r.json!.map((s) => [s.title, s.type, s.taskCount, s.pathways.map((p) => `${p.name} → ${p.destination}`)]),
    ).toEqual([
      ['Triage', 'AGENT', 6, ['auto → Finish', 'manual → Review']],
      ['Finish', 'AGENT', 0, ['done → Complete']],
      ['Review', 'REVIEW', 0, []],
      ['Complete', 'DONE', 0, []],
    ])
    const human = await runBin(['list-stages'], { cwd: dir })
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/│ Triage +│ AGENT +│ 05a00000-0000-4000-8000-000000000001 │ 6 +│ auto → Finish/)
    expect(human.stdout).toContain('4 stages, 2 agent stages')
  })
})
