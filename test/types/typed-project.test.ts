/**
 * Typed projects (issue 18, item 4): test/types/cases/typed-project.ts compiles with `tsc` against the
 * built package and the declaration file `encord-agents types` writes (the real typegen code) for an
 * ontology with every shape and attribute kind. tsc fails on an error and on an unused @ts-expect-error,
 * so a pass proves both the lines that must compile and the lines that must not. test/types/cases/untyped-project.ts
 * compiles without the file: code written for any project keeps compiling.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { renderTypes, typegenModel } from '../../src/typegen/generate.js'
import type { Project } from '../../src/encord/types.js'

const ROOT = join(import.meta.dirname, '..', '..')
const tmp = mkdtempSync(join(tmpdir(), 'ea-types-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

it('the typed-project cases compile exactly as their @ts-expect-error lines say', () => {
  expect(existsSync(join(ROOT, 'dist/index.d.ts')), 'run npm run build first').toBe(true)
  const structure = JSON.parse(
    readFileSync(join(ROOT, 'test/fixtures/encord-api/fixtures/label-model/ontology_all_types.json'), 'utf8'),
  ) as Record<string, unknown>
  const stage = (title: string, pathways: [string, string][]) => ({
    type: 'AGENT',
    title,
    uuid: `${title}-uuid`,
    pathways: pathways.map(([name, uuid]) => ({ name, uuid })),
  })
  const workflow = {
    stages: [
      stage('Agent 1', [
        ['done', 'p1-uuid'],
        ['review', 'p2-uuid'],
      ]),
      stage('Agent 2', [['other', 'p3-uuid']]),
    ],
  }
  const project = { workflow, ontology: { structure } } as unknown as Project
  writeFileSync(join(tmp, 'encord-agents.gen.d.ts'), renderTypes(typegenModel(project), 'typed-project.test.ts'))
  writeFileSync(
    join(tmp, 'tsconfig.json'),
    JSON.stringify({
      // strict NodeNext, `encord-agents` resolved to this build's dist (shared with the tsc bench)
      extends: join(ROOT, 'test/types/tsconfig.against-dist.json'),
      files: [join(tmp, 'encord-agents.gen.d.ts'), join(ROOT, 'test/types/cases/typed-project.ts')],
    }),
  )
  expect(tsc(tmp)).toBe('')
}, 120_000)

it('code written for any project compiles unchanged without a generated file (everything a string)', () => {
  expect(existsSync(join(ROOT, 'dist/index.d.ts')), 'run npm run build first').toBe(true)
  const dir = join(tmp, 'untyped')
  mkdirSync(dir)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'test/types/tsconfig.against-dist.json'),
      files: [join(ROOT, 'test/types/cases/untyped-project.ts')],
    }),
  )
  expect(tsc(dir)).toBe('')
}, 120_000)

/** tsc's output on the project in `dir` (empty when it compiles). */
function tsc(dir: string): string {
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' })
    return ''
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error)
  }
}
