import { describe, expect, expectTypeOf, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import { Bitmask } from './bitmask.js'
import { ClassificationInstance } from './classification-instance.js'
import { LabelRow } from './label-row.js'
import { ObjectInstance } from './object-instance.js'
import {
  type Json,
  fixture,
  ONTOLOGY,
  ontologyOf,
  load,
  metadata,
  SDK_OBJECT_LABEL_KEYS,
} from '../../test/helpers/label-rows.js'

describe('writing', () => {
  it('writes every shape in the save format', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic, {
      hashes: ['a', 'b', 'c', 'd'],
    })
    row.addPolygon('Area', {
      polygons: [
        [
          [
            { x: 0, y: 0 },
            { x: 1, y: 0 },
            { x: 1, y: 1 },
          ],
          [
            { x: 0.5, y: 0.5 },
            { x: 0.6, y: 0.5 },
            { x: 0.6, y: 0.6 },
          ],
        ],
        [
          [
            { x: 0.1, y: 0.1 },
            { x: 0.2, y: 0.1 },
            { x: 0.2, y: 0.2 },
          ],
        ],
      ],
    })
    row.addPolyline('Lane', {
      points: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
    })
    row.addObject('Keypoint', { x: 0.5, y: 0.5 })
    row.addBitmask('Mask', { mask: new Uint8Array(32).fill(1), width: 8, height: 4 })
    const objects = ((Object.values(row.toDict()['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] })
      .objects
    expect(objects[0]['polygon']).toEqual({ '0': { x: 0, y: 0 }, '1': { x: 1, y: 0 }, '2': { x: 1, y: 1 } })
    expect(objects[0]['polygons']).toEqual([
      [
        [0, 0, 1, 0, 1, 1],
        [0.5, 0.5, 0.6, 0.5, 0.6, 0.6],
      ],
      [[0.1, 0.1, 0.2, 0.1, 0.2, 0.2]],
    ])
    expect(objects[1]['polyline']).toEqual({ '0': { x: 0, y: 0 }, '1': { x: 1, y: 1 } })
    expect(objects[2]['point']).toEqual({ '0': { x: 0.5, y: 0.5 } })
    expect(objects[3]['bitmask']).toEqual({ top: 0, left: 0, height: 4, width: 8, rleString: '0P1' }) // counts [0, 32]
    expect(Bitmask.from(objects[3]['bitmask'] as never).area).toBe(32)
    expect(Object.keys(objects[0])).toEqual([...SDK_OBJECT_LABEL_KEYS, 'polygon', 'polygons'])
    expect(objects[0]['createdBy']).toBeNull()
    expect(objects[0]['manualAnnotation']).toBe(false) // agent-made by default
    expect(objects[0]['createdAt']).toBe('Tue, 02 Jan 2024 03:04:05 UTC')
  })

  it('writes skeletons filling names from the template', () => {
    const row = load('label-model/labels_skeleton.json', ONTOLOGY.skeleton, { hashes: ['skel0001'] })
    const pts = [
      { x: 0.1, y: 0.1, visibility: 'visible' as const },
      { x: 0.2, y: 0.1 },
      { x: 0.2, y: 0.2 },
      { x: 0.1, y: 0.2 },
    ]
    const sk = row.addSkeleton('Square', pts)
    const obj = ((Object.values(row.toDict()['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] })
      .objects[1]
    expect(obj['skeleton']).toEqual({
      '0': {
        x: 0.1,
        y: 0.1,
        name: 'point_0',
        color: '#000000',
        value: 'point_0',
        featureHash: 'A9sGmBca',
        visibility: 'visible',
      },
      '1': { x: 0.2, y: 0.1, name: 'point_1', color: '#000000', value: 'point_1', featureHash: 'UWKgC/Db' },
      '2': { x: 0.2, y: 0.2, name: 'point_2', color: '#000000', value: 'point_2', featureHash: 'mBt9AAhc' },
      '3': { x: 0.1, y: 0.2, name: 'point_3', color: '#000000', value: 'point_3', featureHash: 'mBt9AAhd' },
    })
    expect(sk.coordinates()!.points).toHaveLength(4)
    const e = thrown(() => row.addSkeleton('Square', pts.slice(0, 2)))
    expect(e.message).toContain('the skeleton template has 4 points (point_0, point_1, point_2, point_3), got 2')
  })

  it('refuses coordinates of the wrong shape, naming the object', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const e1 = thrown(() => row.addBoundingBox('Area', { x: 0, y: 0, w: 0.1, h: 0.1 }))
    expect(e1.code).toBe('WrongShape')
    expect(e1.message).toBe('Object "Area" is a polygon object, not a bounding_box object.')
    const e2 = thrown(() => row.addObject('Area', { x: 0, y: 0, w: 0.1, h: 0.1 }))
    expect(e2.code).toBe('WrongShape')
    expect(e2.message).toBe(
      'Object "Area" is a polygon object; it takes points [{x, y}, ...] (at least 3), { points } or { polygons }, got a bounding box {x, y, w, h}.',
    )
    const e3 = thrown(() => row.addObject('Car', [{ x: 0, y: 0 }]))
    expect(e3.message).toContain(
      'Object "Car" is a bounding_box object; it takes a bounding box {x, y, w, h}, got a list of 1 item(s).',
    )
    expect(thrown(() => row.addObject('Mask', { x: 0.1, y: 0.1 })).code).toBe('WrongShape')
    expect(row.isDirty).toBe(false)
    expect(row.objects()).toHaveLength(0)
  })

  it('refuses pixel coordinates, NaN, and polygons with too few points', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const e = thrown(() => row.addBoundingBox('Car', { x: 120, y: 40, w: 30, h: 20 }))
    expect(e.code).toBe('InvalidCoordinates')
    expect(e.message).toBe('Invalid coordinates for bounding_box object "Car": x = 120 is outside [0, 1].')
    expect(e.hint).toContain('divide x and w by the frame width')
    expect(thrown(() => row.addPoint('Keypoint', { x: Number.NaN, y: 0 })).message).toContain(
      'x must be a finite number',
    )
    expect(
      thrown(() =>
        row.addPolygon('Area', [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ]),
      ).message,
    ).toContain('points has 2 point(s); a polygon needs at least 3')
    expect(thrown(() => row.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { confidence: 1.5 })).code).toBe(
      'InvalidAnnotation',
    )
    expect(row.objects()).toHaveLength(0)
  })

  it('refuses bitmasks of another size than the frame', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const e = thrown(() => row.addBitmask('Mask', Bitmask.fromMask(new Uint8Array(4), { width: 2, height: 2 })))
    expect(e.code).toBe('BitmaskSizeMismatch')
    expect(e.message).toBe('Bitmask for object "Mask" on frame 0 is 2×2, but the frame is 8×4.')
  })

  it('refuses frames the media does not have', () => {
    const image = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const e = thrown(() => image.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frame: 1 }))
    expect(e.code).toBe('FrameOutOfRange')
    expect(e.message).toBe('Cannot put object "Car" on frame(s) 1: an image has only frame 0.')
    const group = load('label-model/labels_image_group.json', ONTOLOGY.imageGroup)
    expect(
      thrown(() => group.addBoundingBox('Cars', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: [4, 5, 6] })).message,
    ).toBe('Cannot put object "Cars" on frame(s) 5–6: this img_group has frames 0–4.')
    group.addBoundingBox('Cars', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: [3, 4] })
    const video = new LabelRow(fixture('label_row_video.json'), {
      ontology: ontologyOf(ONTOLOGY.api),
      metadata: metadata({ numberOfFrames: 50, dataTitle: 'drive.mp4' }),
    })
    expect(thrown(() => video.addBoundingBox('Box', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frame: 50 })).message).toBe(
      'Cannot put object "Box" on frame(s) 50: "drive.mp4" has 50 frames (0–49).',
    )
    expect(thrown(() => video.addBoundingBox('Box', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frame: -1 })).code).toBe(
      'FrameOutOfRange',
    )
  })

  it('refuses to set a frame twice unless overwrite, and edits annotations', () => {
    const row = load('label_row_video.json', ONTOLOGY.api)
    const box = row.objects()[0]
    if (box.shape !== 'bounding_box') throw new Error('narrowing')
    const e = thrown(() => box.setForFrames({ x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: [2, 3] }))
    expect(e.code).toBe('FrameAlreadyLabelled')
    expect(e.message).toBe('Object "Box" (Ob2HaSh2) already has coordinates on frame(s) 2.')
    expect(row.isDirty).toBe(false)
    box.setForFrames({ x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: [2, 3], overwrite: true, confidence: 0.3 })
    expect(box.frames()).toEqual([0, 1, 2, 3])
    expect(box.annotation(2)?.confidence).toBe(0.3)
    row.markSaved()
    box
      .annotation(0)!
      .update({ coordinates: { x: 0.2, y: 0.2, w: 0.2, h: 0.2 }, confidence: 0.5, lastEditedBy: 'me@example.com' })
    expect(row.isDirty).toBe(true)
    const frame0 = (row.toDict()['data_units'] as Record<string, { labels: Record<string, { objects: Json[] }> }>)[
      'd0000002-aaaa-4bbb-8ccc-000000000002'
    ].labels['0'].objects[0]
    expect(frame0).toMatchObject({
      confidence: 0.5,
      lastEditedBy: 'me@example.com',
      lastEditedAt: 'Tue, 02 Jan 2024 03:04:05 UTC',
      boundingBox: { h: 0.2, w: 0.2, x: 0.2, y: 0.2 },
    })
    expect(frame0['createdAt']).toBe('Tue, 03 Jun 2025 11:31:02 UTC') // kept
  })

  it('removes frames, objects and classifications', () => {
    const row = load('label_row_video.json', ONTOLOGY.api)
    const box = row.objects()[0]
    box.removeFrames([0, 1])
    expect(box.frames()).toEqual([2])
    const labels = () =>
      (
        row.toDict()['data_units'] as Record<
          string,
          { labels: Record<string, { objects: Json[]; classifications: Json[] }> }
        >
      )['d0000002-aaaa-4bbb-8ccc-000000000002'].labels
    expect(labels()['0'].objects).toEqual([])
    box.removeFrames(2) // its last frame: it leaves the row
    expect(row.objects()).toHaveLength(0)
    expect(box.row).toBeNull()
    expect(row.toDict()['object_answers']).toEqual({})
    const weather = row.classifications()[0]
    row.removeClassification(weather)
    expect(row.toDict()['classification_answers']).toEqual({})
    expect(Object.keys(labels())).toEqual([]) // frames left without labels are not written
    expect(row.isDirty).toBe(true)
    const again = load('label_row_image.json', ONTOLOGY.api)
    again.removeObject('Ob1HaSh1')
    expect(again.objects()).toEqual([])
  })
})

describe('classifications', () => {
  it('refuses the same classification on overlapping frames, or takes them with force', () => {
    // (A refused add still draws a hash.)
    const row = load('label_row_video.json', ONTOLOGY.api, { hashes: ['refused1', 'cls00001', 'cls00002'] })
    const e = thrown(() => row.addClassification('Weather', { answer: 'Sunny', frames: { start: 4, end: 6 } }))
    expect(e.code).toBe('ClassificationFramesOverlap')
    expect(e.message).toBe(
      'Classification "Weather" is already on frame(s) 4 of this label row (instance Cl2HaSh2); a classification can be on a frame only once.',
    )
    expect(row.isDirty).toBe(false)
    row.addClassification('Weather', { answer: 'Sunny', frames: { start: 5, end: 6 } })
    row.addClassification('Weather', { answer: 'Sunny', frames: [3, 4], force: true })
    expect(row.classifications().map((c) => [c.classificationHash, c.frames()])).toEqual([
      ['Cl2HaSh2', [0, 1, 2]],
      ['cls00001', [5, 6]],
      ['cls00002', [3, 4]],
    ])
    // A different classification on the same frames is fine.
    row.addClassification('Image issues', { answer: ['Blurry', 'Dark'], frames: 'all' })
    expect(row.classifications({ feature: 'Image issues' })[0].frames()).toHaveLength(50)
    const existing = row.classification('Cl2HaSh2')!
    expect(thrown(() => existing.setForFrames({ frames: 5 })).code).toBe('ClassificationFramesOverlap')
    const answers = (row.toDict()['classification_answers'] as Json)['Cl2HaSh2'] as Json
    expect(Object.keys(answers)).toEqual(['classifications', 'classificationHash', 'featureHash', 'spaces'])
  })

  it('writes range and metadata for new classifications from their frames', () => {
    const row = load('label_row_video.json', ONTOLOGY.api, {
      hashes: ['cls00001'],
      defaults: { createdBy: 'bot@example.com' },
    })
    row.classification('Cl2HaSh2')!.remove()
    row.addClassification('Weather', { answer: 'Cloudy', frames: [0, 1, 2, 7] })
    const entry = (row.toDict()['classification_answers'] as Json)['cls00001'] as Json
    expect(entry).toEqual({
      classifications: [
        {
          name: 'Weather',
          value: 'weather',
          answers: [{ name: 'Cloudy', value: 'cloudy', featureHash: 'cLoUd9y0' }],
          featureHash: 'wE4thAt6',
          manualAnnotation: false,
        },
      ],
      classificationHash: 'cls00001',
      featureHash: 'wE4thR5s',
      spaces: {},
      range: [
        [0, 2],
        [7, 7],
      ],
      createdBy: 'bot@example.com',
      createdAt: 'Tue, 02 Jan 2024 03:04:05 UTC',
      lastEditedBy: 'bot@example.com',
      lastEditedAt: 'Tue, 02 Jan 2024 03:04:05 UTC',
      manualAnnotation: false,
    })
  })

  it('adds global classifications once, without frames', () => {
    const row = load('label-model/labels_video_empty.json', ONTOLOGY.allTypes, {
      hashes: ['glob0001', 'refused1', 'refused2', 'glob0002'],
    })
    const g = row.addClassification('Global classification', { answer: ['Global Answer 2'] })
    expect(g.frames()).toEqual([])
    const entry = (row.toDict()['classification_answers'] as Json)['glob0001'] as Json
    expect(entry['range']).toEqual([])
    expect((entry['classifications'] as Json[])[0]['answers']).toEqual([
      { name: 'Global Answer 2', value: 'checklist_classification_answer_2', featureHash: '74r7nK9e' },
    ])
    expect(thrown(() => row.addClassification('Global classification', { answer: [] })).code).toBe(
      'ClassificationFramesOverlap',
    )
    expect(thrown(() => row.addClassification('Global classification', { frames: 0 })).message).toContain('is global')
    row.addClassification('Global classification', { answer: ['Global Answer 1'], force: true })
    expect(row.classifications().map((c) => c.classificationHash)).toEqual(['glob0002'])
    const video = row.toDict()['data_units'] as Record<string, { labels: Json }>
    expect(Object.values(video)[0].labels).toEqual({})
  })
})

describe('detached instances (the SDK way)', () => {
  it('builds an instance, then adds it to the row', () => {
    const row = load('label-model/generated_video_empty_input.json', ONTOLOGY.synthetic)
    const other = ontologyOf(ONTOLOGY.synthetic) // another parse of the same ontology is fine
    const car = new ObjectInstance(other.object('Car', 'bounding_box'), { objectHash: 'detach01' })
    expect(thrown(() => row.addObjectInstance(car)).message).toBe('Object "Car" (detach01) is on no frame.')
    car.setForFrames({ x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, { frames: [0, 1] }).setAnswer('Colour', 'Red')
    expect(row.addObjectInstance(car)).toBe(car)
    expect(car.row).toBe(row)
    expect(row.object('detach01')).toBe(car)
    expect(car.ontologyObject).toBe(row.ontology.object('Car'))
    const second = load('label-model/generated_video_empty_input.json', ONTOLOGY.synthetic)
    expect(thrown(() => second.addObjectInstance(car)).code).toBe('InvalidInstance')
    const cls = new ClassificationInstance(row.ontology.classification('Weather'), { classificationHash: 'detcls01' })
    cls.setForFrames({ frames: [0, 1, 2] }).setAnswer('Rainy')
    row.addClassificationInstance(cls)
    const clash = new ClassificationInstance(row.ontology.classification('Weather')).setForFrames({ frames: 2 })
    expect(thrown(() => row.addClassificationInstance(clash)).code).toBe('ClassificationFramesOverlap')
    const written = row.toDict()
    expect(Object.keys(written['classification_answers'] as Json)).toEqual(['detcls01'])
    expect(
      ((written['object_answers'] as Json)['detach01'] as { classifications: Json[] }).classifications[0]['name'],
    ).toBe('Colour')
  })
})

describe('types', () => {
  it('narrows coordinates and answers by shape and attribute type', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const carFeature = row.ontology.object('Car', 'bounding_box')
    const car = row.addObject(carFeature, { x: 0, y: 0, w: 0.1, h: 0.1 })
    expectTypeOf(car.coordinates()).toEqualTypeOf<import('./coordinates.js').BoundingBox | undefined>()
    expectTypeOf(
      row
        .addPolygon('Area', [
          { x: 0, y: 0 },
          { x: 1, y: 0 },
          { x: 1, y: 1 },
        ])
        .coordinates(0),
    ).toEqualTypeOf<import('./coordinates.js').Polygon | undefined>()
    for (const o of row.objects()) {
      if (o.shape === 'polygon')
        expectTypeOf(o.coordinates()).toEqualTypeOf<import('./coordinates.js').Polygon | undefined>()
    }
    const colour = carFeature.attribute('Colour')
    if (colour.type === 'radio') {
      car.setAnswer(colour, 'Red')
      expectTypeOf(car.getAnswer(colour)).toEqualTypeOf<import('./ontology.js').Option | undefined>()
      expect(car.getAnswer(colour)?.label).toBe('Red')
    }
  })
})

describe('priority and dirty tracking', () => {
  it('sets priorities in [0, 1], 0 included, only for workflow tasks', () => {
    const row = new LabelRow(fixture('label_row_image.json'), {
      ontology: ontologyOf(ONTOLOGY.api),
      metadata: metadata(),
    })
    expect(row.isDirty).toBe(false)
    row.priority = 0
    expect(row.priority).toBe(0)
    expect([row.isDirty, row.hasPriorityChange, row.hasLabelChanges]).toEqual([true, true, false])
    row.setPriority(1)
    expect(thrown(() => row.setPriority(1.01)).code).toBe('InvalidPriority')
    expect(thrown(() => row.setPriority(-0.1)).message).toBe('Priority must be a number in [0, 1], got -0.1.')
    expect(thrown(() => row.setPriority(Number.NaN)).code).toBe('InvalidPriority')
    row.markSaved('priority')
    expect(row.isDirty).toBe(false)
    const notWorkflow = new LabelRow(fixture('label_row_image.json'), {
      ontology: ontologyOf(ONTOLOGY.api),
      metadata: metadata({ workflowGraphNode: null }),
    })
    expect(thrown(() => notWorkflow.setPriority(0.5)).code).toBe('NotAWorkflowProject')
  })

  it('is dirty after any change to labels and clean after markSaved', () => {
    const row = load('label_row_image.json', ONTOLOGY.api)
    expect(row.isDirty).toBe(false)
    row.objects()[0].setAnswer('Note', 'moved', { overwrite: true })
    expect([row.isDirty, row.hasLabelChanges]).toEqual([true, true])
    row.markSaved('labels')
    expect(row.isDirty).toBe(false)
    row.classifications()[0].annotation(0)!.update({ confidence: 0.4 })
    expect(row.isDirty).toBe(true)
    row.markSaved()
    row.classifications()[0].setAnswer('Cloudy', { overwrite: true })
    expect(row.isDirty).toBe(true)
    row.markSaved()
    row.objects()[0].clearAnswer('Colour')
    expect(row.isDirty).toBe(true)
    // A refused change leaves the row clean.
    row.markSaved()
    thrown(() => row.addBoundingBox('Box', { x: 2, y: 0, w: 0.1, h: 0.1 }))
    thrown(() => row.addClassification('Weather', { answer: 'Hail' }))
    expect(row.isDirty).toBe(false)
  })

  it('JSON.stringify gives the save format', () => {
    const row = load('label_row_image.json', ONTOLOGY.api)
    expect(JSON.parse(JSON.stringify(row))).toEqual(fixture('label_row_image.json'))
  })
})
