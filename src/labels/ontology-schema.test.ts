import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import type { LabelRowMetadata } from '../encord/types.js'
import { LabelRow } from './label-row.js'
import { ontologySchema, type OntologyAnswer } from './ontology-answer.js'
import { Ontology, type OntologyStructureDict } from './ontology.js'

type Json = Record<string, unknown>
const fixture = <T = Json>(path: string): T =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/encord-api/fixtures/label-model/${path}`, import.meta.url), 'utf8'),
  ) as T

const SYNTHETIC = fixture<OntologyStructureDict>('generated_ontology_synthetic.json')
const ALL_TYPES = fixture<OntologyStructureDict>('ontology_all_types.json')

/** The synthetic ontology with a numeric attribute added to Car (no fixture has one). */
function withNumeric(): OntologyStructureDict {
  const structure = structuredClone(SYNTHETIC) as { objects: Array<{ name: string; attributes?: Json[] }> }
  structure.objects
    .find((o) => o.name === 'Car')!
    .attributes!.push({
      id: '1.9',
      name: 'Speed (km/h)',
      type: 'numeric',
      featureNodeHash: 'speedFH1',
      required: false,
      archived: false,
      dynamic: false,
    })
  return structure
}

function row(labels: string, ontology: Ontology, frames = 1): LabelRow {
  const dict = fixture(labels)
  const metadata = { numberOfFrames: frames } as unknown as LabelRowMetadata
  return LabelRow.fromDict(dict, { ontology, metadata, defaults: { createdBy: 'agent@example.com' } })
}

/** Every object node of a JSON Schema, however deep. */
function objectNodes(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const n of node) objectNodes(n, out)
  else if (node !== null && typeof node === 'object') {
    const n = node as Json
    if (n['type'] === 'object') out.push(n)
    for (const v of Object.values(n)) objectNodes(v, out)
  }
  return out
}

describe('ontologySchema: the ontology as a JSON Schema and a zod schema', () => {
  it('is strict as OpenAI structured outputs need and keyed as Anthropic tools allow, with titles in the descriptions', () => {
    const schema = ontologySchema(new Ontology(SYNTHETIC))
    const nodes = objectNodes(schema.jsonSchema)
    expect(nodes.length).toBeGreaterThan(10)
    for (const node of nodes) {
      const keys = Object.keys(node['properties'] as Json)
      expect(node['additionalProperties']).toBe(false)
      expect(new Set(node['required'] as string[])).toEqual(new Set(keys))
      for (const key of keys) expect(key).toMatch(/^[a-zA-Z0-9_.-]{1,64}$/)
    }
    expect(schema.jsonSchema['$schema']).toBeUndefined()
    // Bitmasks have no coordinates a model can give: left out by default.
    const items = ((schema.jsonSchema['properties'] as Json)['objects'] as { items: { anyOf: Json[] } }).items.anyOf
    expect(items.map((i) => ((i['properties'] as Json)['object'] as Json)['enum'])).toEqual([
      ['Car'],
      ['Rotated'],
      ['Area'],
      ['Lane'],
      ['Keypoint'],
    ])
    expect(schema.jsonSchemaString).not.toMatch(/"oneOf"|"const"/) // OpenAI strict mode takes anyOf and enum
    const car = items[0]['properties'] as Json
    expect(Object.keys(car)).toEqual(['object', 'box', 'colour', 'tags', 'note', 'occluded'])
    expect(car['colour']).toMatchObject({ description: expect.stringContaining('"Colour" (radio') }) // required: not nullable
    expect(JSON.stringify(car['note'])).toContain('"type":"null"')
    expect(JSON.parse(schema.jsonSchemaString)).toEqual(schema.jsonSchema)
  })

  it('round-trips the fixture with every shape and attribute kind: row → answer → JSON → validated → instances in a new row → the same answer', () => {
    const ontology = new Ontology(SYNTHETIC)
    const schema = ontologySchema(ontology)
    const original = row('generated_image_all_shapes_output.json', ontology)
    const answer = schema.answerOf(original)
    expect(answer.objects).toHaveLength(5)
    expect(answer.objects![0]).toEqual({
      object: 'Car',
      box: { x: 0.1, y: 0.2, w: 0.25, h: 0.5 },
      colour: { choice: 'Red', shade: 'dark' },
      tags: ['Parked', 'Moving'],
      note: 'free text',
      occluded: null,
    })
    expect(answer.classifications).toEqual({ weather: 'Sunny', issues: ['Blurry'], caption: expect.any(String) })

    // Every answer validates against the JSON Schema with an independent validator (ajv), as a model API would.
    const validate = new Ajv2020({ strict: false }).compile(schema.jsonSchema)
    expect(validate(answer), JSON.stringify(validate.errors)).toBe(true)

    const fresh = row('generated_image_empty_input.json', ontology)
    const added = schema.addTo(fresh, JSON.stringify(answer), { confidence: 0.7 })
    expect(added.objects.map((o) => o.title)).toEqual(['Car', 'Rotated', 'Area', 'Lane', 'Keypoint'])
    expect(added.classifications.map((c) => c.title)).toEqual(['Weather', 'Issues', 'Caption'])
    expect(schema.answerOf(fresh)).toEqual(answer)
    // The label model agrees with the original on coordinates and answers.
    for (const [i, o] of original
      .objects()
      .filter((x) => x.shape !== 'bitmask')
      .entries()) {
      const copy = added.objects[i]
      expect(copy.coordinates(0)).toEqual(o.coordinates(0))
      expect(copy.answers().map((a) => [a.name, a.wire])).toEqual(
        expect.arrayContaining(o.answers().map((a) => [a.name, a.wire])),
      )
      expect(copy.annotation(0)!.confidence).toBe(0.7)
      expect(copy.annotation(0)!.createdBy).toBe('agent@example.com') // the row's defaults
    }
    expect(fresh.isDirty).toBe(true)
  })

  it('numeric attributes, dynamic attributes on a video frame, and global classifications', () => {
    const ontology = new Ontology(withNumeric())
    const schema = ontologySchema(ontology, { objects: ['Car'], classifications: false })
    expect(Object.keys(schema.jsonSchema['properties'] as Json)).toEqual(['objects'])
    const video = row('generated_video_output.json', ontology, 3)
    const detached = schema.toInstances(
      {
        objects: [
          {
            object: 'Car',
            box: { x: 0, y: 0, w: 0.5, h: 0.5 },
            colour: { choice: 'Blue' },
            tags: [],
            note: null,
            occluded: 'Yes',
            speed_km_h: 42.5,
          },
        ],
      },
      { frame: 2 },
    )
    const car = detached.objects[0]
    expect(car.frames()).toEqual([2])
    expect(car.getAnswer('Speed (km/h)')).toBe(42.5)
    expect((car.getAnswer('Occluded', { frame: 2 }) as { label: string }).label).toBe('Yes')
    expect(car.row).toBeNull()
    video.addObjectInstance(car)
    const again = schema.answerOf(video, { frame: 2 })
    expect(again.objects!.find((o) => o['speed_km_h'] === 42.5)).toMatchObject({
      colour: { choice: 'Blue' },
      occluded: 'Yes',
      tags: [],
    })

    // The fixture's own dynamic answer (Occluded on frames 1–2) reads per frame.
    const fromFixture = schema.answerOf(video, { frame: 1 }).objects!
    expect(fromFixture.map((o) => o['occluded'])).toContain('Yes')

    const all = new Ontology(ALL_TYPES)
    const globalSchema = ontologySchema(all, { objects: false })
    const globals = all.classifications.filter((c) => c.isGlobal)
    expect(globals.length).toBeGreaterThan(0)
    const properties = (
      globalSchema.jsonSchema['properties'] as { classifications: { properties: Record<string, Json> } }
    ).classifications.properties
    const key = Object.keys(properties).find((k) => k.startsWith('global'))!
    // Nothing answered: null, or [] for checklists.
    const answer = {
      classifications: Object.fromEntries(
        Object.entries(properties).map(([k, p]) => [k, p['type'] === 'array' ? [] : null]),
      ),
    } as OntologyAnswer
    const first = globals[0]
    const option = first.question.options[0]
    answer.classifications![key] =
      first.question.type === 'checklist' ? [option.label] : first.question.type === 'radio' ? option.label : 'text'
    const made = globalSchema.toInstances(answer).classifications
    expect(made).toHaveLength(1)
    expect(made[0].isGlobal).toBe(true)
    expect(made[0].frames()).toEqual([])
  })

  it('objects without coordinates (to classify a crop): any shape, the object and its answers only', () => {
    const all = new Ontology(ALL_TYPES)
    const skeleton = all.objects.find((o) => o.shape === 'skeleton')!
    const refused = thrown(() => ontologySchema(all, { objects: ['Deeply Nested Polygon', skeleton.name] }))
    expect(refused.message).toContain(`cannot give coordinates of ${JSON.stringify(skeleton.name)} (skeleton)`)
    expect(refused.hint).toContain('{ coordinates: false }')
    const schema = ontologySchema(all, { coordinates: false, classifications: false })
    const items = ((schema.jsonSchema['properties'] as Json)['objects'] as { items: { anyOf: Json[] } }).items.anyOf
    expect(items).toHaveLength(all.objects.length)
    for (const item of items) expect(Object.keys(item['properties'] as Json)).not.toContain('box')
    const made = schema.toInstances({ objects: [{ object: 'Nested Box', first_name: 'Ada', mood: ['Sad'] }] })
    expect(made.objects[0].frames()).toEqual([])
    expect(made.objects[0].getAnswer('First name')).toBe('Ada')
  })

  it('refuses answers that do not fit, naming each path', () => {
    const schema = ontologySchema(new Ontology(withNumeric()))
    const bad = {
      objects: [
        {
          object: 'Car',
          box: { x: 0.1, y: 0.2, w: 1.5, h: 0.5 },
          colour: { choice: 'Green' },
          tags: ['Parked'],
          note: null,
          occluded: null,
          speed_km_h: 'fast',
        },
        { object: 'Boat', box: { x: 0, y: 0, w: 0.1, h: 0.1 } },
      ],
      classifications: { weather: 'Sunny', issues: [], caption: null, extra: 1 },
    }
    const e = thrown(() => schema.validate(bad))
    expect(e.code).toBe('InvalidAnswer')
    expect(e.message).toContain('objects[0].box.w: Too big: expected number to be <=1')
    expect(e.message).toMatch(/objects\[0\]\.colour\.choice: .*'Red' \| 'Blue'/)
    expect(e.message).toMatch(/objects\[0\]\.speed_km_h: .*expected number/)
    expect(e.message).toMatch(/objects\[1\]\.object: .*'Car' \| 'Rotated'/)
    expect(e.message).toMatch(/classifications: Unrecognized key: "extra"/)
    expect(thrown(() => schema.toInstances('{"objects": [')).message).toMatch(/not JSON/)
    expect(thrown(() => schema.toInstances({ objects: [] })).message).toMatch(
      /classifications: Invalid input: expected object, received undefined/,
    )
    expect(thrown(() => schema.validate([])).message).toMatch(/\(the answer\): Invalid input: expected object/)
    // Problems the label model finds are reported at their path too.
    const twice = ontologySchema(new Ontology(SYNTHETIC), { objects: false })
    const r = row('generated_image_all_shapes_output.json', new Ontology(SYNTHETIC))
    expect(
      thrown(() => twice.addTo(r, { classifications: { weather: 'Rainy', issues: [], caption: null } })).message,
    ).toMatch(/^classifications\.weather: .*already/)
  })
})
