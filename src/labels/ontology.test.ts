import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { thrown } from '../../test/helpers/thrown.js'
import { Ontology, lowerSnake, type OntologyStructureDict } from './ontology.js'

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/encord-api/fixtures/${path}`, import.meta.url), 'utf8'))

const synthetic = () => Ontology.from(fixture('label-model/generated_ontology_synthetic.json') as OntologyStructureDict)
const allTypes = () => Ontology.from(fixture('label-model/ontology_all_types.json') as OntologyStructureDict)

describe('Ontology parsing', () => {
  it('parses objects of every shape, classifications, nested attributes and options', () => {
    const o = allTypes()
    expect(o.objects.map((x) => x.shape)).toEqual([
      'bounding_box',
      'polygon',
      'polyline',
      'point',
      'bounding_box',
      'polygon',
      'skeleton',
      'audio',
      'audio',
      'audio',
      'text',
      'cuboid_2d',
      'segmentation',
      'cuboid',
    ])
    const polygon = o.object('Deeply Nested Polygon')
    const radio = polygon.attribute('Radio level 1 ')
    expect(radio.type).toBe('radio')
    if (radio.type !== 'radio') throw new Error('narrowing')
    expect(radio.options.map((x) => x.label)).toEqual(['1 option 1', '1 option 2'])
    const nested = radio.option('1 option 1').attribute('1 1 text')
    expect(nested.type).toBe('text')
    expect(nested.parent.kind).toBe('option')
    expect(nested.root).toBe(polygon)
    expect(nested.path).toBe('Deeply Nested Polygon › Radio level 1  › 1 option 1 › 1 1 text')
    expect(o.classifications.find((c) => c.isGlobal)?.title).toBe('Global classification')
    expect(o.classifications.map((c) => c.question.type)).toEqual(['radio', 'text', 'checklist', 'text', 'checklist'])
  })

  it('accepts the ontology response (editor), the domain type (structure) and a project (editorOntology)', () => {
    const blurb = Ontology.from(fixture('label-model/ontology_blurb.json'))
    expect(blurb.objects.map((x) => x.name)).toEqual(['Apple', 'Pear'])
    expect(blurb.classification('hot dog').option('not hot dog').value).toBe('not_hot_dog')
    const project = Ontology.from(fixture('project.json'))
    expect(project.object('Box').attribute('Colour').featureHash).toBe('cA1rT9zE')
    const domain = Ontology.from({ structure: fixture('ontology_structure.json') })
    expect(domain.classifications).toHaveLength(3)
    expect(Ontology.from(domain)).toBe(domain)
    expect(domain.toDict()).toEqual(fixture('ontology_structure.json'))
  })

  it('defaults missing required/archived/dynamic to false and keeps unknown attribute types', () => {
    const o = Ontology.from({
      objects: [
        {
          id: '1',
          name: 'Thing',
          color: '#fff',
          shape: 'bounding_box',
          featureNodeHash: 'thing001',
          attributes: [{ id: '1.1', name: 'Odd', type: 'future', featureNodeHash: 'odd00001' }],
        },
      ],
      classifications: [],
    })
    const thing = o.object('Thing')
    expect([thing.required, thing.archived]).toEqual([false, false])
    const odd = thing.attribute('Odd')
    expect(odd.type).toBe('other')
    if (odd.type === 'other') expect(odd.rawType).toBe('future')
    expect(odd.dynamic).toBe(false)
  })

  it('links skeleton objects to their template', () => {
    const o = Ontology.from(fixture('label-model/ontology_skeleton.json'))
    const square = o.object('Square', 'skeleton')
    expect(square.skeletonTemplate?.points.map((p) => p.name)).toEqual(['point_0', 'point_1', 'point_2', 'point_3'])
    expect(square.skeletonTemplate?.points[1].featureHash).toBe('UWKgC/Db')
  })

  it('refuses a classification without an attribute and a non-object structure', () => {
    expect(thrown(() => new Ontology({ objects: [], classifications: [{ id: '1', featureNodeHash: 'x' }] })).code).toBe(
      'OntologyInvalid',
    )
    expect(thrown(() => new Ontology(null as unknown as OntologyStructureDict)).code).toBe('OntologyInvalid')
  })

  it('derives values like Encord: lower case, spaces to underscores, nothing else', () => {
    expect(lowerSnake('Radio level 1 ')).toBe('radio_level_1_')
    expect(lowerSnake('Is there a car? SUSPECTED')).toBe('is_there_a_car?_suspected')
  })
})

describe('Ontology lookups', () => {
  it('finds objects, classifications, attributes and options by title, hash, value and path', () => {
    const o = synthetic()
    expect(o.object('Car').featureHash).toBe('carFH001')
    expect(o.object('carFH001').name).toBe('Car')
    expect(o.object('car').name).toBe('Car') // case-insensitive when unambiguous
    expect(o.object('Car').attribute('Colour').option('Red').featureHash).toBe('redOptFH')
    expect(o.object('Car').attribute('Colour').option('red').label).toBe('Red') // by value
    expect(o.object('Car').attribute('Shade').featureHash).toBe('shadeFH1') // nested, found without its path
    expect(o.object('Car').attribute('Colour', 'Red', 'Shade').featureHash).toBe('shadeFH1')
    expect(o.classification('Weather').featureHash).toBe('clsRadFH')
    expect(o.classification('weathrFH').title).toBe('Weather') // by the question's hash
    expect(o.classification('Issues').option('Too dark').value).toBe('too_dark')
    const node = o.get('Car', 'Colour', 'Red')
    expect(node.kind).toBe('option')
    expect(o.get('Weather').kind).toBe('classification')
    expect(o.get('Car', 'Colour', 'Red', 'Shade').kind).toBe('attribute')
    expect(o.byFeatureHash('occYesFH')?.kind).toBe('option')
    expect(o.findObject('Nope')).toBeUndefined()
    expect(o.findClassification('Nope')).toBeUndefined()
    expect(o.object('Car').findAttribute('Nope')).toBeUndefined()
  })

  it('narrows objects by shape and says which shape an object has when it is the wrong one', () => {
    const o = synthetic()
    const car = o.object('Car', 'bounding_box')
    expect(car.shape).toBe('bounding_box')
    const e = thrown(() => o.object('Area', 'bounding_box'))
    expect(e.code).toBe('WrongShape')
    expect(e.message).toBe('Object "Area" is a polygon object, not a bounding_box object.')
  })

  it('resolves attributes relative to their object when feature hashes repeat across objects', () => {
    const o = allTypes()
    // OTkxMjU1 ("First name") exists under "Keypoint Dynamic Answers" (dynamic) and "Nested Box" (static).
    expect(o.nodesByFeatureHash('OTkxMjU1')).toHaveLength(2)
    expect(o.object('Keypoint Dynamic Answers').attribute('OTkxMjU1').dynamic).toBe(true)
    expect(o.object('Nested Box').attribute('OTkxMjU1').dynamic).toBe(false)
    // A direct attribute wins over a nested one of the same title.
    const poly = o.object('Deeply Nested Polygon')
    expect(poly.attribute('Mood').featureHash).toBe('ODc555Ay')
    expect(poly.attribute('Radio level 1 ', '1 option 2', 'Mood').featureHash).toBe('ODc666Ay')
  })

  it('explains a failed lookup: what exists and what was probably meant', () => {
    const o = synthetic()
    const e = thrown(() => o.object('Cra'))
    expect(e.code).toBe('OntologyFeatureNotFound')
    expect(e.message).toBe(
      'No object "Cra" in the ontology. Objects: "Car", "Rotated", "Area", "Lane", "Keypoint", "Mask". Did you mean "Car"?',
    )
    const a = thrown(() => o.object('Car').attribute('Color'))
    expect(a.message).toBe(
      'No attribute "Color" on object "Car". Attributes: "Colour", "Shade", "Tags", "Note", "Occluded". Did you mean "Colour"?',
    )
    const opt = thrown(() => o.object('Car').attribute('Colour').option('Green'))
    expect(opt.message).toBe('No option "Green" in radio attribute "Colour" (Car › Colour). Options: "Red", "Blue".')
    const c = thrown(() => o.classification('Wether'))
    expect(c.message).toContain('Did you mean "Weather"?')
    expect(c.message).toContain('Classifications: "Weather", "Issues", "Caption"')
    expect(thrown(() => o.object('Car').attribute('Note').option('x')).message).toBe(
      'Text attribute "Note" (Car › Note) has no options, so it has no option "x".',
    )
    expect(o.object('Car').attribute('Note').options).toEqual([])
    expect(o.object('Car').attribute('Colour').findOption('Green')).toBeUndefined()
    const g = thrown(() => o.get('Car', 'Note', 'x'))
    expect(g.message).toContain('Text attribute "Note" (Car › Note) has no options')
  })

  it('reports ambiguous titles with their paths and hashes', () => {
    const o = Ontology.from(fixture('label-model/ontology_image_group.json'))
    const e = thrown(() => o.object('Bin'))
    expect(e.code).toBe('OntologyFeatureAmbiguous')
    expect(e.message).toBe(
      'Object "Bin" in the ontology is ambiguous: Bin (featureHash oYAJdhR1), Bin (featureHash cFwx+HfR).',
    )
    expect(o.object('Bin', 'polygon').featureHash).toBe('cFwx+HfR')
    expect(o.object('cFwx+HfR').shape).toBe('polygon')
  })

  it('accepts the same feature from another parse of the same ontology', () => {
    const a = synthetic()
    const b = synthetic()
    expect(a.object(b.object('Car'))).toBe(a.object('Car'))
    expect(a.object('Car').attribute(b.object('Car').attribute('Colour'))).toBe(a.object('Car').attribute('Colour'))
    const other = thrown(() => a.object('Car').attribute(a.classification('Weather').question))
    expect(other.message).toContain('is not an attribute of object "Car"')
  })

  it('describes itself for humans', () => {
    const text = synthetic().describe()
    expect(text).toContain('- Car (bounding_box) [carFH001]')
    expect(text).toContain('      - Shade (text) [shadeFH1]')
    expect(text).toContain('- Occluded (radio, dynamic) [occlFH01]')
    expect(text).toContain('- Weather [clsRadFH]')
  })
})
