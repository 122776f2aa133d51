import { defineAgent } from 'encord-agents'

/** Routes each task: garages need a human, everything else goes on to the "Finish" agent stage. */
export default defineAgent({
  // With encord-agents.gen.d.ts (`encord-agents types`), the compiler checks the returned pathways against this stage.
  stage: 'Triage',
  description: 'Routes garages to manual review, the rest to the Finish agent.',
  pathways: ['auto', 'manual'],
  handler({ task }) {
    return task.dataTitle.includes('garage') ? 'manual' : 'auto'
  },
})
