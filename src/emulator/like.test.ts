import { describe, expect, it } from 'vitest'
import { likeMatcher } from './like.js'

/** The old regular expression: right answers, exponential time on many `%`s. Used on small inputs only. */
function likeRegex(pattern: string): RegExp {
  return new RegExp(
    '^' +
      pattern
        .split('%')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/_/g, '.'))
        .join('.*') +
      '$',
    'is',
  )
}

describe('likeMatcher', () => {
  it('matches as SQL LIKE: % any run, _ one character, case-insensitive', () => {
    const cases: Array<[string, string, boolean]> = [
      ['street.png', 'street.png', true],
      ['Street.PNG', 'street.png', true],
      ['%.png', 'street.png', true],
      ['%.png', 'street.jpg', false],
      ['s%t.png', 'street.png', true],
      ['s_reet%', 'street.png', true],
      ['s_eet%', 'street.png', false],
      ['%', '', true],
      ['', '', true],
      ['', 'a', false],
      ['%a%a%', 'a', false],
      ['%a%a%', 'aa', true],
      ['a%a', 'a', false],
      ['_', 'é', true],
      ['%x', 'x'.repeat(5), true],
      ['a.b', 'axb', false],
      ['(%)', '(x)', true],
    ]
    for (const [pattern, text, expected] of cases)
      expect(likeMatcher(pattern)(text), `${pattern} ~ ${text}`).toBe(expected)
  })

  it('agrees with the regular expression on 5,000 random small cases', () => {
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const pick = (alphabet: string, n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
    for (let i = 0; i < 5000; i++) {
      const pattern = pick('ab%_', Math.floor(random() * 7))
      const text = pick('abAB', Math.floor(random() * 8))
      expect(likeMatcher(pattern)(text), `${pattern} ~ ${text}`).toBe(likeRegex(pattern).test(text))
    }
  })

  it('is linear in the title length whatever the pattern', () => {
    const titles = Array.from({ length: 200 }, (_, i) => `image-${i}-${'a'.repeat(200)}.png`)
    for (const pattern of [
      '%%%%%%%%%%%%x',
      '%a%a%a%a%a%a%a%a%a%a%a%a%x',
      '%' + '_%'.repeat(100) + 'x',
      '%' + 'a'.repeat(150) + 'b%',
    ]) {
      const match = likeMatcher(pattern)
      const started = performance.now()
      for (let round = 0; round < 10; round++) for (const t of titles) expect(match(t)).toBe(false)
      expect(performance.now() - started, pattern).toBeLessThan(1000)
    }
  })
})
