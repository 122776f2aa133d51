/**
 * A label row never writes the dict it is loaded from (issue 21: no deep copy of a row just parsed).
 * Every row here is loaded from a deep-frozen dict: in an ES module (strict mode) any write into it
 * throws a TypeError, so an edit that reached the dict fails the test. A second row loaded from the
 * same dict after the first was edited must see the dict as it came.
 */
import { describe, expect, it } from 'vitest'
import type { Attribute } from './ontology-attributes.js'
import { LabelRow } from './label-row.js'
import type { ObjectInstance } from './object-instance.js'
import { Ontology, type OntologyObject } from './ontology.js'
import {
  FIXED_NOW,
  LABEL_ROW_FIXTURES,
  ONTOLOGY,
  fixture,
  metadata,
  ontologyOf,
  type Json,
} from '../../test/helpers/label-rows.js'

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** Writes a key into every object and array of `value`: throws if any of them is frozen. */
function touchEverything(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  for (const v of Object.values(value)) touchEverything(v)
  ;(value as Json)['touched'] = true
}

function loadFrozen(dict: Json, ontology: string, extra: Partial<ConstructorParameters<typeof LabelRow>[1]> = {}) {
  let n = 0
  return new LabelRow(dict, {
    ontology: ontologyOf(ontology),
    clock: () => FIXED_NOW,
    newHash: () => `new${++n}`,
    defaults: { createdBy: 'agent@example.com' },
    ...extra,
  })
}

/** An answer of the attribute's type (undefined for types that cannot be set). */
function answerFor(a: Attribute): unknown {
  if (a.type === 'radio') return a.options[0]
  if (a.type === 'checklist') return a.options.slice(0, 1)
  if (a.type === 'text') return 'a note'
  if (a.type === 'numeric') return 3
  return undefined
}

/**
 * Every editing call the model has, on every loaded instance: label metadata on each frame, static and
 * dynamic answers (the same answer on more frames, another on some, cleared on one), frames removed
 * and set again, priority, objects and classifications added and removed. Calls the model refuses (a
 * feature not in the ontology, read-only data) are fine; a TypeError (a write into the frozen dict) is not.
 */
function editEverything(row: LabelRow): void {
  const attempt = (f: () => unknown) => {
    try {
      f()
    } catch (e) {
      if (e instanceof TypeError) throw e
    }
  }
  for (const o of row.objects() as ObjectInstance[]) {
    for (const f of o.frames()) attempt(() => o.annotation(f)!.update({ confidence: 0.25, isDeleted: false }))
    for (const view of o.answers()) touchEverything(view.wire)
    for (const a of o.ontologyObject?.allAttributes() ?? []) {
      const value = answerFor(a)
      if (value === undefined) continue
      const frames = o.frames()
      if (!a.dynamic) {
        attempt(() => o.setAnswer(a, value as never, { overwrite: true }))
        continue
      }
      for (const { value: old } of o.getAnswers(a)) attempt(() => o.setAnswer(a, old as never, { frames }))
      attempt(() => o.setAnswer(a, value as never, { frames: frames.slice(-1) }))
      if (frames.length > 2) attempt(() => o.clearAnswer(a, { frames: [frames[1]] }))
    }
    const frames = o.frames()
    if (frames.length > 0)
      attempt(() => o.setForFrames(o.coordinates(frames[0]) as never, { frames: frames[0], overwrite: true }))
    if (frames.length > 1) attempt(() => o.removeFrames(frames.slice(-1)))
  }
  for (const c of row.classifications()) {
    for (const f of c.frames()) attempt(() => c.annotation(f)!.update({ confidence: 0.5, manualAnnotation: true }))
    for (const view of c.answers()) touchEverything(view.wire)
    for (const a of c.ontologyClassification?.allAttributes() ?? []) {
      const value = answerFor(a)
      if (value !== undefined) attempt(() => c.setAnswer(value as never, { attribute: a, overwrite: true }))
    }
    const frames = c.frames()
    if (frames.length > 0) attempt(() => c.setForFrames({ frames: frames[0], overwrite: true }))
    if (frames.length > 1) attempt(() => c.removeFrames(frames.slice(-1)))
  }
  for (const o of row.objects()) attempt(() => row.addObjectInstance(o.copy()))
  for (const c of row.classifications()) attempt(() => row.addClassificationInstance(c.copy(), { force: true }))
  attempt(() => row.setPriority(0.3))
  const box = row.ontology.objects.find((o) => o.shape === 'bounding_box')
  if (box)
    attempt(() =>
      row.addBoundingBox(
        box as OntologyObject<'bounding_box'>,
        { x: 0.1, y: 0.1, w: 0.2, h: 0.2 },
        { confidence: 0.5 },
      ),
    )
  const cls = row.ontology.classifications.find((c) => !c.isGlobal)
  if (cls) attempt(() => row.addClassification(cls, { force: true }))
  const [firstObject] = row.objects()
  if (firstObject) row.removeObject(firstObject)
  const [firstClassification] = row.classifications()
  if (firstClassification) row.removeClassification(firstClassification)
}

describe('a label row never writes the dict it was loaded from', () => {
  for (const { file, ontology, rows } of LABEL_ROW_FIXTURES) {
    it(`edits every label of ${file}, then a second row from the same dict sees it as it came`, () => {
      const json = fixture<unknown>(file)
      const dicts = rows ? rows(json) : [json as Json]
      for (const original of dicts) {
        const text = JSON.stringify(original)
        const dict = deepFreeze(original)
        const first = loadFrozen(dict, ontology)
        const asLoaded = first.toDict()
        expect(asLoaded).toEqual(JSON.parse(text))
        editEverything(first)
        const edited = first.toDict()
        // toDict's output is the caller's own: nothing in it is the frozen dict's.
        touchEverything(edited)
        expect(JSON.stringify(dict)).toBe(text)
        const second = loadFrozen(dict, ontology)
        expect(second.toDict()).toEqual(asLoaded)
        expect(second.isDirty).toBe(false)
      }
    })
  }

  it('edits loaded dynamic answers: the same answer on more frames, another on a frame, cleared, frames removed', () => {
    const dict = deepFreeze(fixture('label-model/generated_video_output.json'))
    const row = loadFrozen(dict, ONTOLOGY.synthetic)
    const car: ObjectInstance = row.object('vidCar01')!
    const occluded = car.ontologyObject!.attribute('Occluded')
    const before = car.getAnswers(occluded)
    expect(before.length).toBeGreaterThan(0)
    const frames = car.frames()
    car.setAnswer(occluded, before[0].value as never, { frames, manualAnnotation: true })
    expect(car.getAnswers(occluded).map((a) => a.frames)).toEqual([frames])
    if (occluded.type !== 'radio') throw new Error("the fixture's Occluded is a radio attribute")
    const other = occluded.options.find((o) => o !== before[0].value)!
    car.setAnswer(occluded, other, { frames: frames.slice(-1) })
    expect(car.getAnswers(occluded)).toHaveLength(2)
    car.removeFrames(frames.slice(-1))
    car.clearAnswer(occluded, { frames: frames.slice(0, 1) })
    expect(row.toDict()).not.toEqual(dict)
    const again = loadFrozen(dict, ONTOLOGY.synthetic)
    expect(again.object('vidCar01')!.getAnswers(occluded)).toEqual(before)
  })

  it('edits the metadata of loaded classifications on frames and of loaded objects', () => {
    const dict = deepFreeze(fixture('label-model/labels_video_with_classifications.json'))
    const row = loadFrozen(dict, ONTOLOGY.allTypes)
    const onFrames = row.classifications().filter((c) => c.frames().length > 0)
    expect(onFrames.length).toBeGreaterThan(0)
    for (const c of onFrames) c.annotation(c.frames()[0])!.update({ confidence: 0.1, createdBy: 'someone@example.com' })
    for (const o of row.objects()) o.annotation(o.frames()[0])!.update({ confidence: 0.2 })
    const again = loadFrozen(dict, ONTOLOGY.allTypes)
    for (const c of again.classifications().filter((c) => c.frames().length > 0))
      expect(c.annotation(c.frames()[0])!.confidence).not.toBe(0.1)
    expect(again.toDict()).toEqual(dict)
  })

  it('sets the priority of a row loaded with metadata from a frozen dict', () => {
    const dict = deepFreeze(fixture('label_row_image.json'))
    const row = loadFrozen(dict, ONTOLOGY.api, { metadata: metadata() })
    row.setPriority(0.9)
    expect(row.priority).toBe(0.9)
    expect(loadFrozen(dict, ONTOLOGY.api, { metadata: metadata() }).priority).toBe(0.5)
  })

  it('hands out its own copy of the client metadata', () => {
    const dict = deepFreeze({ ...fixture('label_row_image.json'), client_metadata: { camera: { side: 'front' } } })
    const row = loadFrozen(dict, ONTOLOGY.api)
    const meta = row.clientMetadata as { camera: { side: string } }
    meta.camera.side = 'rear'
    expect(row.clientMetadata).toBe(meta)
    expect(loadFrozen(dict, ONTOLOGY.api).clientMetadata).toEqual({ camera: { side: 'front' } })
  })

  it('hands out its own copy of the answer to an attribute of a type it does not know', () => {
    const structure = fixture<{ classifications: Json[] }>(ONTOLOGY.allTypes)
    const global = structure.classifications.find(
      (c) => c['featureNodeHash'] === 'globalClassificationTopLevelFeatureHash',
    )!
    ;(global['attributes'] as Json[])[0]['type'] = 'future_kind'
    const ontology = Ontology.from(structure)
    const dict = deepFreeze(fixture('label-model/labels_global_classification.json'))
    const row = new LabelRow(dict, { ontology })
    const [cls] = row.classifications()
    const answer = cls.getAnswer() as unknown as Json[]
    expect(answer[0]['name']).toBe('Global Answer 1')
    answer[0]['name'] = 'changed'
    const again = new LabelRow(dict, { ontology })
    expect((again.classifications()[0].getAnswer() as unknown as Json[])[0]['name']).toBe('Global Answer 1')
  })
})
