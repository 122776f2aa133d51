import { expect, it } from 'vitest'
import { Frame } from 'encord-agents'
import { runAgent, testProject } from 'encord-agents/testing'
import agent from './agent.ts'
import { detectCars } from './model.ts'

// `npm test`: the agent runs on a project held in memory by the local Encord emulator, whose images are
// real PNG files (a gradient with a dark block in the middle third), downloaded and decoded as in a run.
it('finds the dark block in every image, writes it as a Car box with its confidence, and sends the task to review', async () => {
  const project = await testProject({
    ontology: { objects: ['Car'] },
    stages: [
      { title: 'Detect cars', pathways: { 'to review': 'Review', 'no cars': 'Complete' } },
      { title: 'Review', type: 'review' },
      { title: 'Complete', type: 'done' },
    ],
    tasks: ['street-01.png', 'street-02.png'],
  })
  const run = await runAgent(agent, { project })
  expect(run.ok).toBe(true)
  for (const title of ['street-01.png', 'street-02.png']) {
    const task = project.task(title)
    expect(task.stage).toBe('Review')
    const [car] = task.labelRow!.objects()
    expect(car.title).toBe('Car')
    const box = car.coordinates(0) as { x: number; y: number; w: number; h: number }
    // The block is the middle third of the image.
    expect(box.x).toBeCloseTo(1 / 3, 1)
    expect(box.w).toBeCloseTo(1 / 3, 1)
    expect(car.annotation(0)!.confidence).toBeGreaterThan(0.5)
    expect(car.annotation(0)!.manualAnnotation).toBe(false)
  }
  // An even image has no car: the detector finds nothing there.
  const grey = Frame.fromRgb(Buffer.alloc(64 * 48 * 3, 128), { width: 64, height: 48 })
  expect(await detectCars(grey)).toEqual([])
})
