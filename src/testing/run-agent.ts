import { fail } from '../shared/error-catalogue/index.js'
import { isAgentDefinition, type AgentDefinition } from '../core/agent.js'
import type { DepsRecord } from '../core/deps/types.js'
import { Runner } from '../core/runner/runner.js'
import type { RunOptions } from '../core/runner/settings.js'
import type { UserValidateHook } from '../core/runner/validate.js'
import type { RunResult } from '../core/types.js'
import type { TestProject, TestTask } from './project.js'

// Any agent, whatever its deps: the record form mixes agents with different ones.
type AnyAgent = AgentDefinition<any>

/** What {@link runAgent} takes: the project, the stage, and any run option of `Runner.run`. */
export interface RunAgentOptions extends Omit<RunOptions, 'client' | 'projectHash' | 'journal' | 'journalDir'> {
  /** The project to run on (see `testProject`); its state carries over to the next run. */
  project: TestProject
  /** The stage (title or UUID) a single agent runs on. @default the project's only agent stage */
  stage?: string
  /** Your checks before anything runs, as `validate` in the config. */
  validate?: UserValidateHook
}

/** The RunResult of {@link runAgent}, plus every task of the project after the run. */
export interface AgentTestRun extends RunResult {
  /** Every task of the project after the run: its stage, the pathway that moved it, its priority and saved labels. */
  tasks: TestTask[]
}

/**
 * Run an agent (or several: `{ 'Stage title': agent, ... }`, in that order) on a test project, as
 * `encord-agents run` would, through the library's Runner, the real Encord client and the in-process
 * emulator: validation, dependencies, batching, retries and flushing all happen. Nothing listens on a
 * port and nothing is written. Retries do not wait (`retryDelayMs: 0`) unless you say so.
 *
 * @example
 * ```ts
 * const project = await testProject({ fixture: new URL('./fixture.json', import.meta.url) })
 * const run = await runAgent(agent, { project })
 * expect(run.ok).toBe(true)
 * expect(project.task('crossing-01.jpg').stage).toBe('Review 1')
 * ```
 * @see testProject
 */
export async function runAgent(
  agents: AnyAgent | Record<string, AnyAgent>,
  options: RunAgentOptions,
): Promise<AgentTestRun> {
  const { project, stage, validate, ...runOptions } = options
  const runner = new Runner({ projectHash: project.projectHash, client: project.client, validate })
  if (isAgentDefinition(agents)) {
    runner.stage(stage ?? onlyAgentStage(project), agents)
  } else {
    if (stage !== undefined) throw fail('InvalidStage.runAgentStageWithRecord')
    const entries = Object.entries(agents ?? {})
    if (entries.length === 0) throw fail('InvalidStage.runAgentNoAgent')
    for (const [title, agent] of entries) runner.stage(title, agent as AgentDefinition<DepsRecord>)
  }
  const result = await runner.run({ retryDelayMs: 0, ...runOptions, client: project.client, journal: false })
  return { ...result, tasks: project.tasks() }
}

function onlyAgentStage(project: TestProject): string {
  const stages = project.agentStages
  if (stages.length === 1) return stages[0]
  throw stages.length === 0
    ? fail('InvalidStage.runAgentNoAgentStage')
    : fail('InvalidStage.runAgentWhichStage', { stages })
}
