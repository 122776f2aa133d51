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
  // Feature hashes of the project's objects and classifications too.
  defineAgent({ ontology: { objects: ['MjI2NzEy'], classifications: ['NzIxNTU1'] }, handler: () => undefined }),
  // @ts-expect-error: no object with feature hash "NoSuchHash"
  defineAgent({ ontology: { objects: ['NoSuchHash'] }, handler: () => undefined }),
  // @ts-expect-error: "NzIxNTU1" is a classification's hash, not an object's
  defineAgent({ ontology: { objects: ['NzIxNTU1'] }, handler: () => undefined }),
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

// Instances: the add methods and a typed `objects({ feature })` give instances that carry their title.
export const instances = defineAgent({
  stage: 'Agent 1',
  deps: { row: labelRow() },
  handler({ deps: { row } }) {
    const nested = row.addBoundingBox('Nested Box', box)
    nested.setAnswer('Mood', ['Sad', 'Angry'])
    nested.setAnswer('Mood', 'Sad', { overwrite: true })
    nested.setAnswer('First name', 'Ada', { overwrite: true })
    // @ts-expect-error: Mood has no option "Happy"
    nested.setAnswer('Mood', ['Happy'])
    // @ts-expect-error: Nested Box has no attribute "Colour"
    nested.setAnswer('Colour', 'Red')
    // @ts-expect-error: a text attribute takes a string
    nested.setAnswer('First name', 3)
    nested.setAnswers({ Mood: ['Angry'], 'First name': 'Ada' }, { overwrite: true })
    // @ts-expect-error: no option "Happy" in setAnswers either
    nested.setAnswers({ Mood: ['Happy'] })
    const mood: readonly { readonly label: 'Angry' | 'Sad' }[] | undefined = nested.getAnswer('Mood')
    const first: string | undefined = nested.getAnswer('First name')
    // @ts-expect-error: getAnswer of an attribute Nested Box lacks
    nested.getAnswer('Colour')
    // @ts-expect-error: a checklist's answer is a list of options, not one
    const wrong: { label: string } | undefined = nested.getAnswer('Mood')

    const deep = row.addObject('Deeply Nested Polygon', [{ x: 0, y: 0 }])
    deep.setAnswer('Radio level 1 ', '1 option 2')
    const radio = deep.getAnswer('Radio level 1 ')
    const label: '1 option 1' | '1 option 2' | undefined = radio?.label
    // @ts-expect-error: "1 option 3" is not an option of the radio
    deep.setAnswer('Radio level 1 ', '1 option 3')
    // @ts-expect-error: the label of a radio answer is one of its options
    const notALabel: 'Other' | undefined = radio?.label

    // By title or feature hash: typed instances; a title or hash the project lacks fails.
    for (const o of row.objects({ feature: 'Nested Box' })) o.setAnswer('Mood', 'Sad')
    for (const o of row.objects({ feature: 'MTA2MjAx' })) o.setAnswer('Mood', 'Angry')
    // @ts-expect-error: Nested Box (by hash) has no option "Happy"
    for (const o of row.objects({ feature: 'MTA2MjAx' })) o.setAnswer('Mood', 'Happy')
    // @ts-expect-error: no object "Truck"
    row.objects({ feature: 'Truck' })
    // Unfiltered instances (title unknown) are unchecked, as in an untyped project.
    row.objects()[0]?.setAnswer('Anything', 'goes')
    const any = row.objects({ frames: [0] })[0]?.getAnswer('Anything')

    const cls = row.addClassification('Radio classification 1', { answer: 'cl 1 option 1' })
    cls.setAnswer('cl 1 option 2', { overwrite: true })
    cls.setAnswer('nested text', { attribute: 'cl 1 2 text' })
    // @ts-expect-error: the question has no option "cl 1 option 3"
    cls.setAnswer('cl 1 option 3')
    // @ts-expect-error: no attribute "Note" in this classification
    cls.setAnswer('x', { attribute: 'Note' })
    const answer: 'cl 1 option 1' | 'cl 1 option 2' | undefined = cls.getAnswer()?.label
    const same: 'cl 1 option 1' | 'cl 1 option 2' | undefined = cls.answer?.label
    const text: string | undefined = cls.getAnswer('cl 1 2 text')
    // @ts-expect-error: no attribute "Note"
    cls.getAnswer('Note')
    for (const c of row.classifications({ feature: 'Checklist classification' }))
      c.setAnswer(['Checklist classification answer 2'], { overwrite: true })
    // @ts-expect-error: not an option of the checklist
    for (const c of row.classifications({ feature: '3DuQbFxo' })) c.setAnswer(['Nope'])
    // @ts-expect-error: no classification "Weather"
    row.classifications({ feature: 'Weather' })
    row.classifications()[0]?.setAnswer('anything', { attribute: 'Anything' })
    void [mood, first, wrong, label, notALabel, any, answer, same, text]
    return 'done'
  },
})
