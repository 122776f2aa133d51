import { defineAgent } from 'encord-agents'

/**
 * Decides every task of the "Agent 1" stage: returns the name of the pathway to move it along.
 * Returning nothing would leave the task in the stage for the next run.
 */
export default defineAgent({
  // With encord-agents.gen.d.ts (`encord-agents types`), the compiler checks the returned pathways against this stage.
  stage: 'Agent 1',
  description: 'Sends crossings to review and completes everything else.',
  pathways: ['complete', 'needs review'],
  handler({ task }) {
    if (task.dataTitle.includes('crossing')) return 'needs review'
    return 'complete'
  },
})
