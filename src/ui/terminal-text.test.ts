import { describe, expect, it } from 'vitest'
import { NAME_WIDTH, terminalLines, terminalText } from './terminal-text.js'

describe('terminalText', () => {
  it('removes escape sequences and control characters, keeps the text', () => {
    expect(terminalText('\u001b[5mAgent\u001b[0m 1\u001b]0;pwned\u0007\u001b[2J')).toBe('Agent 1')
    expect(terminalText('a\tb\r\nc\u0000d\u009b31m\u202eé')).toBe('a b cdé')
  })

  it('cuts long names in the middle to the width, in linear time', () => {
    const long = 'start-' + 'x'.repeat(200_000) + '.png'
    const started = performance.now()
    const out = terminalText(long)
    expect(performance.now() - started).toBeLessThan(500)
    expect(out.length).toBe(NAME_WIDTH)
    expect(out.startsWith('start-')).toBe(true)
    expect(out.endsWith('.png')).toBe(true)
    expect(out).toContain('…')
    expect(terminalText('short.png')).toBe('short.png')
  })

  it('terminalLines keeps line breaks, cuts each line and the number of lines', () => {
    expect(terminalLines('one\u001b[2J\ntwo\r\nthree')).toBe('one\ntwo\nthree')
    const out = terminalLines(
      ['a'.repeat(10_000), ...Array.from({ length: 100 }, (_, i) => `line ${i}`)].join('\n'),
      50,
      5,
    )
    expect(out.split('\n')[0]).toHaveLength(50)
    expect(out.split('\n')).toHaveLength(6)
    expect(out).toContain('… 96 more lines')
  })
})
