/**
 * `encord-agents/testing`: unit-test agents in vitest (or any test runner) without the CLI, a port or
 * a file. A project from a fixture, a generator spec or an inline description is served by the local
 * Encord emulator in this process; `runAgent` runs agents on it through the library's Runner and the
 * real client, and returns the RunResult with every task's state after the run.
 *
 * @example
 * ```ts
 * import { runAgent, testProject } from 'encord-agents/testing'
 * import agent from './agent.ts'
 *
 * const project = await testProject({ tasks: ['crossing-01.jpg', 'highway-02.jpg'] })
 * const run = await runAgent(agent, { project })
 * expect(run.tasks.map((t) => [t.dataTitle, t.pathway])).toEqual([['crossing-01.jpg', 'needs review'], ['highway-02.jpg', 'complete']])
 * ```
 */
export { testProject, TestProject, TEST_AGENT_EMAIL, type TestProjectSource, type TestTask } from './project.js'
export { runAgent, type AgentTestRun, type RunAgentOptions } from './run-agent.js'
export type {
  TestAttributeDescription,
  TestObjectDescription,
  TestProjectDescription,
  TestStageDescription,
  TestTaskDescription,
} from './describe.js'
export type { GenerateFixtureOptions } from '../emulator/generate.js'
export type { Fixture, FixtureInput } from '../emulator/fixture.js'
