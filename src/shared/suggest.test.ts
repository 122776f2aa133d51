import { describe, expect, it } from 'vitest'
import { editDistance, nearest } from './suggest.js'

describe('editDistance', () => {
  it('counts inserts, deletes and substitutions, case-sensitively', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('abc', '')).toBe(3)
    expect(editDistance('same', 'same')).toBe(0)
    expect(editDistance('Agent', 'agent')).toBe(1)
    expect(editDistance('flaw', 'lawn')).toBe(2)
  })
})

describe('nearest', () => {
  it('gives the lowest-scoring candidate, the first of equals, or undefined for none', () => {
    expect(nearest(['b', 'a', 'c'], (c) => Math.abs(c.charCodeAt(0) - 'a'.charCodeAt(0)))).toEqual({
      candidate: 'a',
      score: 0,
    })
    expect(nearest(['x', 'y'], () => 1)).toEqual({ candidate: 'x', score: 1 })
    expect(nearest(new Set<string>(), () => 0)).toBeUndefined()
  })
})
