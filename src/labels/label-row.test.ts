import { readdirSync } from 'node:fs'
import { sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import { pythonJson } from '../encord/python-json.js'
import { Bitmask } from './bitmask.js'
import { LABEL_ROW_FLOAT_KEYS } from './float-keys.js'
import { LabelRow } from './label-row.js'
import {
  type Json,
  text,
  fixture,
  compactPythonJson,
  ONTOLOGY,
  LABEL_ROW_FIXTURES,
  ontologyOf,
  load,
  metadata,
  SDK_OBJECT_LABEL_KEYS,
} from '../../test/helpers/label-rows.js'

describe('round trip: load then save without changes gives the same JSON', () => {
  it('covers every fixture file that holds label rows', () => {
    const root = new URL('../../test/fixtures/encord-api/fixtures/', import.meta.url)
    const files = (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.split(sep).join('/'))
    const holdsRows = (j: unknown): boolean => {
      const o = j as { data_units?: unknown; response?: unknown }
      if (o !== null && typeof o === 'object' && 'data_units' in o) return true
      return (
        Array.isArray(o?.response) && o.response.some((r) => r !== null && typeof r === 'object' && 'data_units' in r)
      )
    }
    const withRows = files.filter((f) => holdsRows(fixture(f))).sort()
    expect(withRows.length).toBeGreaterThanOrEqual(20)
    expect(withRows).toEqual(LABEL_ROW_FIXTURES.map((f) => f.file).sort())
  })

  for (const { file, ontology, rows, sdkWritten } of LABEL_ROW_FIXTURES) {
    it(file, () => {
      const json = fixture<unknown>(file)
      const dicts = rows ? rows(json) : [json as Json]
      expect(dicts.length).toBeGreaterThan(0)
      for (const dict of dicts) {
        const before = structuredClone(dict)
        const row = new LabelRow(dict, { ontology: ontologyOf(ontology) })
        expect(row.isDirty).toBe(false)
        const out = row.toDict()
        expect(out).toEqual(dict)
        expect(dict).toEqual(before) // the input is not modified
        // The output is a copy: changing it changes nothing in the row.
        ;(out['data_units'] as Json)['x'] = 1
        expect(row.toDict()).toEqual(dict)
      }
      if (sdkWritten) {
        // Byte for byte as the SDK writes it (key order and float formatting included).
        expect(
          pythonJson(new LabelRow(dicts[0], { ontology: ontologyOf(ontology) }).toDict(), LABEL_ROW_FLOAT_KEYS),
        ).toBe(compactPythonJson(text(file)))
      }
    })
  }

  it('keeps unknown keys at every level and writes known ones in the SDK order', () => {
    const dict = fixture('label-model/labels_image_native.json')
    const unit = Object.values(dict['data_units'] as Json)[0] as Json
    const labels = unit['labels'] as Json
    ;(labels['objects'] as Json[])[0]['reviews'] = [{ by: 'x' }]
    labels['extra'] = 7
    unit['zzz'] = true
    dict['group_hash'] = 'g1'
    const out = new LabelRow(dict, { ontology: ontologyOf(ONTOLOGY.allTypes) }).toDict()
    expect(out).toEqual(dict)
    expect(Object.keys(out)).toEqual([
      'label_hash',
      'branch_name',
      'created_at',
      'last_edited_at',
      'data_hash',
      'dataset_hash',
      'dataset_title',
      'data_title',
      'data_type',
      'annotation_task_status',
      'is_shadow_data',
      'object_answers',
      'classification_answers',
      'object_actions',
      'label_status',
      'data_units',
      'spaces',
      'group_hash',
    ])
    const polygon = ((Object.values(out['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] }).objects[2]
    expect(Object.keys(polygon)).toEqual([...SDK_OBJECT_LABEL_KEYS, 'lastEditedBy', 'polygon', 'polygons'])
  })

  it('keeps entries it cannot attach to an instance (orphans, keys that differ from hashes, junk)', () => {
    const dict = fixture('label_row_image.json')
    ;(dict['object_answers'] as Json)['ghost001'] = { objectHash: 'ghost001', classifications: [] }
    ;(dict['object_answers'] as Json)['mismatch'] = { objectHash: 'Ob1HaSh1', classifications: [] }
    ;(dict['object_actions'] as Json)['ghost002'] = { objectHash: 'ghost002', actions: [] }
    ;(dict['classification_answers'] as Json)['weird'] = 5
    ;(dict['classification_answers'] as Json)['other'] = {
      classificationHash: 'Cl1HaSh1',
      featureHash: 'wE4thR5s',
      classifications: [],
    }
    const row = new LabelRow(dict, { ontology: ontologyOf(ONTOLOGY.api) })
    expect(row.objects()).toHaveLength(1)
    expect(row.toDict()).toEqual(dict)
    row.objects()[0].setAnswer('Note', 'changed', { overwrite: true })
    const out = row.toDict()
    expect(Object.keys(out['object_answers'] as Json)).toEqual(['Ob1HaSh1', 'ghost001', 'mismatch'])
    expect(Object.keys(out['classification_answers'] as Json)).toEqual(['Cl1HaSh1', 'weird', 'other'])
  })

  it('refuses a dict without data units', () => {
    const e = thrown(() => new LabelRow({ label_hash: 'x' }, { ontology: ontologyOf(ONTOLOGY.api) }))
    expect(e.code).toBe('LabelRowInvalid')
  })
})

describe('building labels gives exactly what the SDK writes', () => {
  it('image: one instance of every shape, answers of every kind, three classifications', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic, {
      hashes: [
        'objCar01',
        'objRot01',
        'objPly01',
        'objLin01',
        'objPnt01',
        'objMsk01',
        'clsRad01',
        'clsChk01',
        'clsTxt01',
      ],
      defaults: { createdBy: 'agent@example.com' },
    })
    const car = row.addBoundingBox('Car', { x: 0.1, y: 0.2, w: 0.25, h: 0.5 }, { confidence: 0.87 })
    // Any order: answers are written in the SDK's order.
    car.setAnswers(
      { Note: 'free text', Shade: 'dark', Colour: 'Red', Tags: ['Moving', 'Parked'] },
      { manualAnnotation: true },
    )
    const manual = { manualAnnotation: true }
    row.addRotatableBoundingBox('Rotated', { x: 0.4, y: 0.4, w: 0.2, h: 0.3, theta: 45 }, manual)
    row.addPolygon(
      'Area',
      [
        { x: 0.1, y: 0.1 },
        { x: 0.5, y: 0.1 },
        { x: 0.3, y: 0.6 },
      ],
      manual,
    )
    row.addPolyline(
      'Lane',
      [
        { x: 0, y: 0 },
        { x: 0.5, y: 0.5 },
        { x: 1, y: 0.9 },
      ],
      manual,
    )
    row.addPoint('Keypoint', { x: 0.25, y: 0.75 }, manual)
    const mask = Bitmask.fromRows([
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 1, 1, 1, 0, 0, 0],
      [0, 0, 1, 1, 1, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ])
    row.addBitmask('Mask', mask, manual)
    row.addClassification('Weather', { answer: 'Sunny' }).setAnswer('Sunny', { ...manual, overwrite: true })
    row.addClassification('Issues', { answer: ['Blurry'], manualAnnotation: true })
    row.addClassification('Caption', { answer: 'a red car', manualAnnotation: true })
    expect(row.isDirty).toBe(true)
    const expected = fixture('label-model/generated_image_all_shapes_output.json')
    expect(row.toDict()).toEqual(expected)
    expect(JSON.stringify(row.toDict())).toBe(JSON.stringify(expected)) // key order too
    expect(pythonJson(row.toDict(), LABEL_ROW_FLOAT_KEYS)).toBe(
      compactPythonJson(text('label-model/generated_image_all_shapes_output.json')),
    )
    row.markSaved()
    expect(row.isDirty).toBe(false)
  })

  it('video: a box over frames 0–2 with a static and a dynamic answer, a classification on frames 0–1', () => {
    const row = load('label-model/generated_video_empty_input.json', ONTOLOGY.synthetic, {
      hashes: ['vidCar01', 'TcMbWft6', 'vidRad01'],
      defaults: { createdBy: 'agent@example.com', manualAnnotation: true },
    })
    const car = row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.1, h: 0.1 }, { frames: [0, 1] })
    car.setForFrames({ x: 0.2, y: 0.1, w: 0.1, h: 0.1 }, { frames: 2 })
    car.setAnswer('Colour', 'Blue')
    car.setAnswer('Occluded', 'Yes', { frames: { start: 1, end: 2 } })
    row.addClassification('Weather', { answer: 'Rainy', frames: { start: 0, end: 1 } })
    const expected = fixture('label-model/generated_video_output.json')
    expect(JSON.stringify(row.toDict())).toBe(JSON.stringify(expected))
  })

  it('adds to a row that already has labels, after them', () => {
    const row = load('label_row_video.json', ONTOLOGY.api, { hashes: ['newBox01'] })
    row.addBoundingBox('Box', { x: 0.5, y: 0.5, w: 0.1, h: 0.1 }, { frames: [0, 5] })
    const labels = (row.toDict()['data_units'] as Record<string, { labels: Record<string, { objects: Json[] }> }>)[
      'd0000002-aaaa-4bbb-8ccc-000000000002'
    ].labels
    expect(labels['0'].objects.map((o) => o['objectHash'])).toEqual(['Ob2HaSh2', 'newBox01'])
    expect(labels['5'].objects.map((o) => o['objectHash'])).toEqual(['newBox01'])
    expect(Object.keys(labels)).toEqual(['0', '1', '2', '3', '4', '5'])
  })
})

describe('reading', () => {
  it('exposes the row properties from the dict and the metadata', () => {
    const row = new LabelRow(fixture('label_row_image.json'), {
      ontology: ontologyOf(ONTOLOGY.api),
      metadata: metadata(),
    })
    expect(row.labelHash).toBe('e0000001-bbbb-4ccc-9ddd-000000000001')
    expect(row.dataHash).toBe('d0000001-aaaa-4bbb-8ccc-000000000001')
    expect(row.dataTitle).toBe('street.jpg')
    expect(row.dataType).toBe('image')
    expect([row.width, row.height]).toEqual([1280, 720])
    expect(row.frameCount).toBe(1)
    expect(row.branchName).toBe('main')
    expect(row.labelStatus).toBe('LABEL_IN_PROGRESS')
    expect(row.clientMetadata).toEqual({ camera: 'front' })
    expect(row.workflowGraphNode).toEqual({ uuid: '1b2c3d4e-0002-4a00-8000-00000000a002', title: 'Agent 1' })
    expect(row.priority).toBe(0.5)
    expect(row.backingItemUuid).toBe('f0000001-cccc-4ddd-aeee-000000000001')
    expect(row.taskUuid).toBe('task-1')
    expect(row.dataLink).toBe('https://storage.example.com/bucket/d0000001-aaaa-4bbb-8ccc-000000000001.jpg') // the row's URL first
    expect(row.createdAt?.toISOString()).toBe('2025-06-02T09:20:11.000Z')
    expect(row.dataUnits).toEqual([
      {
        dataHash: 'd0000001-aaaa-4bbb-8ccc-000000000001',
        title: 'street.jpg',
        mimeType: 'image/jpeg',
        dataLink: 'https://storage.example.com/bucket/d0000001-aaaa-4bbb-8ccc-000000000001.jpg',
        width: 1280,
        height: 720,
        frame: 0,
      },
    ])
    const plain = new LabelRow(fixture('label_row_image.json'), { ontology: ontologyOf(ONTOLOGY.api) })
    expect([plain.clientMetadata, plain.workflowGraphNode, plain.priority, plain.backingItemUuid]).toEqual([
      null,
      null,
      null,
      null,
    ])
    const dicom = new LabelRow(fixture('label-model/labels_dicom.json'), {
      ontology: ontologyOf(ONTOLOGY.dynamic),
      metadata: metadata({ dataLink: 'cord-dicoms/x' }),
    })
    expect(dicom.dataLink).toBe('cord-dicoms/x') // no link in the row: the metadata's
  })

  it('reads objects with answers and classifications with answers (image)', () => {
    const row = load('label_row_image.json', ONTOLOGY.api)
    const [box] = row.objects()
    expect(box.shape).toBe('bounding_box')
    if (box.shape !== 'bounding_box') throw new Error('narrowing')
    expect(box.coordinates()).toEqual({ x: 0.1, y: 0.3, w: 0.2, h: 0.25 })
    expect(box.frames()).toEqual([0])
    const ann = box.annotation(0)!
    expect([ann.confidence, ann.manualAnnotation, ann.createdBy, ann.lastEditedBy, ann.isDeleted]).toEqual([
      1,
      false,
      'agent@example.com',
      'agent@example.com',
      false,
    ])
    expect(ann.createdAt?.toISOString()).toBe('2025-06-03T11:31:02.000Z')
    const colour = row.ontology.object('Box').attribute('Colour')
    expect(box.getAnswer(colour)).toBe(colour.type === 'radio' ? colour.option('Red') : undefined)
    expect(box.getAnswer('Note')).toBe('parked car')
    expect(box.answers().map((a) => [a.name, a.dynamic])).toEqual([
      ['Note', false],
      ['Colour', false],
    ])
    const [weather] = row.classifications()
    expect(weather.title).toBe('Weather')
    expect(weather.frames()).toEqual([0])
    expect((weather.answer as { label: string }).label).toBe('Sunny')
    expect(row.objects({ feature: 'Box', frames: 0 })).toHaveLength(1)
    expect(row.objects({ feature: 'Region' })).toHaveLength(0)
    expect(row.objects({ frames: 3 })).toHaveLength(0)
    expect(row.object('Ob1HaSh1')).toBe(box)
    expect(row.classifications({ feature: 'Weather' })).toEqual([weather])
    expect(row.classification('Cl1HaSh1')).toBe(weather)
    expect(() => ((box.coordinates() as { x: number }).x = 5)).toThrow(TypeError) // frozen
  })

  it('reads videos per frame', () => {
    const row = load('label_row_video.json', ONTOLOGY.api)
    expect(row.dataType).toBe('video')
    expect(row.frameCount).toBe(50)
    expect([row.fps, row.duration]).toEqual([25, 2])
    const [box] = row.objects()
    expect(box.frames()).toEqual([0, 1, 2])
    expect(box.annotations().map((a) => (a.coordinates as { x: number }).x)).toEqual([0.1, 0.15000000000000002, 0.2])
    expect(box.annotation(1)?.confidence).toBe(0.9)
    expect(row.classifications()[0].frames()).toEqual([0, 1, 2, 3, 4])
    expect(row.objects({ frames: { start: 2, end: 4 } })).toHaveLength(1)
    const onFrame = row.frameLabels(2)
    expect(onFrame.objects.map((a) => [a.instance.objectHash, (a.coordinates as { x: number }).x])).toEqual([
      ['Ob2HaSh2', 0.2],
    ])
    expect(onFrame.classifications.map((a) => a.instance.title)).toEqual(['Weather'])
    expect(row.frameLabels(7)).toEqual({ objects: [], classifications: [] })
    expect(row.classifications({ frames: 4 })).toHaveLength(1)
  })

  it('reads every shape of the generated image', () => {
    const row = load('label-model/generated_image_all_shapes_output.json', ONTOLOGY.synthetic)
    const byShape = Object.fromEntries(row.objects().map((o) => [o.shape, o.coordinates()]))
    expect(byShape['rotatable_bounding_box']).toEqual({ x: 0.4, y: 0.4, w: 0.2, h: 0.3, theta: 45 })
    expect(byShape['polygon']).toEqual({
      points: [
        { x: 0.1, y: 0.1 },
        { x: 0.5, y: 0.1 },
        { x: 0.3, y: 0.6 },
      ],
      polygons: [
        [
          [
            { x: 0.1, y: 0.1 },
            { x: 0.5, y: 0.1 },
            { x: 0.3, y: 0.6 },
          ],
        ],
      ],
    })
    expect(byShape['polyline']).toEqual({
      points: [
        { x: 0, y: 0 },
        { x: 0.5, y: 0.5 },
        { x: 1, y: 0.9 },
      ],
    })
    expect(byShape['point']).toEqual({ x: 0.25, y: 0.75 })
    const mask = byShape['bitmask'] as Bitmask
    expect(mask).toBeInstanceOf(Bitmask)
    expect(mask.area).toBe(6)
    expect(mask.toMask()[1 * 8 + 2]).toBe(1)
    const car = row.objects({ feature: 'Car' })[0]
    expect(car.getAnswer('Tags')).toEqual([
      row.ontology.get('Car', 'Tags', 'Parked'),
      row.ontology.get('Car', 'Tags', 'Moving'),
    ])
    expect(car.getAnswer('Shade')).toBe('dark')
    const issues = row.classifications({ feature: 'Issues' })[0]
    expect(issues.getAnswer()).toEqual([row.ontology.classification('Issues').option('Blurry')])
  })

  it('reads polygons given only as points, as lists, and multi-polygons with holes', () => {
    const dict = fixture('label-model/generated_image_all_shapes_output.json')
    const objects = ((Object.values(dict['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] }).objects
    const poly = objects[2]
    delete poly['polygons']
    poly['polygon'] = [
      { x: 0.1, y: 0.1 },
      { x: 0.5, y: 0.1 },
      { x: 0.3, y: 0.6 },
    ]
    const row1 = new LabelRow(dict, { ontology: ontologyOf(ONTOLOGY.synthetic) })
    expect((row1.object('objPly01')!.coordinates() as { points: unknown[] }).points).toHaveLength(3)
    expect(row1.toDict()).toEqual(dict)
    poly['polygons'] = [
      [
        [0, 0, 1, 0, 1, 1, 0, 1],
        [0.4, 0.4, 0.6, 0.4, 0.5, 0.6],
      ],
      [[0.1, 0.1, 0.2, 0.1, 0.2, 0.2]],
    ]
    const row2 = new LabelRow(dict, { ontology: ontologyOf(ONTOLOGY.synthetic) })
    const c = row2.object('objPly01')!.coordinates() as { points: unknown[]; polygons: unknown[][][] }
    expect(c.polygons.map((p) => p.map((r) => r.length))).toEqual([[4, 3], [3]])
    expect(c.points).toHaveLength(4)
    expect(row2.toDict()).toEqual(dict)
  })

  it('reads skeletons with point names and visibility', () => {
    const row = load('label-model/labels_skeleton.json', ONTOLOGY.skeleton)
    const [sk] = row.objects()
    expect(sk.shape).toBe('skeleton')
    if (sk.shape !== 'skeleton') throw new Error('narrowing')
    expect(sk.coordinates()!.points.map((p) => [p.name, p.visibility])).toEqual([
      ['point_0', 'visible'],
      ['point_1', 'occluded'],
      ['point_2', 'invisible'],
      ['point_3', 'selfOccluded'],
    ])
  })

  it('reads image groups: one frame per image, sizes per frame', () => {
    const row = load('label-model/labels_image_group.json', ONTOLOGY.imageGroup)
    expect(row.dataType).toBe('img_group')
    expect(row.frameCount).toBe(5)
    expect(row.dataUnits.map((u) => u.frame)).toEqual([0, 1, 2, 3, 4])
    expect(row.frameInfo(1)?.dataHash).toBe('177d1bb7-5394-4772-ba9f-4569f0c2a995')
    const cars = row.objects({ feature: 'Cars' })[0]
    expect(cars.frames()).toEqual([0, 1, 2])
    expect(row.classifications().map((c) => [c.title, c.frames()])).toEqual([
      ['Is there a car in the frame? SUSPECTED', [0]],
      ['Is there a car in the frame? SUSPECTED', [1]],
      ['This is a test', [2, 3, 4]],
    ])
    expect([row.width, row.height]).toEqual([952, 678])
    expect(row.frameInfo(3)).toMatchObject({
      dataHash: '6518e742-8dee-4a6d-b491-710f8a5c0fc4',
      width: 952,
      height: 678,
      mimeType: 'image/png',
      frame: 3,
    })
    expect(row.frameInfo(9)).toBeUndefined()
  })

  it('reads dynamic answers (object_actions) per frame', () => {
    const row = load('label-model/labels_dicom.json', ONTOLOGY.dynamic)
    const [person] = row.objects()
    expect(person.frames()).toEqual([86, 87, 88])
    const occluded = person.answers().find((a) => a.dynamic)!
    expect(occluded.frames).toEqual([86, 88])
    expect(occluded.name).toBe('is occluded?')
    const attr = occluded.attribute!
    expect(attr.type).toBe('checklist')
    expect(person.getAnswer(attr, { frame: 86 })).toEqual(attr.type === 'checklist' ? [attr.option('yes')] : undefined)
    expect(person.getAnswer(attr, { frame: 87 })).toBeUndefined()
  })

  it('reads labels whose features are not in the ontology, and refuses to change them', () => {
    const row = load('label-model/labels_video_dynamic_attributes.json', ONTOLOGY.dynamic)
    const [box] = row.objects()
    expect(box.ontologyObject).toBeUndefined()
    expect(box.title).toBe('box')
    expect(box.shape).toBe('bounding_box')
    expect(
      box
        .answers()
        .filter((a) => a.dynamic)
        .map((a) => [a.name, a.frames, a.value]),
    ).toEqual([
      ['dynamic text', [0], undefined],
      ['dynamic classification', [0], undefined],
      ['dynamic radio', [0], undefined],
      ['dynamic text', [1], undefined],
      ['dynamic radio', [1], undefined],
      ['dynamic classification', [1], undefined],
    ])
    expect(thrown(() => box.setAnswer('x', 'y')).code).toBe('UnknownOntologyFeature')
    expect(thrown(() => box.annotation(0)!.update({ coordinates: { x: 0, y: 0, w: 0.1, h: 0.1 } as never })).code).toBe(
      'UnknownOntologyFeature',
    )
    box.remove()
    expect(row.objects()).toHaveLength(1)
    expect(Object.keys(row.toDict()['object_actions'] as Json)).toEqual(['Wpc+TmG+'])
  })

  it('reads range-based objects (text, audio) and global classifications', () => {
    const text = load('label-model/labels_plain_text.json', ONTOLOGY.allTypes)
    const [obj] = text.objects()
    expect([obj.isRangeBased, obj.ranges, obj.frames(), obj.title]).toEqual([true, [[0, 5]], [], 'text object'])
    expect(text.classifications().map((c) => [c.title, c.frames().length])).toEqual([
      ['Text classification', 0],
      ['Radio classification 1', 0],
      ['Checklist classification', 0],
    ])
    expect(text.classifications()[1].getAnswer('cl 1 2 text')).toBe('Nested Text Answer')
    // Text data: a classification applies to the whole file (no frames); the same one twice is refused.
    expect(thrown(() => text.addClassification('Text classification', { answer: 'x' })).code).toBe(
      'ClassificationFramesOverlap',
    )
    expect(thrown(() => text.addClassification('Text classification', { answer: 'x', frames: 0 })).message).toMatch(
      /whole file, so it takes no frames/,
    )
    const global = load('label-model/labels_global_classification.json', ONTOLOGY.allTypes)
    const [g] = global.classifications()
    expect([g.isGlobal, g.frames()]).toEqual([true, []])
    expect((g.answer as unknown as Array<{ label: string }>).map((o) => o.label)).toEqual(['Global Answer 1'])
  })
})
