import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { errorCatalogue } from './index.js'

/** Every non-test source file of src, with its text. */
function sources(dir = 'src'): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (path !== join('src', 'shared', 'error-catalogue') && path !== join('src', 'dashboard', 'app'))
        out.push(...sources(path))
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
      out.push({ file: path, text: readFileSync(path, 'utf8') })
    }
  }
  return out
}

const catalogue = errorCatalogue as unknown as Record<string, { exit: string; messages: Record<string, unknown> }>

describe('the error catalogue', () => {
  const code = sources()
  const all = code.map((s) => s.text).join('\n')

  it('has every message of every thrown code in use at a throw site', () => {
    const unused: string[] = []
    for (const [name, entry] of Object.entries(catalogue)) {
      // InterruptedError (src/shared/errors.ts) reads its default text from kernel.ts itself.
      if (entry.exit === 'interrupted') continue
      // Task codes are not thrown as EncordAgentsErrors: the runner's classes take their texts with describe();
      // a problem listed before it is thrown (a dependency graph's) is described first too.
      const use = entry.exit === 'task' ? 'describe' : '(?:fail|describe)'
      for (const situation of Object.keys(entry.messages)) {
        const ref = situation === 'default' ? name : `${name}.${situation}`
        // A situation shared by several codes is thrown with the code computed: fail(`${problem.code}.listed`).
        const computed = new RegExp(`${use}\\(\\s*\`\\$\\{[^}]+\\}\\.${situation}\``)
        if (!new RegExp(`${use}\\(\\s*'${ref.replace('.', '\\.')}'`).test(all) && !computed.test(all)) unused.push(ref)
      }
    }
    expect(unused).toEqual([])
  })

  it('holds every code thrown with a literal code', () => {
    const thrown = new Set<string>()
    for (const m of all.matchAll(/new (?:UserError|ConnectionError)\(\s*'(\w+)'/g)) thrown.add(m[1])
    for (const { text } of code.filter((s) => s.text.includes('error-catalogue/index.js')))
      for (const m of text.matchAll(/fail\(\s*'(\w+)/g)) thrown.add(m[1])
    expect([...thrown].filter((c) => !(c in catalogue))).toEqual([])
  })

  it('is the only place a message is written: no throw site constructs UserError or ConnectionError itself', () => {
    const sites = code.filter((s) => /new (?:UserError|ConnectionError)\(/.test(s.text)).map((s) => s.file)
    expect(sites).toEqual([])
  })
})
