import { defineAgent } from 'encord-agents'

/** Routes each task: garages need a human, everything else goes on to the "Finish" agent stage. */
export default defineAgent({
  description: 'Routes garages to manual review, the rest to the Finish agent.',
  pathways: ['auto', 'manual'],
  handler({ task }) {
    return task.dataTitle.includes('garage') ? 'manual' : 'auto'
  },
})
