/**
 * Issue 6, "Validation before anything runs", and `validate` for CI (exit 0 or 2, --json): through the
 * built binary against the built `emulator start`, whose request counts prove nothing was fetched or
 * moved.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidateResult } from '../../src/services/validate.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { agentProject, cleanUp, config, generatedFixture, startBinEmulator, type BinEmulator } from './kit.js'
import { assertBuilt, runBin } from './run-bin.js'

beforeAll(() => assertBuilt())
const emulators: BinEmulator[] = []
afterAll(async () => {
  for (const e of emulators) await e.stop()
  cleanUp()
})

type ErrorJson = {
  error: {
    code: string
    message: string
    hint: string
    exitCode: number
    data?: { issues?: Array<{ code: string; message: string; hint?: string; location?: string }> }
  }
}

const agent = (spec: string) => `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ ${spec} })\n`

describe('validation before anything runs (built binary, emulator start)', () => {
  let fixture: string
  let projectHash: string
  let emulator: BinEmulator
  const key = generateOpenSshKey('e2e validation')
  beforeAll(async () => {
    fixture = await generatedFixture(['--tasks', '3'])
    projectHash = (JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ projectHash: string }> })
      .projects[0].projectHash
    emulator = await startBinEmulator(fixture, ['--allow-any-key', '--in-memory'])
    emulators.push(emulator)
  })
  const env = () => ({ ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: emulator.domain })

  it('every built-in check and the config validate hook (with project, ontology, workflow, agents) at once: exit 2, a fix for each, nothing fetched or moved', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config(
        [
          `{ stage: 'Agnet 1', handler: './a.ts' }`,
          `{ stage: 'Review 1', handler: './a.ts' }`,
          `{ stage: 'Agent 1', handler: './b.ts' }`,
        ],
        {
          local: '',
          projectHash: `'${projectHash}'`,
          validate: `(ctx) => \`hook saw \${ctx.project.title} / \${ctx.ontology.title} / \${ctx.workflow.stages.length} stages / agents \${ctx.agents.map((a) => a.stage).join(', ')}\``,
        },
      ),
      'a.ts': agent(`handler: () => 'complete'`),
      'b.ts': agent(`pathways: ['complete', 'to QA'], ontology: { objects: ['Bx'] }, handler: () => 'complete'`),
    })
    const before = await emulator.requests()
    const r = await runBin<ErrorJson>(['validate', '--json'], { cwd: dir, env: env() })
    expect(r.code, r.stderr).toBe(2)
    expect(r.json!.error.code).toBe('ValidationFailed')
    const issues = r.json!.error.data!.issues!
    expect(issues.map((i) => i.code)).toEqual([
      'StageNotFound',
      'StageNotAgent',
      'OntologyMismatch',
      'PathwayNotFound',
      'UserValidation',
    ])
    expect(issues[0].message).toContain('Did you mean "Agent 1"?')
    expect(issues[0].location).toMatch(/^encord-agents\.config\.ts:7:\d+$/)
    expect(issues[1].message).toContain('"Review 1" is a REVIEW stage, not an agent stage')
    expect(issues[2].message).toContain('Did you mean "Box"?')
    expect(issues[3].message).toContain('"to QA"')
    expect(issues[4].message).toBe(
      'hook saw Generated project / Generated ontology / 3 stages / agents Agnet 1, Review 1, Agent 1',
    )
    for (const issue of issues.slice(0, 4)) expect(issue.hint ?? '').not.toBe('')

    const run = await runBin(['run'], { cwd: dir, env: env() })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Validation failed (5 issues)')
    expect(run.stderr).toContain('Nothing was moved or changed.')
    const after = await emulator.requests()
    for (const endpoint of ['list-tasks', 'proceed', 'label-row-metadata', 'save-label-rows', 'set-priorities'])
      expect((after[endpoint] ?? 0) - (before[endpoint] ?? 0), endpoint).toBe(0)
    expect(await emulator.stageCounts(projectHash)).toMatchObject({ 'Agent 1': 3 })
  })

  it('validate for CI: exit 0 and the result as --json when all is well (the hook returning nothing)', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './a.ts' }`], {
        local: '',
        projectHash: `'${projectHash}'`,
        validate: `() => undefined`,
      }),
      'a.ts': agent(
        `description: 'completes all', pathways: ['complete'], ontology: { objects: ['Box'] }, handler: () => 'complete'`,
      ),
    })
    const r = await runBin<ValidateResult>(['validate', '--json'], { cwd: dir, env: env() })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({
      ok: true,
      projectHash,
      projectTitle: 'Generated project',
      issues: [],
      stages: [{ stage: 'Agent 1', title: 'Agent 1', description: 'completes all' }],
    })
    const human = await runBin(['validate'], { cwd: dir, env: env() })
    expect(human.code).toBe(0)
    expect(human.stdout + human.stderr).toContain('Agent 1')
  })

  it('the project must be reachable with this key: an unknown key is exit 3 (authentication), nothing listed; no server is exit 3 (connection)', async () => {
    const strict = await startBinEmulator(await generatedFixture(['--tasks', '2', '--project-hash', projectHash]), [
      '--in-memory',
    ])
    emulators.push(strict)
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './a.ts' }`], {
        local: '',
        projectHash: `'${projectHash}'`,
      }),
      'a.ts': agent(`handler: () => 'complete'`),
    })
    // Nothing listens on port 9: a connection error (after the client's retries) is exit 3 too. Both at once.
    const [r, down] = await Promise.all([
      runBin<ErrorJson>(['validate', '--json'], {
        cwd: dir,
        env: { ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: strict.domain },
      }),
      runBin<ErrorJson>(['validate', '--json'], {
        cwd: dir,
        env: { ENCORD_SSH_KEY: key.privateKeyText, ENCORD_DOMAIN: 'http://127.0.0.1:9' },
      }),
    ])
    expect(r.code, r.stderr).toBe(3)
    expect(r.json!.error.exitCode).toBe(3)
    expect(r.json!.error.hint).not.toBe('')
    expect((await strict.requests())['list-tasks'] ?? 0).toBe(0)
    expect(down.code, down.stderr).toBe(3)
    expect(down.json!.error.message).toContain('ECONNREFUSED')
  })
})
