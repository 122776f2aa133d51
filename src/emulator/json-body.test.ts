import { describe, expect, it } from 'vitest'
import { exceedsJsonDepth } from './json-body.js'

const bytes = (text: string) => Buffer.from(text, 'utf8')

describe('exceedsJsonDepth', () => {
  it('counts arrays and objects, not brackets inside strings or after escaped quotes', () => {
    expect(exceedsJsonDepth(bytes('[[[1]]]'), 3)).toBe(false)
    expect(exceedsJsonDepth(bytes('[[[[1]]]]'), 3)).toBe(true)
    expect(exceedsJsonDepth(bytes('{"a":[{"b":{}}]}'), 4)).toBe(false)
    expect(exceedsJsonDepth(bytes('{"a":[{"b":{}}]}'), 3)).toBe(true)
    expect(exceedsJsonDepth(bytes('{"[[[[[[": "{{{{{{\\"[[[[[["}'), 1)).toBe(false)
    expect(exceedsJsonDepth(bytes('["é\\\\", [[]]]'), 2)).toBe(true)
    expect(exceedsJsonDepth(bytes('[], [], [], []'), 1)).toBe(false)
  })

  it('takes 20,000 levels in one pass without recursion', () => {
    expect(exceedsJsonDepth(bytes('['.repeat(20_000) + ']'.repeat(20_000)))).toBe(true)
  })
})
