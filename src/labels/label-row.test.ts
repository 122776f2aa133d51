import { readdirSync, readFileSync } from 'node:fs'
import { sep } from 'node:path'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import type { LabelRowMetadata } from '../encord/types.js'
import { pythonJson } from '../encord/python-json.js'
import { Bitmask } from './bitmask.js'
import { LABEL_ROW_FLOAT_KEYS } from './float-keys.js'
import { ClassificationInstance } from './classification-instance.js'
import type { LabelRowOptions } from './label-options.js'
import { LabelRow } from './label-row.js'
import { ObjectInstance } from './object-instance.js'
import { Ontology, type OntologyStructureDict } from './ontology.js'

type Json = Record<string, unknown>
const text = (path: string) => readFileSync(new URL(`../../test/fixtures/encord-api/fixtures/${path}`, import.meta.url), 'utf8')
const fixture = <T = Json>(path: string): T => JSON.parse(text(path)) as T
/** `json.dumps(obj)` from a fixture the SDK wrote with `json.dumps(obj, indent=n)`. */
const compactPythonJson = (indented: string) => indented.replace(/,\n\s*/g, ', ').replace(/\n\s*/g, '')

const ONTOLOGY = {
  api: 'ontology_structure.json',
  synthetic: 'label-model/generated_ontology_synthetic.json',
  allTypes: 'label-model/ontology_all_types.json',
  dynamic: 'label-model/ontology_dynamic_classifications.json',
  imageGroup: 'label-model/ontology_image_group.json',
  skeleton: 'label-model/ontology_skeleton.json',
}
const envelope = (j: unknown) => (j as { response: Json[] }).response

/**
 * Every fixture that holds label rows, with the ontology its labels were made with (matched by
 * feature hashes). labels_video_dynamic_attributes.json matches no ontology among the fixtures: its
 * features are read as unknown.
 */
const LABEL_ROW_FIXTURES: Array<{ file: string; ontology: string; rows?: (j: unknown) => Json[]; sdkWritten?: boolean }> = [
  { file: 'label_row_created_empty.json', ontology: ONTOLOGY.api },
  { file: 'label_row_image.json', ontology: ONTOLOGY.api, sdkWritten: true },
  { file: 'label_row_video.json', ontology: ONTOLOGY.api, sdkWritten: true },
  { file: 'legacy_get_label_rows_response.json', ontology: ONTOLOGY.api, rows: envelope },
  { file: 'legacy_create_label_rows_response.json', ontology: ONTOLOGY.api, rows: envelope },
  { file: 'label-model/generated_image_empty_input.json', ontology: ONTOLOGY.synthetic },
  { file: 'label-model/generated_image_all_shapes_output.json', ontology: ONTOLOGY.synthetic, sdkWritten: true },
  { file: 'label-model/generated_video_empty_input.json', ontology: ONTOLOGY.synthetic },
  { file: 'label-model/generated_video_output.json', ontology: ONTOLOGY.synthetic, sdkWritten: true },
  { file: 'label-model/labels_audio.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_dicom.json', ontology: ONTOLOGY.dynamic },
  { file: 'label-model/labels_global_classification.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_image_classification_no_answer.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_image_group.json', ontology: ONTOLOGY.imageGroup },
  { file: 'label-model/labels_image_native.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_plain_text.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_skeleton.json', ontology: ONTOLOGY.skeleton },
  { file: 'label-model/labels_video_dynamic_attributes.json', ontology: ONTOLOGY.dynamic },
  { file: 'label-model/labels_video_empty.json', ontology: ONTOLOGY.allTypes },
  { file: 'label-model/labels_video_with_classifications.json', ontology: ONTOLOGY.allTypes },
]

const ontologyOf = (path: string) => Ontology.from(fixture<OntologyStructureDict>(path))
const FIXED_NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5))

/** A row with a fixed clock and hashes taken from `hashes` in order. */
function load(file: string, ontology: string, options: Partial<LabelRowOptions> & { hashes?: string[] } = {}): LabelRow {
  const hashes = [...(options.hashes ?? [])]
  let n = 0
  return new LabelRow(fixture(file), {
    ontology: ontologyOf(ontology),
    clock: () => FIXED_NOW,
    newHash: () => hashes.shift() ?? `hash${String(++n).padStart(4, '0')}`,
    ...options,
  })
}

function metadata(overrides: Partial<LabelRowMetadata> = {}): LabelRowMetadata {
  return {
    labelHash: 'e0000001-bbbb-4ccc-9ddd-000000000001',
    dataHash: 'd0000001-aaaa-4bbb-8ccc-000000000001',
    dataTitle: 'street.jpg',
    dataType: 'IMAGE',
    datasetHash: 'ds',
    datasetTitle: 'Agents demo dataset',
    dataLink: 'https://signed.example/street.jpg',
    branchName: 'main',
    labelStatus: 'LABEL_IN_PROGRESS',
    workflowGraphNode: { uuid: '1b2c3d4e-0002-4a00-8000-00000000a002', title: 'Agent 1' },
    taskUuid: 'task-1',
    priority: 0.5,
    backingItemUuid: 'f0000001-cccc-4ddd-aeee-000000000001',
    clientMetadata: { camera: 'front' },
    width: 1280,
    height: 720,
    numberOfFrames: 1,
    fps: null,
    duration: null,
    fileType: 'image/jpeg',
    createdAt: null,
    lastEditedAt: null,
    raw: {},
    ...overrides,
  }
}

/** A small ontology with every attribute type, for answers. */
const ANSWERS_ONTOLOGY: OntologyStructureDict = {
  objects: [
    {
      id: '1',
      name: 'Box',
      color: '#D33115',
      shape: 'bounding_box',
      featureNodeHash: 'boxFH001',
      attributes: [
        { id: '1.1', name: 'Count', type: 'numeric', featureNodeHash: 'countFH1', required: false, dynamic: false },
        { id: '1.2', name: 'Speed', type: 'numeric', featureNodeHash: 'speedFH1', required: false, dynamic: true },
      ],
    },
  ],
  classifications: [],
}

// ---------------------------------------------------------------------------------------------------

describe('round trip: load then save without changes gives the same JSON', () => {
  it('covers every fixture file that holds label rows', () => {
    const root = new URL('../../test/fixtures/encord-api/fixtures/', import.meta.url)
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).map((f) => f.split(sep).join('/'))
    const holdsRows = (j: unknown): boolean => {
      const o = j as { data_units?: unknown; response?: unknown }
      if (o !== null && typeof o === 'object' && 'data_units' in o) return true
      return Array.isArray(o?.response) && o.response.some((r) => r !== null && typeof r === 'object' && 'data_units' in r)
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
        expect(pythonJson(new LabelRow(dicts[0], { ontology: ontologyOf(ontology) }).toDict(), LABEL_ROW_FLOAT_KEYS)).toBe(compactPythonJson(text(file)))
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
    expect(Object.keys(polygon)).toEqual(['name', 'color', 'shape', 'value', 'createdAt', 'createdBy', 'confidence', 'objectHash', 'featureHash', 'manualAnnotation', 'lastEditedAt', 'lastEditedBy', 'polygon', 'polygons'])
  })

  it('keeps entries it cannot attach to an instance (orphans, keys that differ from hashes, junk)', () => {
    const dict = fixture('label_row_image.json')
    ;(dict['object_answers'] as Json)['ghost001'] = { objectHash: 'ghost001', classifications: [] }
    ;(dict['object_answers'] as Json)['mismatch'] = { objectHash: 'Ob1HaSh1', classifications: [] }
    ;(dict['object_actions'] as Json)['ghost002'] = { objectHash: 'ghost002', actions: [] }
    ;(dict['classification_answers'] as Json)['weird'] = 5
    ;(dict['classification_answers'] as Json)['other'] = { classificationHash: 'Cl1HaSh1', featureHash: 'wE4thR5s', classifications: [] }
    const row = new LabelRow(dict, { ontology: ontologyOf(ONTOLOGY.api) })
    expect(row.objects()).toHaveLength(1)
    expect(row.toDict()).toEqual(dict)
    row.objects()[0].setAnswer('Note', 'changed')
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
      hashes: ['objCar01', 'objRot01', 'objPly01', 'objLin01', 'objPnt01', 'objMsk01', 'clsRad01', 'clsChk01', 'clsTxt01'],
      defaults: { createdBy: 'agent@example.com' },
    })
    const car = row.addBoundingBox('Car', { x: 0.1, y: 0.2, w: 0.25, h: 0.5 }, { confidence: 0.87 })
    // Any order: answers are written in the SDK's order.
    car.setAnswers({ Note: 'free text', Shade: 'dark', Colour: 'Red', Tags: ['Moving', 'Parked'] }, { manualAnnotation: true })
    const manual = { manualAnnotation: true }
    row.addRotatableBoundingBox('Rotated', { x: 0.4, y: 0.4, w: 0.2, h: 0.3, theta: 45 }, manual)
    row.addPolygon('Area', [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.1 }, { x: 0.3, y: 0.6 }], manual)
    row.addPolyline('Lane', [{ x: 0, y: 0 }, { x: 0.5, y: 0.5 }, { x: 1, y: 0.9 }], manual)
    row.addPoint('Keypoint', { x: 0.25, y: 0.75 }, manual)
    const mask = Bitmask.fromRows([
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 1, 1, 1, 0, 0, 0],
      [0, 0, 1, 1, 1, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ])
    row.addBitmask('Mask', mask, manual)
    row.addClassification('Weather', { answer: 'Sunny' }).setAnswer('Sunny', manual)
    row.addClassification('Issues', { answer: ['Blurry'], manualAnnotation: true })
    row.addClassification('Caption', { answer: 'a red car', manualAnnotation: true })
    expect(row.isDirty).toBe(true)
    const expected = fixture('label-model/generated_image_all_shapes_output.json')
    expect(row.toDict()).toEqual(expected)
    expect(JSON.stringify(row.toDict())).toBe(JSON.stringify(expected)) // key order too
    expect(pythonJson(row.toDict(), LABEL_ROW_FLOAT_KEYS)).toBe(compactPythonJson(text('label-model/generated_image_all_shapes_output.json')))
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
    const labels = (row.toDict()['data_units'] as Record<string, { labels: Record<string, { objects: Json[] }> }>)['d0000002-aaaa-4bbb-8ccc-000000000002'].labels
    expect(labels['0'].objects.map((o) => o['objectHash'])).toEqual(['Ob2HaSh2', 'newBox01'])
    expect(labels['5'].objects.map((o) => o['objectHash'])).toEqual(['newBox01'])
    expect(Object.keys(labels)).toEqual(['0', '1', '2', '3', '4', '5'])
  })
})

describe('reading', () => {
  it('exposes the row properties from the dict and the metadata', () => {
    const row = new LabelRow(fixture('label_row_image.json'), { ontology: ontologyOf(ONTOLOGY.api), metadata: metadata() })
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
    expect([plain.clientMetadata, plain.workflowGraphNode, plain.priority, plain.backingItemUuid]).toEqual([null, null, null, null])
    const dicom = new LabelRow(fixture('label-model/labels_dicom.json'), { ontology: ontologyOf(ONTOLOGY.dynamic), metadata: metadata({ dataLink: 'cord-dicoms/x' }) })
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
    expect([ann.confidence, ann.manualAnnotation, ann.createdBy, ann.lastEditedBy, ann.isDeleted]).toEqual([1, false, 'agent@example.com', 'agent@example.com', false])
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
    expect(onFrame.objects.map((a) => [a.instance.objectHash, (a.coordinates as { x: number }).x])).toEqual([['Ob2HaSh2', 0.2]])
    expect(onFrame.classifications.map((a) => a.instance.title)).toEqual(['Weather'])
    expect(row.frameLabels(7)).toEqual({ objects: [], classifications: [] })
    expect(row.classifications({ frames: 4 })).toHaveLength(1)
  })

  it('reads every shape of the generated image', () => {
    const row = load('label-model/generated_image_all_shapes_output.json', ONTOLOGY.synthetic)
    const byShape = Object.fromEntries(row.objects().map((o) => [o.shape, o.coordinates()]))
    expect(byShape['rotatable_bounding_box']).toEqual({ x: 0.4, y: 0.4, w: 0.2, h: 0.3, theta: 45 })
    expect(byShape['polygon']).toEqual({
      points: [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.1 }, { x: 0.3, y: 0.6 }],
      polygons: [[[{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.1 }, { x: 0.3, y: 0.6 }]]],
    })
    expect(byShape['polyline']).toEqual({ points: [{ x: 0, y: 0 }, { x: 0.5, y: 0.5 }, { x: 1, y: 0.9 }] })
    expect(byShape['point']).toEqual({ x: 0.25, y: 0.75 })
    const mask = byShape['bitmask'] as Bitmask
    expect(mask).toBeInstanceOf(Bitmask)
    expect(mask.area).toBe(6)
    expect(mask.toMask()[1 * 8 + 2]).toBe(1)
    const car = row.objects({ feature: 'Car' })[0]
    expect(car.getAnswer('Tags')).toEqual([row.ontology.get('Car', 'Tags', 'Parked'), row.ontology.get('Car', 'Tags', 'Moving')])
    expect(car.getAnswer('Shade')).toBe('dark')
    const issues = row.classifications({ feature: 'Issues' })[0]
    expect(issues.getAnswer()).toEqual([row.ontology.classification('Issues').option('Blurry')])
  })

  it('reads polygons given only as points, as lists, and multi-polygons with holes', () => {
    const dict = fixture('label-model/generated_image_all_shapes_output.json')
    const objects = ((Object.values(dict['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] }).objects
    const poly = objects[2]
    delete poly['polygons']
    poly['polygon'] = [{ x: 0.1, y: 0.1 }, { x: 0.5, y: 0.1 }, { x: 0.3, y: 0.6 }]
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
    expect(row.frameInfo(3)).toMatchObject({ dataHash: '6518e742-8dee-4a6d-b491-710f8a5c0fc4', width: 952, height: 678, mimeType: 'image/png', frame: 3 })
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
    expect(box.answers().filter((a) => a.dynamic).map((a) => [a.name, a.frames, a.value])).toEqual([
      ['dynamic text', [0], undefined],
      ['dynamic classification', [0], undefined],
      ['dynamic radio', [0], undefined],
      ['dynamic text', [1], undefined],
      ['dynamic radio', [1], undefined],
      ['dynamic classification', [1], undefined],
    ])
    expect(thrown(() => box.setAnswer('x', 'y')).code).toBe('UnknownOntologyFeature')
    expect(thrown(() => box.annotation(0)!.update({ coordinates: { x: 0, y: 0, w: 0.1, h: 0.1 } as never })).code).toBe('UnknownOntologyFeature')
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
    expect(thrown(() => text.addClassification('Text classification', { answer: 'x' })).code).toBe('ReadOnlyLabels')
    const global = load('label-model/labels_global_classification.json', ONTOLOGY.allTypes)
    const [g] = global.classifications()
    expect([g.isGlobal, g.frames()]).toEqual([true, []])
    expect((g.answer as unknown as Array<{ label: string }>).map((o) => o.label)).toEqual(['Global Answer 1'])
  })
})

describe('writing', () => {
  it('writes every shape in the save format', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic, { hashes: ['a', 'b', 'c', 'd'] })
    row.addPolygon('Area', {
      polygons: [
        [
          [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }],
          [{ x: 0.5, y: 0.5 }, { x: 0.6, y: 0.5 }, { x: 0.6, y: 0.6 }],
        ],
        [[{ x: 0.1, y: 0.1 }, { x: 0.2, y: 0.1 }, { x: 0.2, y: 0.2 }]],
      ],
    })
    row.addPolyline('Lane', { points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] })
    row.addObject('Keypoint', { x: 0.5, y: 0.5 })
    row.addBitmask('Mask', { mask: new Uint8Array(32).fill(1), width: 8, height: 4 })
    const objects = ((Object.values(row.toDict()['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] }).objects
    expect(objects[0]['polygon']).toEqual({ '0': { x: 0, y: 0 }, '1': { x: 1, y: 0 }, '2': { x: 1, y: 1 } })
    expect(objects[0]['polygons']).toEqual([[[0, 0, 1, 0, 1, 1], [0.5, 0.5, 0.6, 0.5, 0.6, 0.6]], [[0.1, 0.1, 0.2, 0.1, 0.2, 0.2]]])
    expect(objects[1]['polyline']).toEqual({ '0': { x: 0, y: 0 }, '1': { x: 1, y: 1 } })
    expect(objects[2]['point']).toEqual({ '0': { x: 0.5, y: 0.5 } })
    expect(objects[3]['bitmask']).toEqual({ top: 0, left: 0, height: 4, width: 8, rleString: '0P1' }) // counts [0, 32]
    expect(Bitmask.from(objects[3]['bitmask'] as never).area).toBe(32)
    expect(Object.keys(objects[0])).toEqual(['name', 'color', 'shape', 'value', 'createdAt', 'createdBy', 'confidence', 'objectHash', 'featureHash', 'manualAnnotation', 'lastEditedAt', 'polygon', 'polygons'])
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
    const obj = ((Object.values(row.toDict()['data_units'] as Json)[0] as Json)['labels'] as { objects: Json[] }).objects[1]
    expect(obj['skeleton']).toEqual({
      '0': { x: 0.1, y: 0.1, name: 'point_0', color: '#000000', value: 'point_0', featureHash: 'A9sGmBca', visibility: 'visible' },
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
    expect(e2.message).toBe('Object "Area" is a polygon object; it takes points [{x, y}, ...] (at least 3), { points } or { polygons }, got a bounding box {x, y, w, h}.')
    const e3 = thrown(() => row.addObject('Car', [{ x: 0, y: 0 }]))
    expect(e3.message).toContain('Object "Car" is a bounding_box object; it takes a bounding box {x, y, w, h}, got a list of 1 item(s).')
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
    expect(thrown(() => row.addPoint('Keypoint', { x: Number.NaN, y: 0 })).message).toContain('x must be a finite number')
    expect(thrown(() => row.addPolygon('Area', [{ x: 0, y: 0 }, { x: 1, y: 1 }])).message).toContain('points has 2 point(s); a polygon needs at least 3')
    expect(thrown(() => row.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { confidence: 1.5 })).code).toBe('InvalidAnnotation')
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
    expect(thrown(() => group.addBoundingBox('Cars', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: [4, 5, 6] })).message).toBe(
      'Cannot put object "Cars" on frame(s) 5–6: this img_group has frames 0–4.',
    )
    group.addBoundingBox('Cars', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: [3, 4] })
    const video = new LabelRow(fixture('label_row_video.json'), { ontology: ontologyOf(ONTOLOGY.api), metadata: metadata({ numberOfFrames: 50, dataTitle: 'drive.mp4' }) })
    expect(thrown(() => video.addBoundingBox('Box', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frame: 50 })).message).toBe(
      'Cannot put object "Box" on frame(s) 50: "drive.mp4" has 50 frames (0–49).',
    )
    expect(thrown(() => video.addBoundingBox('Box', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frame: -1 })).code).toBe('FrameOutOfRange')
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
    box.annotation(0)!.update({ coordinates: { x: 0.2, y: 0.2, w: 0.2, h: 0.2 }, confidence: 0.5, lastEditedBy: 'me@example.com' })
    expect(row.isDirty).toBe(true)
    const frame0 = (row.toDict()['data_units'] as Record<string, { labels: Record<string, { objects: Json[] }> }>)['d0000002-aaaa-4bbb-8ccc-000000000002'].labels['0'].objects[0]
    expect(frame0).toMatchObject({ confidence: 0.5, lastEditedBy: 'me@example.com', lastEditedAt: 'Tue, 02 Jan 2024 03:04:05 UTC', boundingBox: { h: 0.2, w: 0.2, x: 0.2, y: 0.2 } })
    expect(frame0['createdAt']).toBe('Tue, 03 Jun 2025 11:31:02 UTC') // kept
  })

  it('removes frames, objects and classifications', () => {
    const row = load('label_row_video.json', ONTOLOGY.api)
    const box = row.objects()[0]
    box.removeFrames([0, 1])
    expect(box.frames()).toEqual([2])
    const labels = () => (row.toDict()['data_units'] as Record<string, { labels: Record<string, { objects: Json[]; classifications: Json[] }> }>)['d0000002-aaaa-4bbb-8ccc-000000000002'].labels
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

describe('answers', () => {
  it('answers radio, checklist, text and nested attributes, in any form', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const car = row.addBoundingBox('Car', { x: 0, y: 0, w: 0.5, h: 0.5 }, { answers: { Colour: 'redOptFH', Tags: 'Parked' } })
    const colour = row.ontology.object('Car').attribute('Colour')
    expect(car.getAnswer(colour)).toBe(row.ontology.get('Car', 'Colour', 'Red'))
    expect(car.getAnswer('Tags')).toEqual([row.ontology.get('Car', 'Tags', 'Parked')])
    car.setAnswer('Colour', row.ontology.get('Car', 'Colour', 'Blue') as never)
    expect((car.getAnswer('Colour') as { label: string }).label).toBe('Blue')
    car.setAnswer('Colour', ['red']) // a one-element list and an option value are fine for radio
    expect((car.getAnswer('Colour') as { label: string }).label).toBe('Red')
    car.setAnswer('Tags', [])
    expect(car.getAnswer('Tags')).toEqual([])
    car.clearAnswer('Tags')
    expect(car.getAnswer('Tags')).toBeUndefined()
    expect(car.answers().map((a) => a.name)).toEqual(['Colour'])
  })

  it('answers numeric attributes, static and dynamic', () => {
    const row = load('label_row_video.json', ONTOLOGY.api)
    const ontology = new Ontology(ANSWERS_ONTOLOGY)
    const video = new LabelRow(fixture('label_row_video.json'), { ontology, clock: () => FIXED_NOW, newHash: () => 'track001' })
    void row
    const box = video.addBoundingBox('Box', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: { start: 0, end: 3 }, objectHash: 'box00001', answers: { Count: 3 } })
    box.setAnswer('Speed', 12.5, { frames: [0, 1] })
    box.setAnswer('Speed', 20, { frames: [2, 3] })
    expect(box.getAnswer('Count')).toBe(3)
    expect(box.getAnswer('Speed', { frame: 1 })).toBe(12.5)
    expect(box.getAnswer('Speed', { frame: 3 })).toBe(20)
    expect(box.getAnswer('Speed')).toBe(12.5) // the earliest
    const e = thrown(() => box.setAnswer('Count', 'three'))
    expect(e.code).toBe('InvalidAnswer')
    expect(e.message).toBe('Invalid answer for numeric attribute "Count" (Box › Count): expected a finite number, got the string "three".')
    const out = video.toDict()
    expect((out['object_answers'] as Json)['box00001']).toEqual({
      classifications: [{ name: 'Count', value: 'count', answers: 3, featureHash: 'countFH1', manualAnnotation: false }],
      objectHash: 'box00001',
    })
    expect(((out['object_actions'] as Json)['box00001'] as { actions: Json[] }).actions.map((a) => [a['answers'], a['range']])).toEqual([
      [12.5, [[0, 1]]],
      [20, [[2, 3]]],
    ])
  })

  it('keeps one action per distinct dynamic answer, splitting and merging ranges', () => {
    const row = load('label-model/generated_video_empty_input.json', ONTOLOGY.synthetic, { hashes: ['car00001', 't1', 't2', 't3'] })
    const car = row.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { frames: { start: 0, end: 5 } })
    car.setAnswer('Occluded', 'Yes') // every frame of the object
    car.setAnswer('Occluded', 'No', { frames: [2, 3] })
    const actions = () => car.answers().filter((a) => a.dynamic).map((a) => [(a.value as { label: string }).label, a.frames])
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
    expect(e.message).toBe('Object "Car" (car00001) is not on frame(s) 9; dynamic answers to "Occluded" go on frames where the object is.')
  })

  it('refuses options of another attribute, unknown options and unknown attributes, naming the feature', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const car = row.addBoundingBox('Car', { x: 0, y: 0, w: 0.5, h: 0.5 })
    const e1 = thrown(() => car.setAnswer('Colour', 'Purple'))
    expect(e1.code).toBe('InvalidAnswer')
    expect(e1.message).toBe('Invalid answer for radio attribute "Colour" (Car › Colour): "Purple" is not one of its options "Red", "Blue".')
    const e2 = thrown(() => car.setAnswer('Colour', 'Bleu'))
    expect(e2.message).toContain('Did you mean "Blue"?')
    const parked = row.ontology.get('Car', 'Tags', 'Parked')
    const e3 = thrown(() => car.setAnswer('Colour', parked as never))
    expect(e3.message).toBe('Invalid answer for radio attribute "Colour" (Car › Colour): "Parked" (it belongs to Car › Tags › Parked) is not one of its options "Red", "Blue".')
    const e4 = thrown(() => car.setAnswer('Colour', ['Red', 'Blue']))
    expect(e4.message).toContain('a radio attribute takes exactly one option, got 2')
    const e5 = thrown(() => car.setAnswer('Weather', 'Sunny'))
    expect(e5.code).toBe('OntologyFeatureNotFound')
    expect(e5.message).toContain('No attribute "Weather" on object "Car".')
    const e6 = thrown(() => car.setAnswer('Note', 5 as never))
    expect(e6.message).toContain('expected a string, got the number 5')
    const e7 = thrown(() => row.addBoundingBox('Car', { x: 0, y: 0, w: 0.1, h: 0.1 }, { answers: { Tags: ['Parked', 'Flying'] } }))
    expect(e7.message).toContain('"Flying" is not one of its options "Parked", "Moving"')
    expect(row.objects()).toHaveLength(1) // the refused object was not added
  })

  it('answers classifications and nested classification attributes', () => {
    const row = load('label-model/labels_image_classification_no_answer.json', ONTOLOGY.allTypes, { hashes: ['newCls01'] })
    // Loaded without classification_answers: unanswered, and written back without an entry.
    const radio = row.classifications({ feature: 'Radio classification 1' })[0]
    expect(radio.answer).toBeUndefined()
    radio.setAnswer('cl 1 option 2').setAnswer('The moon', { attribute: 'cl 1 2 text' })
    const entry = (row.toDict()['classification_answers'] as Json)['3AqiIPrF'] as Json
    expect(entry).toEqual({
      classifications: [
        { name: 'cl 1 2 text', value: 'cl_1_2_text', answers: 'The moon', featureHash: 'MTg0MjIw', manualAnnotation: false },
        { name: 'Radio classification 1', value: 'radio_classification_1', answers: [{ name: 'cl 1 option 2', value: 'cl_1_option_2', featureHash: 'MjUzMTg1' }], featureHash: 'MjI5MTA5', manualAnnotation: false },
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

describe('classifications', () => {
  it('refuses the same classification on overlapping frames, or takes them with force', () => {
    // (A refused add still draws a hash.)
    const row = load('label_row_video.json', ONTOLOGY.api, { hashes: ['refused1', 'cls00001', 'cls00002'] })
    const e = thrown(() => row.addClassification('Weather', { answer: 'Sunny', frames: { start: 4, end: 6 } }))
    expect(e.code).toBe('ClassificationFramesOverlap')
    expect(e.message).toBe('Classification "Weather" is already on frame(s) 4 of this label row (instance Cl2HaSh2); a classification can be on a frame only once.')
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
    const row = load('label_row_video.json', ONTOLOGY.api, { hashes: ['cls00001'], defaults: { createdBy: 'bot@example.com' } })
    row.classification('Cl2HaSh2')!.remove()
    row.addClassification('Weather', { answer: 'Cloudy', frames: [0, 1, 2, 7] })
    const entry = (row.toDict()['classification_answers'] as Json)['cls00001'] as Json
    expect(entry).toEqual({
      classifications: [{ name: 'Weather', value: 'weather', answers: [{ name: 'Cloudy', value: 'cloudy', featureHash: 'cLoUd9y0' }], featureHash: 'wE4thAt6', manualAnnotation: false }],
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
    const row = load('label-model/labels_video_empty.json', ONTOLOGY.allTypes, { hashes: ['glob0001', 'refused1', 'refused2', 'glob0002'] })
    const g = row.addClassification('Global classification', { answer: ['Global Answer 2'] })
    expect(g.frames()).toEqual([])
    const entry = (row.toDict()['classification_answers'] as Json)['glob0001'] as Json
    expect(entry['range']).toEqual([])
    expect((entry['classifications'] as Json[])[0]['answers']).toEqual([{ name: 'Global Answer 2', value: 'checklist_classification_answer_2', featureHash: '74r7nK9e' }])
    expect(thrown(() => row.addClassification('Global classification', { answer: [] })).code).toBe('ClassificationFramesOverlap')
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
    expect(((written['object_answers'] as Json)['detach01'] as { classifications: Json[] }).classifications[0]['name']).toBe('Colour')
  })
})

describe('types', () => {
  it('narrows coordinates and answers by shape and attribute type', () => {
    const row = load('label-model/generated_image_empty_input.json', ONTOLOGY.synthetic)
    const carFeature = row.ontology.object('Car', 'bounding_box')
    const car = row.addObject(carFeature, { x: 0, y: 0, w: 0.1, h: 0.1 })
    expectTypeOf(car.coordinates()).toEqualTypeOf<import('./coordinates.js').BoundingBox | undefined>()
    expectTypeOf(row.addPolygon('Area', [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }]).coordinates(0)).toEqualTypeOf<import('./coordinates.js').Polygon | undefined>()
    for (const o of row.objects()) {
      if (o.shape === 'polygon') expectTypeOf(o.coordinates()).toEqualTypeOf<import('./coordinates.js').Polygon | undefined>()
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
    const row = new LabelRow(fixture('label_row_image.json'), { ontology: ontologyOf(ONTOLOGY.api), metadata: metadata() })
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
    const notWorkflow = new LabelRow(fixture('label_row_image.json'), { ontology: ontologyOf(ONTOLOGY.api), metadata: metadata({ workflowGraphNode: null }) })
    expect(thrown(() => notWorkflow.setPriority(0.5)).code).toBe('NotAWorkflowProject')
  })

  it('is dirty after any change to labels and clean after markSaved', () => {
    const row = load('label_row_image.json', ONTOLOGY.api)
    expect(row.isDirty).toBe(false)
    row.objects()[0].setAnswer('Note', 'moved')
    expect([row.isDirty, row.hasLabelChanges]).toEqual([true, true])
    row.markSaved('labels')
    expect(row.isDirty).toBe(false)
    row.classifications()[0].annotation(0)!.update({ confidence: 0.4 })
    expect(row.isDirty).toBe(true)
    row.markSaved()
    row.classifications()[0].setAnswer('Cloudy')
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
