import { describe, expect, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import { LabelRow } from './label-row.js'
import { Ontology } from './ontology.js'
import { type Json, fixture, ONTOLOGY, FIXED_NOW, load, ANSWERS_ONTOLOGY } from '../../test/helpers/label-rows.js'

describe('answers', () => {
  it('answers radio, checklist, text and nested attributes, in any form', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const car = row.addBoundingBox(
      'Car',
      { x: 0, y: 0, w: 0.5, h: 0.5 },
      { answers: { Colour: 'redOptFH', Tags: 'Parked' } },
    )
    const colour = row.ontology.object('Car').attribute('Colour')
    expect(car.getAnswer(colour)).toBe(row.ontology.get('Car', 'Colour', 'Red'))
    expect(car.getAnswer('Tags')).toEqual([row.ontology.get('Car', 'Tags', 'Parked')])
    car.setAnswer('Colour', row.ontology.get('Car', 'Colour', 'Blue') as never, { overwrite: true })
    expect((car.getAnswer('Colour') as { label: string }).label).toBe('Blue')
    car.setAnswer('Colour', ['red'], { overwrite: true }) // a one-element list and an option value are fine for radio
    expect((car.getAnswer('Colour') as { label: string }).label).toBe('Red')
    car.setAnswer('Tags', [], { overwrite: true })
    expect(car.getAnswer('Tags')).toEqual([])
    car.clearAnswer('Tags')
    expect(car.getAnswer('Tags')).toBeUndefined()
    expect(car.answers().map((a) => a.name)).toEqual(['Colour'])
  })

  it('answers numeric attributes, static and dynamic', () => {
    const row = load('label_row_video.json', ONTOLOGY.api)
    const ontology = new Ontology(ANSWERS_ONTOLOGY)
    const video = new LabelRow(fixture('label_row_video.json'), {
      ontology,
      clock: () => FIXED_NOW,
      newHash: () => 'track001',
    })
    void row
    const box = video.addBoundingBox(
      'Box',
      { x: 0, y: 0, w: 0.1, h: 0.1 },
      { frames: { start: 0, end: 3 }, objectHash: 'box00001', answers: { Count: 3 } },
    )
    box.setAnswer('Speed', 12.5, { frames: [0, 1] })
    box.setAnswer('Speed', 20, { frames: [2, 3] })
    expect(box.getAnswer('Count')).toBe(3)
    expect(box.getAnswer('Speed', { frame: 1 })).toBe(12.5)
    expect(box.getAnswer('Speed', { frame: 3 })).toBe(20)
    expect(box.getAnswer('Speed')).toBe(12.5) // the earliest
    const e = thrown(() => box.setAnswer('Count', 'three'))
    expect(e.code).toBe('InvalidAnswer')
    expect(e.message).toBe(
      'Invalid answer for numeric attribute "Count" (Box › Count): expected a finite number, got the string "three".',
    )
    const out = video.toDict()
    expect((out['object_answers'] as Json)['box00001']).toEqual({
      classifications: [
        { name: 'Count', value: 'count', answers: 3, featureHash: 'countFH1', manualAnnotation: false },
      ],
      objectHash: 'box00001',
    })
    expect(
      ((out['object_actions'] as Json)['box00001'] as { actions: Json[] }).actions.map((a) => [
        a['answers'],
        a['range'],
      ]),
    ).toEqual([
      [12.5, [[0, 1]]],
      [20, [[2, 3]]],
    ])
  })

  it('keeps one action per distinct dynamic answer, splitting and merging ranges', () => {
    const row = load('label-model/generated_video_empty_input.json', ONTOLOGY.synthetic, {
      hashes: ['car00001', 't1', 't2', 't3'],
    })
    const car = row.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: { start: 0, end: 5 } })
    car.setAnswer('Occluded', 'Yes') // every frame of the object
    car.setAnswer('Occluded', 'No', { frames: [2, 3] })
    const actions = () =>
      car
        .answers()
        .filter((a) => a.dynamic)
        .map((a) => [(a.value as { label: string }).label, a.frames])
    expect(actions()).toEqual([
      ['Yes', [0, 1, 4, 5]],
      ['No', [2, 3]],
    ])
    car.setAnswer('Occluded', 'Yes', { frames: 3 })
    expect(actions()).toEqual([
      ['Yes', [0, 1, 3, 4, 5]],
      ['No', [2]],
    ])
    const written = ((row.toDict()['object_actions'] as Json)['car00001'] as { actions: Json[] }).actions
    expect(written.map((a) => [a['range'], a['trackHash']])).toEqual([
      [
        [
          [0, 1],
          [3, 5],
        ],
        't1',
      ],
      [[[2, 2]], 't2'],
    ])
    car.removeFrames([2])
    expect(actions()).toEqual([['Yes', [0, 1, 3, 4, 5]]])
    car.clearAnswer('Occluded', { frames: [0, 1] })
    expect(actions()).toEqual([['Yes', [3, 4, 5]]])
    const e = thrown(() => car.setAnswer('Occluded', 'Yes', { frames: [9] }))
    expect(e.message).toBe(
      'Object "Car" (car00001) is not on frame(s) 9; dynamic answers to "Occluded" go on frames where the object is.',
    )
  })

  it('refuses options of another attribute, unknown options and unknown attributes, naming the feature', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const car = row.addBoundingBox('Car', { x: 0, y: 0, w: 0.5, h: 0.5 })
    const e1 = thrown(() => car.setAnswer('Colour', 'Purple'))
    expect(e1.code).toBe('InvalidAnswer')
    expect(e1.message).toBe(
      'Invalid answer for radio attribute "Colour" (Car › Colour): "Purple" is not one of its options "Red", "Blue".',
    )
    const e2 = thrown(() => car.setAnswer('Colour', 'Bleu'))
    expect(e2.message).toContain('Did you mean "Blue"?')
    const parked = row.ontology.get('Car', 'Tags', 'Parked')
    const e3 = thrown(() => car.setAnswer('Colour', parked as never))
    expect(e3.message).toBe(
      'Invalid answer for radio attribute "Colour" (Car › Colour): "Parked" (it belongs to Car › Tags › Parked) is not one of its options "Red", "Blue".',
    )
    const e4 = thrown(() => car.setAnswer('Colour', ['Red', 'Blue']))
    expect(e4.message).toContain('a radio attribute takes exactly one option, got 2')
    const e5 = thrown(() => car.setAnswer('Weather', 'Sunny'))
    expect(e5.code).toBe('OntologyFeatureNotFound')
    expect(e5.message).toContain('No attribute "Weather" on object "Car".')
    const e6 = thrown(() => car.setAnswer('Note', 5 as never))
    expect(e6.message).toContain('expected a string, got the number 5')
    const e7 = thrown(() =>
      row.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { answers: { Tags: ['Parked', 'Flying'] } }),
    )
    expect(e7.message).toContain('"Flying" is not one of its options "Parked", "Moving"')
    expect(row.objects()).toHaveLength(1) // the refused object was not added
  })

  it('answers classifications and nested classification attributes', () => {
    const row = load('label-model/labels_image_classification_no_answer.json', ONTOLOGY.allTypes, {
      hashes: ['newCls01'],
    })
    // Loaded without classification_answers: unanswered, and written back without an entry.
    const radio = row.classifications({ feature: 'Radio classification 1' })[0]
    expect(radio.answer).toBeUndefined()
    radio.setAnswer('cl 1 option 2').setAnswer('The moon', { attribute: 'cl 1 2 text' })
    const entry = (row.toDict()['classification_answers'] as Json)['3AqiIPrF'] as Json
    expect(entry).toEqual({
      classifications: [
        {
          name: 'cl 1 2 text',
          value: 'cl_1_2_text',
          answers: 'The moon',
          featureHash: 'MTg0MjIw',
          manualAnnotation: false,
        },
        {
          name: 'Radio classification 1',
          value: 'radio_classification_1',
          answers: [{ name: 'cl 1 option 2', value: 'cl_1_option_2', featureHash: 'MjUzMTg1' }],
          featureHash: 'MjI5MTA5',
          manualAnnotation: false,
        },
      ],
      classificationHash: '3AqiIPrF',
      featureHash: 'NzIxNTU1',
      spaces: {},
    })
    radio.clearAnswer('cl 1 2 text')
    expect(radio.answers().map((a) => a.name)).toEqual(['Radio classification 1'])
    const e = thrown(() => radio.setAnswer('nope'))
    expect(e.message).toContain('"nope" is not one of its options "cl 1 option 1", "cl 1 option 2"')
  })
})
