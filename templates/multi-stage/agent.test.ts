import { expect, it } from 'vitest'
import { runAgent, testProject } from 'encord-agents/testing'
import finish from './agents/finish.ts'
import triage from './agents/triage.ts'

// `npm test`: the agents run on a project held in memory by the local Encord emulator (no port, no
// file written), through the same Runner and client as `npm run agent:run`.
it('triage sends garages to review; Finish completes the rest, highways first', async () => {
  const project = await testProject({
    stages: [
      { title: 'Triage', pathways: { auto: 'Finish', manual: 'Review' } },
      { title: 'Finish', pathways: { done: 'Complete' } },
      { title: 'Review', type: 'review' },
      { title: 'Complete', type: 'done' },
    ],
    tasks: ['garage-01.png', 'highway-02.png', 'street-03.png'],
  })
  // Stage after stage, in this order, as the config runs them.
  const run = await runAgent({ Triage: triage, Finish: finish }, { project })
  expect(run.ok).toBe(true)
  expect(run.tasks.map((t) => [t.dataTitle, t.stage, t.priority])).toEqual([
    ['garage-01.png', 'Review', null],
    ['highway-02.png', 'Complete', 0.9],
    ['street-03.png', 'Complete', 0.5],
  ])
})
