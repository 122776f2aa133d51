import { describe, expect, it } from 'vitest'
import { layoutWorkflow, type LayoutStage } from './layout.js'

const stage = (uuid: string, stageType: string, pathways: Array<[string, string]> = []): LayoutStage => ({
  uuid,
  title: uuid,
  stageType,
  pathways: pathways.map(([title, to], i) => ({ uuid: `${uuid}-p${i}`, title, destinationUuid: to })),
})

describe('layoutWorkflow', () => {
  it('puts stages in layers by BFS depth from START, left to right', () => {
    const stages = [
      stage('done', 'DONE'),
      stage('review', 'REVIEW', [
        ['approve', 'done'],
        ['reject', 'annotate'],
      ]),
      stage('agent', 'AGENT', [
        ['complete', 'review'],
        ['skip', 'done'],
      ]),
      stage('annotate', 'ANNOTATION', [['submit', 'agent']]),
      stage('start', 'START', [['start', 'annotate']]),
    ]
    const { nodes, edges, width, height } = layoutWorkflow(stages)
    const depth = Object.fromEntries(nodes.map((n) => [n.uuid, n.depth]))
    expect(depth).toEqual({ start: 0, annotate: 1, agent: 2, review: 3, done: 3 })
    const x = Object.fromEntries(nodes.map((n) => [n.uuid, n.x]))
    expect(x.start).toBeLessThan(x.annotate)
    expect(x.annotate).toBeLessThan(x.agent)
    expect(x.review).toBe(x.done)
    // Everything fits inside the drawing.
    for (const n of nodes) {
      expect(n.x + n.width).toBeLessThanOrEqual(width)
      expect(n.y + n.height).toBeLessThanOrEqual(height)
    }
    for (const e of edges) expect(e.labelY).toBeLessThan(height)
    // review → annotate goes back: it arcs below every node.
    const reject = edges.find((e) => e.title === 'reject')!
    expect(reject.back).toBe(true)
    expect(reject.labelY).toBeGreaterThan(Math.max(...nodes.map((n) => n.y + n.height)))
    expect(edges.filter((e) => e.back).map((e) => e.title)).toEqual(['reject'])
    // review → done is within one layer: a vertical link.
    expect(edges.find((e) => e.title === 'approve')!.d).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/)
  })

  it('copes with no START, unreachable stages, self loops and an empty workflow', () => {
    const { nodes, edges } = layoutWorkflow([
      stage('a', 'AGENT', [
        ['again', 'a'],
        ['next', 'b'],
      ]),
      stage('b', 'DONE'),
      stage('island', 'REVIEW'),
    ])
    expect(Object.fromEntries(nodes.map((n) => [n.uuid, n.depth]))).toEqual({ a: 0, b: 1, island: 0 })
    expect(edges.find((e) => e.title === 'again')!.back).toBe(true)
    expect(layoutWorkflow([]).nodes).toEqual([])
  })

  it('keeps nodes of a layer apart and pathways to unknown stages out', () => {
    const { nodes, edges } = layoutWorkflow([
      stage('s', 'START', [
        ['x', 'a'],
        ['y', 'b'],
        ['z', 'c'],
        ['lost', 'nowhere'],
      ]),
      stage('a', 'AGENT'),
      stage('b', 'AGENT'),
      stage('c', 'DONE'),
    ])
    const layer = nodes.filter((n) => n.depth === 1).sort((p, q) => p.y - q.y)
    for (let i = 1; i < layer.length; i++)
      expect(layer[i].y).toBeGreaterThanOrEqual(layer[i - 1].y + layer[i - 1].height)
    expect(edges.map((e) => e.title)).toEqual(['x', 'y', 'z'])
  })
})
