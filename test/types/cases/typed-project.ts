// Compiled by test/types/typed-project.test.ts against dist/ with the file `encord-agents types` writes for
// ontology_all_types.json (every shape and attribute kind) and one agent stage. Each line that must fail
// carries @ts-expect-error (tsc reports an unused one), every other line must compile.
import { defineAgent, labelRow } from 'encord-agents'

const box = { x: 0, y: 0, w: 1, h: 1 }

export const pathways = [
  defineAgent({ stage: 'Agent 1', handler: () => 'done' }),
  defineAgent({ stage: 'Agent 1', handler: async () => ({ pathway: 'p2-uuid', priority: 1 }) }),
  defineAgent({ stage: 'Agent 1', handler: () => undefined }),
  // @ts-expect-error: "other" is a pathway of Agent 2, not of Agent 1
  defineAgent({ stage: 'Agent 1', handler: () => 'other' }),
  // @ts-expect-error: no agent stage "Agent 9"
  defineAgent({ stage: 'Agent 9', handler: () => undefined }),
  // Without stage: any agent stage's pathway.
  defineAgent({ handler: () => 'other' }),
  // @ts-expect-error: no stage has "nope"
  defineAgent({ handler: () => 'nope' }),
  defineAgent({ stage: 'Agent 1', pathways: ['done'], onFailure: 'review', handler: () => 'review' }),
  // @ts-expect-error: pathways of another stage
  defineAgent({ stage: 'Agent 1', pathways: ['other'], handler: () => undefined }),
  defineAgent({ ontology: { objects: ['Box'], classifications: ['Text classification'] }, handler: () => undefined }),
  // @ts-expect-error: no object "Car"
  defineAgent({ ontology: { objects: ['Car'] }, handler: () => undefined }),
  // @ts-expect-error: no classification "Weather"
  defineAgent({ ontology: { classifications: ['Weather'] }, handler: () => undefined }),
]

export const labels = defineAgent({
  stage: 'Agent 1',
  deps: { row: labelRow() },
  handler({ deps: { row } }) {
    row.addBoundingBox('Box', box)
    row.addBoundingBox('Nested Box', box, { answers: { Mood: ['Sad'], 'First name': 'Ada' } })
    // @ts-expect-error: "Polygon" is a polygon
    row.addBoundingBox('Polygon', box)
    // @ts-expect-error: Mood has no option "Happy"
    row.addBoundingBox('Nested Box', box, { answers: { Mood: ['Happy'] } })
    // @ts-expect-error: Nested Box has no attribute "Colour"
    row.addBoundingBox('Nested Box', box, { answers: { Colour: 'Red' } })
    row.addPolygon('Deeply Nested Polygon', [{ x: 0, y: 0 }], { answers: { 'Radio level 1 ': '1 option 2' } })
    // @ts-expect-error: a nested radio's option label is checked too
    row.addPolygon('Deeply Nested Polygon', [{ x: 0, y: 0 }], { answers: { 'Radio level 1 ': '1 option 3' } })
    row.addPolyline('Polyline', [{ x: 0, y: 0 }])
    row.addPoint('Keypoint Dynamic Answers', { x: 0, y: 0 })
    // @ts-expect-error: "Box" is not a point
    row.addPoint('Box', { x: 0, y: 0 })
    row.addSkeleton('cone object', [])
    row.addObject('Box', box)
    row.addObject('Polygon', [{ x: 0, y: 0 }])
    // @ts-expect-error: a polygon takes points
    row.addObject('Polygon', box)
    // @ts-expect-error: no title
    row.addObject('', box)
    row.addClassification('Radio classification 1', { answer: 'cl 1 option 2', answers: { 'cl 1 2 text': 'hi' } })
    // @ts-expect-error: no option "cl 1 option 3"
    row.addClassification('Radio classification 1', { answer: 'cl 1 option 3' })
    row.addClassification('Checklist classification', { answer: ['Checklist classification answer 1'] })
    row.addClassification('Text classification', { answer: 'free text' })
    // @ts-expect-error: no classification "Weather"
    row.addClassification('Weather', { answer: 'Sunny' })
    return { pathway: 'done', labelRow: row }
  },
})
