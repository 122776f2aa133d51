import { describe, expect, it } from 'vitest'
import type { Stage } from '../../encord/types.js'
import { HandlerResultError } from './errors.js'
import { findPathway, interpretHandlerResult } from './result.js'

const stage: Stage = {
  uuid: '00000000-0000-4000-8000-0000000000a2',
  title: 'Agent 1',
  type: 'AGENT',
  rawType: 'AGENT',
  pathways: [
    { uuid: '00000000-0000-4000-8000-0000000000b1', name: 'complete', destinationUuid: 'x' },
    { uuid: '00000000-0000-4000-8000-0000000000b2', name: 'needs review', destinationUuid: 'y' },
  ],
}

function failure(value: unknown): HandlerResultError {
  try {
    interpretHandlerResult(value, stage)
  } catch (error) {
    return error as HandlerResultError
  }
  throw new Error('expected a failure')
}

describe('interpretHandlerResult', () => {
  it('accepts a pathway name, a pathway uuid (any case) and nothing', () => {
    expect(interpretHandlerResult('complete', stage).pathway?.uuid).toBe(stage.pathways[0].uuid)
    expect(interpretHandlerResult(stage.pathways[1].uuid.toUpperCase(), stage).pathway?.name).toBe('needs review')
    expect(interpretHandlerResult(undefined, stage)).toEqual({ pathway: null })
    expect(interpretHandlerResult(null, stage)).toEqual({ pathway: null })
  })

  it('accepts { pathway, labelRow, priority }, with priority 0 kept', () => {
    const row = { labelHash: 'l', toDict: () => ({}) }
    const decision = interpretHandlerResult({ pathway: 'complete', labelRow: row, priority: 0 }, stage)
    expect(decision.pathway?.name).toBe('complete')
    expect(decision.priority).toBe(0)
    expect(decision.labelRow).toBe(row)
    expect(interpretHandlerResult({ priority: 1 }, stage)).toEqual({ pathway: null, priority: 1 })
  })

  it('refuses an unknown pathway, listing the stage pathways and suggesting the closest', () => {
    const error = failure('complet')
    expect(error).toBeInstanceOf(HandlerResultError)
    expect(error.code).toBe('UnknownPathway')
    expect(error.message).toContain('Did you mean "complete"?')
    expect(error.message).toContain('"needs review" (00000000-0000-4000-8000-0000000000b2)')
    expect(failure({ pathway: 'nowhere' }).code).toBe('UnknownPathway')
  })

  it('refuses numbers, arrays, empty objects, unknown keys and bad priorities', () => {
    expect(failure(42).message).toMatch(/returned number 42/)
    expect(failure(['complete']).message).toMatch(/an array/)
    expect(failure({}).message).toMatch(/empty object/)
    const typo = failure({ pathwy: 'complete' })
    expect(typo.code).toBe('InvalidHandlerResult')
    expect(typo.message).toMatch(/unknown key "pathwy" \(did you mean "pathway"\?\)/)
    expect(failure({ priority: 1.5 }).message).toMatch(/from 0 \(lowest\) to 1/)
    expect(failure({ priority: Number.NaN }).code).toBe('InvalidHandlerResult')
    expect(failure({ labelRow: { a: 1 } }).message).toMatch(/expected a label row/)
    expect(failure({ pathway: 3 }).message).toMatch(/expected a pathway name or UUID/)
  })

  it('findPathway does not match a name case-insensitively', () => {
    expect(findPathway(stage, 'Complete')).toBeUndefined()
  })
})
