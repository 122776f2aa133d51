import { defineAgent } from 'encord-agents'

/** Finishes what triage let through, with a higher priority for highway images. */
export default defineAgent({
  // With encord-agents.gen.d.ts (`encord-agents types`), the compiler checks the returned pathways against this stage.
  stage: 'Finish',
  description: 'Completes every task; highways get a higher priority.',
  pathways: ['done'],
  handler({ task }) {
    return { pathway: 'done', priority: task.dataTitle.includes('highway') ? 0.9 : 0.5 }
  },
})
