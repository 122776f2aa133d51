import { defineAgent, frame, labelRow } from 'encord-agents'
import { detectCars } from './model.ts'

/**
 * Detects cars in every image of the "Detect cars" stage: the image is decoded (`frame()`: RGB pixels
 * with their size), handed to the detector (model.ts, a stand-in for your model), and each car is
 * written as a "Car" bounding box with the detector's score as its confidence. Images with cars go to
 * review; the others are done.
 */
export default defineAgent({
  // With encord-agents.gen.d.ts (`encord-agents types`), the compiler checks the returned pathways against this stage.
  stage: 'Detect cars',
  description: 'Finds cars with a detector and writes them as boxes with their confidence.',
  // frame(): the task's image, downloaded and decoded for the handler (for videos, frame({ frame: n })).
  deps: { image: frame(), row: labelRow() },
  ontology: { objects: ['Car'] },
  pathways: ['to review', 'no cars'],
  async handler({ deps }) {
    const cars = await detectCars(deps.image)
    for (const car of cars) {
      // Boxes are fractions of the image size; manualAnnotation: false marks them as a model's.
      deps.row.addBoundingBox('Car', car.box, { confidence: car.score, manualAnnotation: false })
    }
    return cars.length > 0 ? { pathway: 'to review', labelRow: deps.row } : 'no cars'
  },
})
