import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliErrors } from './cli.js'
import { coreErrors } from './core.js'
import { emulatorErrors } from './emulator.js'
import { encordErrors } from './encord.js'
import { errorCatalogue } from './index.js'
import { kernelErrors } from './kernel.js'
import { labelsErrors } from './labels.js'
import { runnerErrors } from './runner.js'
import { testingErrors } from './testing.js'
import { validationErrors } from './validation.js'
import { visionErrors } from './vision.js'

const layers = {
  'kernel.ts': kernelErrors,
  'encord.ts': encordErrors,
  'labels.ts': labelsErrors,
  'vision.ts': visionErrors,
  'emulator.ts': emulatorErrors,
  'core.ts': coreErrors,
  'validation.ts': validationErrors,
  'runner.ts': runnerErrors,
  'cli.ts': cliErrors,
  'testing.ts': testingErrors,
}

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

/**
 * The messages the Encord client's error classes are thrown with (src/encord/errors.ts): the class is the
 * code with `Error` after it, its first argument the situation (`new EncordNotFoundError('project', ...)`)
 * or, for `default`, the call's init (`new EncordNotFoundError(init)`). A helper that passes a situation on
 * (`function protocolError(response, ...situation: EncordSituation<'EncordProtocol'>)`) is called with it
 * as its second argument.
 */
function encordRefs(files: Array<{ text: string }>): Set<string> {
  const all = files.map((s) => s.text).join('\n')
  const refs = new Set<string>()
  for (const m of all.matchAll(/new (Encord\w+)Error\(\s*(?:'(\w+)'|(?=[^'\s).]))/g))
    refs.add(m[2] === undefined ? m[1] : `${m[1]}.${m[2]}`)
  for (const helper of all.matchAll(/function (\w+)\([^)]*\.\.\.\w+: EncordSituation<'(\w+)'>/g))
    for (const m of all.matchAll(new RegExp(`\\b${helper[1]}\\(\\s*[\\w.]+,\\s*'(\\w+)'`, 'g')))
      refs.add(`${helper[2]}.${m[1]}`)
  return refs
}

describe('the error catalogue', () => {
  const code = sources()
  const all = code.map((s) => s.text).join('\n')
  const encord = encordRefs(code)

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
        if (encord.has(ref)) continue
        if (!new RegExp(`${use}\\(\\s*'${ref.replace('.', '\\.')}'`).test(all) && !computed.test(all)) unused.push(ref)
      }
    }
    expect(unused).toEqual([])
  })

  it('holds every code thrown, described or written as a literal code (validation issues, task errors)', () => {
    const used = new Set<string>()
    for (const m of all.matchAll(/new (?:UserError|ConnectionError)\(\s*'(\w+)'/g)) used.add(m[1])
    for (const { text } of code.filter((s) => s.text.includes('error-catalogue/index.js')))
      for (const m of text.matchAll(/(?<![.\w])(?:fail|describe)\(\s*'([A-Z]\w*)(?:\.\w+)?'/g)) used.add(m[1])
    // Our codes are PascalCase: `code: 'custom'` is zod's, UPPER_SNAKE ones are Encord's wire codes (emulator).
    for (const m of all.matchAll(/\bcode: '([A-Z][a-z]\w*)'/g)) used.add(m[1])
    expect([...used].filter((c) => !(c in catalogue))).toEqual([])
    // The Encord client's errors name a code by their class and a situation by their first argument.
    const unknown = [...encord].filter((ref) => {
      const [name, situation = 'default'] = ref.split('.')
      return !(name in catalogue) || !(situation in catalogue[name].messages)
    })
    expect(encord.size).toBeGreaterThan(40)
    expect(unknown).toEqual([])
  })

  it('is the only place a message is written: no site constructs UserError or ConnectionError, or writes an issue', () => {
    const sites = code.filter((s) => /new (?:UserError|ConnectionError)\(/.test(s.text)).map((s) => s.file)
    expect(sites).toEqual([])
    // A validation issue or task error is `{ ...describe('Code.situation', { facts }), location }`, never a
    // literal code beside a message written on the spot.
    const written = code.flatMap(({ file, text }) =>
      [...text.matchAll(/\bcode: '([A-Z][a-z]\w*)',\s*message:\s*[`'"]/g)].map((m) => `${file}: ${m[1]}`),
    )
    expect(written).toEqual([])
    // Nor is an Encord client error given its own text in its init (`{ call, summary: ... }`), nor does a type
    // or helper take one: the classes take a situation and its facts.
    const ownText = /new Encord\w+Error\((?:[^()]|\([^()]*\))*\b(?:summary|hint):|\bsummary\??: string/
    const encordFiles = code.filter((s) => /\bEncord\w+Error\b/.test(s.text))
    expect(encordFiles.filter((s) => ownText.test(s.text)).map((s) => s.file)).toEqual([])
  })

  it('defines each code in one file (index.ts spreads the files: a second entry would replace the first)', () => {
    const seen = new Map<string, string>()
    const twice: string[] = []
    for (const [file, entries] of Object.entries(layers))
      for (const name of Object.keys(entries)) {
        const first = seen.get(name)
        if (first !== undefined) twice.push(`${name}: ${first} and ${file}`)
        else seen.set(name, file)
      }
    expect(twice).toEqual([])
  })
})
