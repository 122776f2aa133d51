import { expect, it } from 'vitest'
import { runAgent, testProject } from 'encord-agents/testing'
import agent from './agent.ts'

// `npm test`: the agent runs on a project held in memory by the local Encord emulator (no port, no
// file written), through the same Runner and client as `npm run agent:run`.
it('sends crossings to review and completes everything else', async () => {
  const project = await testProject({
    stages: [
      { title: 'Agent 1', pathways: { complete: 'Complete', 'needs review': 'Review' } },
      { title: 'Review', type: 'review' },
      { title: 'Complete', type: 'done' },
    ],
    tasks: ['crossing-01.png', 'highway-02.png'],
  })
  const run = await runAgent(agent, { project })
  expect(run.ok).toBe(true)
  expect(project.task('crossing-01.png')).toMatchObject({ stage: 'Review', pathway: 'needs review' })
  expect(project.task('highway-02.png')).toMatchObject({ stage: 'Complete', pathway: 'complete' })
})
