import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeRleCounts, rleCountsToMask } from '../labels/bitmask.js'
import { compareObjects, describeRanges, viewLabels } from './label-view.js'

const dir = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'encord-api', 'fixtures', 'label-model')
const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>

describe('viewLabels', () => {
  it('reads every 2-D shape of an image row, with names, colours and answers', () => {
    const view = viewLabels(read('generated_image_all_shapes_output.json'))
    expect(view.problems).toEqual([])
    expect(view.units).toHaveLength(1)
    const unit = view.units[0]
    expect(unit).toMatchObject({ width: 8, height: 4, frames: [0] })
    const byHash = Object.fromEntries(unit.objects[0].map((o) => [o.objectHash, o]))
    expect(byHash.objCar01.geometry).toEqual({ kind: 'box', x: 0.1, y: 0.2, w: 0.25, h: 0.5 })
    expect(byHash.objRot01.geometry).toEqual({ kind: 'rotated-box', x: 0.4, y: 0.4, w: 0.2, h: 0.3, theta: 45 })
    expect(byHash.objPly01.geometry).toEqual({
      kind: 'polygon',
      polygons: [
        [
          [
            [0.1, 0.1],
            [0.5, 0.1],
            [0.3, 0.6],
          ],
        ],
      ],
    })
    expect(byHash.objLin01.geometry).toEqual({
      kind: 'polyline',
      points: [
        [0, 0],
        [0.5, 0.5],
        [1, 0.9],
      ],
    })
    expect(byHash.objPnt01.geometry).toEqual({ kind: 'point', x: 0.25, y: 0.75 })
    expect(byHash.objMsk01.geometry).toEqual({
      kind: 'bitmask',
      top: 0,
      left: 0,
      width: 8,
      height: 4,
      rleString: ':3506',
    })
    // The mask the front end paints: rows 1–2, columns 2–4 (label-model.md §3.3).
    const mask = rleCountsToMask(decodeRleCounts(':3506'), 32)
    expect([...mask].flatMap((v, i) => (v ? [`${Math.floor(i / 8)},${i % 8}`] : []))).toEqual([
      '1,2',
      '1,3',
      '1,4',
      '2,2',
      '2,3',
      '2,4',
    ])

    const car = view.objects.find((o) => o.objectHash === 'objCar01')!
    expect(car).toMatchObject({ name: 'Car', shape: 'bounding_box', frames: { [unit.unitHash]: [0] } })
    expect(car.answers).toEqual(
      expect.arrayContaining([
        { name: 'Note', value: 'free text' },
        { name: 'Tags', value: 'Parked, Moving' },
        { name: 'Colour', value: 'Red' },
      ]),
    )
    expect(view.classifications.map((c) => [c.name, c.answers.map((a) => a.value).join('|')])).toEqual(
      expect.arrayContaining([
        ['Weather', 'Sunny'],
        ['Issues', 'Blurry'],
      ]),
    )
  })

  it('keys video labels by frame and lists dynamic answers with their frames', () => {
    const view = viewLabels(read('generated_video_output.json'))
    const unit = view.units[0]
    expect(unit.frames).toEqual([0, 1, 2])
    expect(unit.objects[2].map((o) => o.shape)).toEqual(['bounding_box'])
    const obj = view.objects[0]
    expect(Object.values(obj.frames)[0]).toEqual([0, 1, 2])
    expect(obj.answers.some((a) => a.frames !== undefined && a.frames.length > 0)).toBe(true)
  })

  it('shows an image group as one unit per image, in sequence order', () => {
    const view = viewLabels(read('labels_image_group.json'))
    expect(view.units.length).toBeGreaterThan(1)
    expect(view.units.map((u) => u.sequence)).toEqual([...view.units.map((u) => u.sequence)].sort((a, b) => a - b))
  })

  it('never throws on what it cannot read: the problem is noted and the rest is shown', () => {
    const labels = {
      data_units: {
        d1: {
          width: 10,
          height: 10,
          labels: {
            objects: [
              { objectHash: 'a', name: 'Box', shape: 'bounding_box', boundingBox: { x: 'left' } },
              { objectHash: 'b', name: 'Box', shape: 'bounding_box', boundingBox: { x: 0, y: 0, w: 1, h: 1 } },
              {
                objectHash: 'c',
                name: 'Gone',
                shape: 'bounding_box',
                isDeleted: true,
                boundingBox: { x: 0, y: 0, w: 1, h: 1 },
              },
              'nonsense',
            ],
            classifications: [],
          },
        },
      },
    }
    const view = viewLabels(labels)
    expect(view.problems).toEqual(['Box on frame 0: boundingBox is missing or not {x, y, w, h}'])
    expect(view.units[0].objects[0].map((o) => o.geometry.kind)).toEqual(['other', 'box'])
    expect(viewLabels(null).problems).toEqual(['the label row is not an object'])
    expect(viewLabels({}).units).toEqual([])
  })
})

describe('compareObjects', () => {
  it('tells added, removed, changed and unchanged objects apart', () => {
    const row = (objects: Array<{ hash: string; x: number }>) => ({
      data_units: {
        d: {
          labels: {
            objects: objects.map((o) => ({
              objectHash: o.hash,
              name: 'Box',
              shape: 'bounding_box',
              boundingBox: { x: o.x, y: 0, w: 0.1, h: 0.1 },
            })),
            classifications: [],
          },
        },
      },
    })
    const changes = compareObjects(
      viewLabels(
        row([
          { hash: 'same', x: 0 },
          { hash: 'moved', x: 0 },
          { hash: 'gone', x: 0 },
        ]),
      ),
      viewLabels(
        row([
          { hash: 'same', x: 0 },
          { hash: 'moved', x: 0.5 },
          { hash: 'new', x: 0 },
        ]),
      ),
    )
    expect(Object.fromEntries(changes)).toEqual({ same: 'same', moved: 'changed', gone: 'removed', new: 'added' })
  })
})

describe('describeRanges', () => {
  it('prints inclusive frame ranges', () => {
    expect(
      describeRanges([
        [1, 2],
        [5, 5],
      ]),
    ).toBe('1–2, 5')
    expect(describeRanges('x')).toBe('')
  })
})
