import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

/** The names in the `export { ... }` / `export type { ... }` lists of a module's text (optionally only those from `from`). */
function exportedNames(file: URL, from?: string): string[] {
  const text = readFileSync(file, 'utf8')
  const names: string[] = []
  for (const m of text.matchAll(/export (?:type )?\{([^}]*)\}(?: from '([^']+)')?/g)) {
    if (from !== undefined && m[2] !== from) continue
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type /, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim()
      if (name !== '') names.push(name)
    }
  }
  return names
}

it('the package root exports every public name of the label model (classes, helpers and types)', () => {
  const fromLabels = exportedNames(new URL('./index.ts', import.meta.url))
  const fromRoot = new Set(exportedNames(new URL('../index.ts', import.meta.url), './labels/index.js'))
  expect(fromLabels.length).toBeGreaterThan(60)
  expect(fromLabels.filter((name) => !fromRoot.has(name))).toEqual([])
  for (const name of [
    'Bitmask',
    'FrameSpec',
    'ObjectFilter',
    'RotatableBoundingBox',
    'Skeleton',
    'AnswerValue',
    'ontologySchema',
  ])
    expect(fromRoot.has(name)).toBe(true)
})
