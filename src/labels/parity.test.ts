import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import type { LabelRowMetadata } from '../encord/types.js'
import { ClassificationInstance } from './classification-instance.js'
import { LabelRow } from './label-row.js'
import { ObjectInstance } from './object-instance.js'
import { Ontology, type OntologyStructureDict } from './ontology.js'

/** Python's LabelRowV2 / ObjectInstance / ClassificationInstance operations that agents use, on the SDK's fixtures. */

type Json = Record<string, unknown>
const fixture = <T = Json>(path: string): T =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/encord-api/fixtures/label-model/${path}`, import.meta.url), 'utf8'),
  ) as T
const ontology = (path: string) => Ontology.from(fixture<OntologyStructureDict>(path))
const SYNTHETIC = ontology('generated_ontology_synthetic.json')
const ALL_TYPES = ontology('ontology_all_types.json')
const row = (file: string, o: Ontology, metadata?: Partial<LabelRowMetadata>) =>
  new LabelRow(fixture(file), {
    ontology: o,
    metadata: metadata as LabelRowMetadata | undefined,
    defaults: { createdBy: 'agent@example.com' },
  })

describe('setAnswer: the attribute inferred from the answer, no silent overwrite', () => {
  it('infers the attribute from an option, options, or the only text / numeric attribute', () => {
    const r = row('generated_image_empty_input.json', SYNTHETIC)
    const car = r.addBoundingBox('Car', { x: 0, y: 0, w: 0.5, h: 0.5 })
    const car2 = SYNTHETIC.object('Car')
    car.setAnswer(car2.attribute('Colour').option('Red'))
    expect((car.getAnswer('Colour') as { label: string }).label).toBe('Red')
    car.setAnswer([car2.attribute('Tags').option('Parked'), car2.attribute('Tags').option('Moving')])
    expect((car.getAnswer('Tags') as unknown as Array<{ label: string }>).map((o) => o.label)).toEqual([
      'Parked',
      'Moving',
    ])
    // Car has two text attributes (Note, and Shade under Red): a bare string is ambiguous.
    expect(thrown(() => car.setAnswer('parked outside')).message).toMatch(/2 text attributes \("Shade", "Note"\)/)
    expect(thrown(() => car.setAnswer(42)).message).toMatch(/no numeric attributes/)
    expect(thrown(() => car.setAnswer(SYNTHETIC.classification('Weather').option('Sunny'))).message).toMatch(
      /"Sunny" is not an option of any attribute of object "Car"/,
    )
    // A classification: an option of a nested attribute answers that attribute.
    const weather = r.addClassification('Weather')
    weather.setAnswer(SYNTHETIC.classification('Weather').option('Rainy'))
    expect((weather.answer as { label: string }).label).toBe('Rainy')
  })

  it('refuses to replace a static answer unless overwrite: true; dynamic answers take frames', () => {
    const r = row('generated_video_output.json', SYNTHETIC, { numberOfFrames: 3 })
    const [car] = r.objects()
    const before = (car.getAnswer('Colour') as { label: string }).label
    const other = before === 'Red' ? 'Blue' : 'Red'
    const e = thrown(() => car.setAnswer('Colour', other))
    expect([e.code, e.message, e.hint]).toEqual([
      'AnswerAlreadySet',
      expect.stringContaining('already has an answer to "Colour"'),
      'Pass { overwrite: true } to replace it, or clearAnswer() first.',
    ])
    expect((car.getAnswer('Colour') as { label: string }).label).toBe(before)
    car.setAnswer('Colour', other, { overwrite: true })
    expect((car.getAnswer('Colour') as { label: string }).label).toBe(other)
    // Dynamic attributes: a new answer replaces the old one on its frames.
    car.setAnswer('Occluded', 'No', { frames: [2] })
    expect((car.getAnswer('Occluded', { frame: 2 }) as { label: string }).label).toBe('No')
    const [weather] = r.classifications()
    const was = (weather.answer as { label: string }).label
    const now = was === 'Sunny' ? 'Rainy' : 'Sunny'
    expect(thrown(() => weather.setAnswer(now)).code).toBe('AnswerAlreadySet')
    weather.setAnswer(now, { overwrite: true })
    expect((weather.answer as { label: string }).label).toBe(now)
  })
})

describe('dynamic answers per frame', () => {
  it('getAnswer(attr, { frame }) and getAnswers(attr): every answer with its frames', () => {
    const r = row('generated_video_output.json', SYNTHETIC, { numberOfFrames: 3 })
    const [car] = r.objects()
    expect(car.frames()).toEqual([0, 1, 2])
    expect(car.getAnswer('Occluded', { frame: 0 })).toBeUndefined()
    expect((car.getAnswer('Occluded', { frame: 2 }) as { label: string }).label).toBe('Yes')
    car.setAnswer('Occluded', 'No', { frames: [0] })
    expect(car.getAnswers('Occluded').map((a) => [(a.value as { label: string }).label, a.frames, a.ranges])).toEqual([
      ['No', [0], [[0, 0]]],
      ['Yes', [1, 2], [[1, 2]]],
    ])
    // A static attribute: one answer for all the object's frames.
    expect(car.getAnswers('Colour').map((a) => a.ranges)).toEqual([[[0, 2]]])
    expect(car.getAnswers('Tags').length).toBeLessThanOrEqual(1)
  })
})

describe('copy(): the same labels in another row (the twin transfer)', () => {
  it('copies objects and classifications with new hashes, their frames, coordinates, metadata and answers', () => {
    const source = row('generated_video_output.json', SYNTHETIC, { numberOfFrames: 3 })
    const target = row('generated_video_empty_input.json', ontology('generated_ontology_synthetic.json'), {
      numberOfFrames: 3,
    })
    const [car] = source.objects()
    const copy = car.copy()
    expect(copy.objectHash).not.toBe(car.objectHash)
    expect([copy.row, copy.frames()]).toEqual([null, car.frames()])
    target.addObjectInstance(copy)
    const [weather] = source.classifications()
    target.addClassificationInstance(weather.copy())
    const out = target.toDict() as { object_answers: Json; object_actions: Json; classification_answers: Json }
    const src = source.toDict() as typeof out
    const strip = (v: unknown, from: string, to: string) =>
      JSON.parse(JSON.stringify(v).replaceAll(from, to)) as unknown
    // Same entries but the hashes (and the dynamic answers' track hashes).
    expect(out.object_answers[copy.objectHash]).toEqual(
      strip(src.object_answers[car.objectHash], car.objectHash, copy.objectHash),
    )
    const actions = (e: unknown) => (e as { actions: Json[] }).actions.map(({ trackHash: _t, ...rest }) => rest)
    expect(actions(out.object_actions[copy.objectHash])).toEqual(actions(src.object_actions[car.objectHash]))
    for (const f of car.frames()) {
      expect(copy.coordinates(f)).toEqual(car.coordinates(f))
      expect(copy.annotation(f)!.createdBy).toBe(car.annotation(f)!.createdBy)
    }
    // The copy answers against the target row's ontology.
    expect(
      copy
        .answers()
        .every((a) => a.attribute !== undefined && target.ontology.object('Car').allAttributes().includes(a.attribute)),
    ).toBe(true)
    const [copiedWeather] = target.classifications()
    expect([copiedWeather.frames(), copiedWeather.answer]).toEqual([weather.frames(), weather.answer])
    expect(copiedWeather.ranges).toEqual([[0, 1]])
    expect(thrown(() => source.addObjectInstance(copy)).message).toMatch(/already belongs to the label row/)
  })
})

describe('range labels: audio, plain text and HTML', () => {
  it('writes audio and text objects on ranges, in the entry Encord expects, and reads them back the same', () => {
    const audio = row('labels_audio.json', ALL_TYPES)
    const speaker = audio.addRangeObject(
      'audio object 1',
      [
        [0, 1500],
        [2000, 2600],
      ],
      { confidence: 0.8 },
    )
    expect([speaker.isRangeBased, speaker.ranges, speaker.frames()]).toEqual([
      true,
      [
        [0, 1500],
        [2000, 2600],
      ],
      [],
    ])
    const dict = audio.toDict() as { object_answers: Record<string, Json> }
    expect(Object.keys(dict.object_answers[speaker.objectHash])).toEqual([
      'classifications',
      'objectHash',
      'createdBy',
      'createdAt',
      'lastEditedBy',
      'lastEditedAt',
      'manualAnnotation',
      'featureHash',
      'name',
      'color',
      'shape',
      'value',
      'range',
    ])
    expect(dict.object_answers[speaker.objectHash]).toMatchObject({
      range: [
        [0, 1500],
        [2000, 2600],
      ],
      shape: 'audio',
      name: 'audio object 1',
      createdBy: 'agent@example.com',
    })
    const again = new LabelRow(dict, { ontology: ALL_TYPES })
    expect(again.object(speaker.objectHash)!.ranges).toEqual([
      [0, 1500],
      [2000, 2600],
    ])
    expect(again.toDict()).toEqual(dict)

    const text = row('labels_plain_text.json', ALL_TYPES)
    const span = new ObjectInstance(ALL_TYPES.object('text object')).setRanges([{ start: 6, end: 11 }])
    text.addObjectInstance(span)
    expect(text.object(span.objectHash)!.ranges).toEqual([[6, 11]])
    const html = text.addRangeObject('text object', [
      { start: { xpath: '/html/body/p[1]', offset: 0 }, end: { xpath: '/html/body/p[1]', offset: 12 } },
    ])
    const htmlEntry = (text.toDict() as { object_answers: Record<string, Json> }).object_answers[html.objectHash]
    expect([htmlEntry['range'], htmlEntry['range_html']]).toEqual([
      [],
      [{ start: { xpath: '/html/body/p[1]', offset: 0 }, end: { xpath: '/html/body/p[1]', offset: 12 } }],
    ])
    expect(html.htmlRanges).toEqual(htmlEntry['range_html'])
  })

  it('refuses ranges where they do not belong, and frames on range data', () => {
    const image = row('generated_image_empty_input.json', SYNTHETIC)
    expect(thrown(() => image.addRangeObject('Car', [[0, 1]])).message).toMatch(
      /Cannot put object "Car" on ranges: .* whose labels go on frames/,
    )
    expect(thrown(() => new ObjectInstance(SYNTHETIC.object('Car')).setRanges([[0, 1]])).code).toBe('WrongShape')
    expect(thrown(() => new ObjectInstance(ALL_TYPES.object('text object')).setRanges([[5, 1]])).message).toMatch(
      /0 ≤ start ≤ end/,
    )
    const audio = row('labels_audio.json', ALL_TYPES)
    const global = audio.classifications()[0]
    expect(global.ranges).toEqual([])
  })
})

describe('what the row says about its data', () => {
  it('metadata getters: task status, shadow data, file type, audio fields', () => {
    const audio = row('labels_audio.json', ALL_TYPES, {
      fileType: 'audio/mpeg',
      raw: { is_valid: true, assigned_user_email: 'a@b.c' },
    })
    expect([
      audio.annotationTaskStatus,
      audio.isShadowData,
      audio.fileType,
      audio.audioCodec,
      audio.audioSampleRate,
      audio.audioBitDepth,
      audio.audioNumChannels,
      audio.isValid,
      audio.assignedUserEmail,
    ]).toEqual(['QUEUED', false, 'audio/mpeg', 'mp3', 44100, 8, 2, true, 'a@b.c'])
    expect(row('labels_plain_text.json', ALL_TYPES).fileType).toBe('text/plain') // from the data unit
  })

  it('getFrameNumber(imageHash) and getImageHash(frame) of an image group', () => {
    const group = row('labels_image_group.json', ontology('ontology_image_group.json'))
    const hashes = Object.keys(fixture<{ data_units: Json }>('labels_image_group.json').data_units)
    expect(hashes.map((h) => group.getFrameNumber(h))).toEqual(hashes.map((_, i) => i))
    expect(group.getImageHash(1)).toBe(hashes[1])
    expect([group.getFrameNumber('nope'), group.getImageHash(99)]).toEqual([null, null])
  })

  it('reviews of a label on a frame, when loaded with them', () => {
    const dict = fixture<{ data_units: Record<string, { labels: { objects: Json[] } }> }>(
      'generated_image_all_shapes_output.json',
    )
    const reviews = [{ approved: true, reviewer: 'r@example.com' }]
    Object.values(dict.data_units)[0].labels.objects[0]['reviews'] = reviews
    const r = new LabelRow(dict, { ontology: SYNTHETIC })
    expect(r.objects()[0].annotation(0)!.reviews).toEqual(reviews)
    expect(r.objects()[1].annotation(0)!.reviews).toBeNull()
    expect(r.toDict()).toEqual(dict) // kept as they came
  })
})

it('ClassificationInstance.copy() of a global classification has no frames', () => {
  const g = row('labels_global_classification.json', ALL_TYPES).classifications()[0]
  const copy = g.copy()
  expect([copy.isGlobal, copy.frames(), copy.classificationHash === g.classificationHash]).toEqual([true, [], false])
  expect(copy).toBeInstanceOf(ClassificationInstance)
})
