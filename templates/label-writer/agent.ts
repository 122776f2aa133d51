import { defineAgent, labelRow } from 'encord-agents'

/**
 * Pre-labels every image of the "Pre-label" stage: a "Car" bounding box and the "Weather"
 * classification, written into the task's label row, which is saved before the task moves on to review.
 * Swap the fixed values for your model's output.
 */
export default defineAgent({
  // With encord-agents.gen.d.ts (`encord-agents types`), the compiler checks the returned pathways against this stage.
  stage: 'Pre-label',
  description: 'Writes a Car box and the Weather, then sends the task to review.',
  // Declared so the runner loads the label row for the whole batch (one request), and so that
  // `validate` checks the ontology has these features before anything runs.
  deps: { row: labelRow() },
  ontology: { objects: ['Car'], classifications: ['Weather'] },
  pathways: ['to review'],
  handler({ task, deps }) {
    const rainy = task.dataTitle.includes('bridge')
    // Coordinates are fractions of the image size: x, y of the top-left corner, width, height.
    deps.row.addBoundingBox('Car', { x: 0.25, y: 0.4, w: 0.3, h: 0.2 }, { confidence: 0.8 })
    deps.row.addClassification('Weather', { answer: rainy ? 'Rainy' : 'Sunny' })
    // A changed label row from `deps` is saved anyway; returning it makes the save explicit.
    return { pathway: 'to review', labelRow: deps.row }
  },
})
