import { expect, it } from 'vitest'
import { runAgent, testProject } from 'encord-agents/testing'
import agent from './agent.ts'

// `npm test`: the agent runs on a project held in memory by the local Encord emulator (no port, no
// file written), through the same Runner and client as `npm run agent:run`.
it('writes a Car box and the Weather, saves the label row and sends the task to review', async () => {
  const project = await testProject({
    ontology: { objects: ['Car'], classifications: [{ name: 'Weather', options: ['Sunny', 'Rainy'] }] },
    stages: [
      { title: 'Pre-label', pathways: { 'to review': 'Review' } },
      { title: 'Review', type: 'review' },
    ],
    tasks: ['bridge-01.png', 'street-02.png'],
  })
  const run = await runAgent(agent, { project })
  expect(run.ok).toBe(true)
  for (const [title, weather] of [
    ['bridge-01.png', 'Rainy'],
    ['street-02.png', 'Sunny'],
  ]) {
    const task = project.task(title)
    expect(task.stage).toBe('Review')
    // The label row as saved, read back with the label model.
    expect(task.labelRow?.objects().map((o) => o.title)).toEqual(['Car'])
    expect(task.labelRow?.classifications()[0].getAnswer()).toMatchObject({ title: weather })
  }
})
