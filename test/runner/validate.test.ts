import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { defineDependency } from '../../src/core/deps/dependency.js'
import type { Dependency } from '../../src/core/deps/types.js'
import { UserError } from '../../src/shared/errors.js'
import { Runner } from '../../src/core/runner/runner.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

describe('validation before anything runs', () => {
  it('passes for a correct setup and lists the stages in run order', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2, stages: ['Agent 1', 'Agent 2'] }))
    const runner = new Runner({ projectHash: e.projectHash, client: e.client })
      .stage(
        'Agent 2',
        defineAgent({
          pathways: ['complete'],
          ontology: { objects: ['Box'], classifications: ['Weather', 'tAgS1c2h'] },
          handler: () => 'complete',
        }),
      )
      .stage(e.stageUuid('Agent 1'), defineAgent({ description: 'first', handler: () => 'complete' }))
    const result = await runner.validate()
    expect(result.issues).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.stages.map((s) => s.title)).toEqual(['Agent 2', 'Agent 1'])
    expect(result.stages[1].description).toBe('first')
  })

  it('reports every issue at once: unknown and non-agent stages, pathways, ontology, cycles, the user hook', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2 }))
    const holder: Record<string, Dependency<number>> = {}
    const a: Dependency<number> = defineDependency({ name: 'a', deps: () => ({ b: holder.b }), resolve: () => 1 })
    holder.b = defineDependency({ name: 'b', deps: () => ({ a }), resolve: () => 1 })
    let hookSaw: { stages?: number; ontology?: string; agents?: number } = {}
    const runner = new Runner({
      projectHash: e.projectHash,
      client: e.client,
      validate: (ctx) => {
        hookSaw = { stages: ctx.workflow.stages.length, ontology: ctx.ontology.title, agents: ctx.agents.length }
        return ['the model server is down']
      },
    })
      .stage('Agnet 1', defineAgent({ handler: () => 'complete' }))
      .stage('Review 1', defineAgent({ handler: () => 'complete' }))
      .stage(
        'Agent 1',
        defineAgent({
          pathways: ['complete', 'to QA'],
          onFailure: 'failed',
          ontology: { objects: ['Bx'], classifications: ['Weather'] },
          deps: { a },
          handler: () => 'complete',
        }),
      )
    const result = await runner.validate()
    expect(result.ok).toBe(false)
    const codes = result.issues.map((i) => i.code)
    expect(codes).toEqual([
      'StageNotFound',
      'StageNotAgent',
      'DependencyCycle',
      'OntologyMismatch',
      'PathwayNotFound',
      'PathwayNotFound',
      'UserValidation',
    ])
    const byCode = (code: string) => result.issues.filter((i) => i.code === code)
    expect(byCode('StageNotFound')[0].message).toContain('Did you mean "Agent 1"?')
    expect(byCode('StageNotFound')[0].hint).toMatch(/Agent stages of this project: "Agent 1" \(/)
    expect(byCode('StageNotFound')[0].location).toMatch(/validate\.test\.ts:\d+:\d+/)
    expect(byCode('StageNotAgent')[0].message).toMatch(/"Review 1" is a REVIEW stage, not an agent stage/)
    expect(byCode('OntologyMismatch')[0].message).toContain('Did you mean "Box"?')
    expect(
      byCode('PathwayNotFound')
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(/"to QA"[\s\S]*onFailure set to an unknown pathway "failed"/)
    expect(byCode('DependencyCycle')[0].message).toMatch(/a → b → a/)
    expect(byCode('UserValidation')[0].message).toBe('the model server is down')
    expect(hookSaw).toEqual({ stages: 3, ontology: 'Generated ontology', agents: 3 })
  })

  it("defineAgent's stage and the binding's stage must agree (by title or UUID): StageMismatch otherwise", async () => {
    const e = (env = await startRunnerEnv({ tasks: 2, stages: ['Agent 1', 'Agent 2'] }))
    const agreeing = await new Runner({ projectHash: e.projectHash, client: e.client })
      .stage(e.stageUuid('Agent 1'), defineAgent({ stage: 'Agent 1', handler: () => 'complete' }))
      .stage('Agent 2', defineAgent({ stage: e.stageUuid('Agent 2'), handler: () => 'complete' }))
      .validate()
    expect(agreeing.issues).toEqual([])
    const result = await new Runner({ projectHash: e.projectHash, client: e.client })
      .stage('Agent 2', defineAgent({ stage: 'Agent 1', handler: () => 'complete' }), { location: 'config.ts:4:5' })
      .stage('Agent 1', defineAgent({ stage: 'Agent 9', handler: () => 'complete' }))
      .validate()
    expect(result.ok).toBe(false)
    expect(result.issues.map((i) => [i.code, i.stage, i.location])).toEqual([
      ['StageMismatch', 'Agent 2', 'config.ts:4:5'],
      ['StageMismatch', 'Agent 1', expect.stringContaining('validate.test.ts')],
    ])
    expect(result.issues[0].message).toMatch(
      /serves stage "Agent 1" \(defineAgent\), but it is bound to stage "Agent 2" \(config\.ts:4:5\)\.$/,
    )
    expect(result.issues[1].message).toContain('has no stage "Agent 9"')
    expect(result.issues[0].hint).toContain('leave `stage` out of the config entry')
  })

  it('run() refuses to start on validation issues (exit 2), before moving anything', async () => {
    const e = (env = await startRunnerEnv({ tasks: 2 }))
    const runner = new Runner({
      projectHash: e.projectHash,
      client: e.client,
      validate: () => {
        throw new Error('not on Fridays')
      },
    }).stage('Agent 1', defineAgent({ handler: () => 'complete' }))
    let error: UserError | undefined
    try {
      await runner.run()
    } catch (err) {
      error = err as UserError
    }
    expect(error?.code).toBe('ValidationFailed')
    expect(error?.exitCode).toBe(2)
    expect(error?.message).toContain('not on Fridays')
    expect(error?.data?.issues).toHaveLength(1)
    // The first stage's listing started while the hook ran (read-only; see listing-head-start.test.ts).
    expect(e.requestsByEndpoint()['list-tasks'] ?? 0).toBeLessThanOrEqual(1)
    expect(e.requestsByEndpoint().proceed ?? 0).toBe(0)
    expect(e.tasksIn('Agent 1')).toHaveLength(2)
  })

  it('a missing project hash is a clear user error', async () => {
    const e = (env = await startRunnerEnv({ tasks: 1 }))
    const saved = process.env.ENCORD_PROJECT_HASH
    delete process.env.ENCORD_PROJECT_HASH
    try {
      const runner = new Runner({ client: e.client }).stage('Agent 1', defineAgent({ handler: () => 'complete' }))
      await expect(runner.run()).rejects.toMatchObject({ code: 'ProjectHashMissing', exitCode: 2 })
    } finally {
      if (saved !== undefined) process.env.ENCORD_PROJECT_HASH = saved
    }
  })
})
