import { describe, expect, it } from 'vitest'
import { parseFixture } from './fixture-load.js'
import { generateFixture } from './generate.js'

describe('generateFixture', () => {
  it('is deterministic for a seed and valid', () => {
    const a = generateFixture({ tasks: 50, seed: 'x', stages: ['Pre-label', 'QA'] })
    expect(JSON.stringify(generateFixture({ tasks: 50, seed: 'x', stages: ['Pre-label', 'QA'] }))).toBe(
      JSON.stringify(a),
    )
    expect(JSON.stringify(generateFixture({ tasks: 50, seed: 'y', stages: ['Pre-label', 'QA'] }))).not.toBe(
      JSON.stringify(a),
    )
    expect(() => parseFixture(a)).not.toThrow()
  })

  it('builds START → agent chain → Review 1 / Complete with tasks in the first agent stage', () => {
    const f = generateFixture({
      tasks: 20,
      seed: 1,
      stages: ['A', 'B'],
      projectHash: '11111111-2222-4333-8444-555555555555',
    })
    const p = f.projects[0]
    expect(p.projectHash).toBe('11111111-2222-4333-8444-555555555555')
    const [start, a, b, review, done] = p.workflow.stages
    expect([start, a, b, review, done].map((s) => `${s.stageType}:${s.title}`)).toEqual([
      'START:Start',
      'AGENT:A',
      'AGENT:B',
      'REVIEW:Review 1',
      'DONE:Complete',
    ])
    expect(start.pathways.map((x) => x.destinationUuid)).toEqual([a.uuid])
    expect(a.pathways.map((x) => [x.title, x.destinationUuid])).toEqual([
      ['complete', b.uuid],
      ['needs review', review.uuid],
    ])
    expect(b.pathways.map((x) => [x.title, x.destinationUuid])).toEqual([
      ['complete', done.uuid],
      ['needs review', review.uuid],
    ])
    expect(p.tasks.every((t) => t.stageUuid === a.uuid)).toBe(true)
    expect(p.labelRows.length).toBeGreaterThan(0)
    expect(p.labelRows.length).toBeLessThan(20)
    expect(f.storageItems.every((i) => Object.keys(i.clientMetadata).length > 0 && i.media !== undefined)).toBe(true)
  })

  it('video and twin projects', () => {
    const f = generateFixture({ tasks: 5, seed: 2, dataType: 'video', twin: true })
    expect(f.projects).toHaveLength(2)
    expect(f.projects[1].dataUnits.map((d) => d.dataHash)).toEqual(f.projects[0].dataUnits.map((d) => d.dataHash))
    expect(f.projects[1].labelRows).toHaveLength(5)
    expect(f.projects[0].dataUnits[0]).toMatchObject({ dataType: 'VIDEO', numberOfFrames: 10, fps: 5 })
    expect(() => parseFixture(f)).not.toThrow()
  })

  it('refuses bad stage lists', () => {
    expect(() => generateFixture({ tasks: 1, stages: ['A', 'A'] })).toThrow(/listed twice/)
    expect(() => generateFixture({ tasks: 1, stages: ['Complete'] })).toThrow(/reserved/)
    expect(() => generateFixture({ tasks: -1 })).toThrow(/tasks must be/)
  })
})
