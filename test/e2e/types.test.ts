/**
 * Typed projects (issue 18): `encord-agents types` on a project made by init (built binary, local emulator).
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import type { TypesResult } from '../../src/services/types.js'
import type { ValidateResult } from '../../src/services/validate.js'
import { NPM_ENV, shell } from './npm-shell.js'
import { assertBuilt, runBin } from './run-bin.js'

let tmp: string

beforeAll(() => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-e2e-types-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('encord-agents types', () => {
  it('writes a deterministic declaration file next to the config with stages, pathways and the ontology', async () => {
    const dir = join(tmp, 'labels')
    expect((await runBin(['init', dir, '--template', 'label-writer', '--no-install'])).code).toBe(0)
    const first = await runBin<TypesResult>(['types', '--json'], { cwd: dir })
    expect(first.code, first.stderr).toBe(0)
    expect(first.json!.file).toBe(join(dir, 'encord-agents.gen.d.ts'))
    expect(first.json!.stages).toBe(1)
    expect(first.json!.objects).toBeGreaterThan(0)
    expect(first.json!.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/)
    const text = readFileSync(first.json!.file, 'utf8')
    expect(text).toContain(`// fingerprint: ${first.json!.fingerprint}`)
    expect(text).toContain("declare module 'encord-agents'")
    expect(text).toContain('"Pre-label": {')
    expect(text).toContain('"to review": "')
    expect(text).toMatch(/"Car": \{ featureHash: "[^"]+"; shape: "bounding_box"/)

    const again = await runBin<TypesResult>(['types', '--json', '--out', 'other.d.ts'], { cwd: dir })
    expect(again.code, again.stderr).toBe(0)
    expect(again.json!.fingerprint).toBe(first.json!.fingerprint)
    expect(readFileSync(join(dir, 'other.d.ts'), 'utf8')).toBe(text)
  })

  it(
    'drift: a changed ontology makes validate exit 2 (TypesStale, with the hint) and run warn once and go on, until types runs again',
    { timeout: 300_000 },
    async () => {
      const dir = join(tmp, 'drift')
      expect((await runBin(['init', dir, '--template', 'label-writer', '--no-install'])).code).toBe(0)
      expect((await runBin(['types'], { cwd: dir })).code).toBe(0)
      const fresh = await runBin<ValidateResult>(['validate', '--json'], { cwd: dir })
      expect(fresh.code, fresh.stderr).toBe(0)

      // The ontology changes (a radio option is renamed): the file no longer describes the project.
      const fixtureFile = join(dir, 'fixture.json')
      const fixture = readFileSync(fixtureFile, 'utf8')
      expect(fixture).toContain('"label": "Rainy"')
      writeFileSync(fixtureFile, fixture.replace('"label": "Rainy"', '"label": "Raining"'))

      type Failure = {
        error: {
          code: string
          data: { issues: Array<{ code: string; message: string; hint?: string; location?: string }> }
        }
      }
      const stale = await runBin<Failure>(['validate', '--json'], { cwd: dir })
      expect(stale.code, stale.stderr).toBe(2)
      expect(stale.json!.error.code).toBe('ValidationFailed')
      expect(stale.json!.error.data.issues).toEqual([
        {
          code: 'TypesStale',
          message: expect.stringMatching(
            /^encord-agents\.gen\.d\.ts is stale: the workflow or ontology of the project/,
          ),
          hint: expect.stringContaining('encord-agents types'),
          location: 'encord-agents.gen.d.ts',
        },
      ])
      const human = await runBin(['validate'], { cwd: dir })
      expect(human.code).toBe(2)
      expect(human.stderr).toContain('encord-agents.gen.d.ts is stale')
      expect(human.stderr).toContain('Run `encord-agents types`')

      // run warns in one line and goes on (the handler writes "Rainy", no longer an option: that task fails).
      const run = await runBin<RunResult>(['run', '--json', '--dry-run'], { cwd: dir })
      expect(run.json, run.stderr).toBeDefined()
      const warnings = run.stderr.split('\n').filter((l) => l.includes('stale'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/encord-agents\.gen\.d\.ts is stale: .* Run `encord-agents types` to update it\.$/)
      expect(run.json!.stages[0].processed).toBe(6)

      const again = await runBin<TypesResult>(['types', '--json'], { cwd: dir })
      expect(again.code, again.stderr).toBe(0)
      expect(readFileSync(join(dir, 'encord-agents.gen.d.ts'), 'utf8')).toContain('"Raining": {')
      const current = await runBin<ValidateResult>(['validate', '--json'], { cwd: dir })
      expect(current.code, current.stderr).toBe(0)
      const quiet = await runBin(['run', '--dry-run'], { cwd: dir })
      expect(quiet.stderr).not.toContain('stale')

      // A file of that name that `types` did not write cannot be checked: validate says so.
      writeFileSync(join(dir, 'encord-agents.gen.d.ts'), 'export {}\n')
      const foreign = await runBin<Failure>(['validate', '--json'], { cwd: dir })
      expect(foreign.code).toBe(2)
      expect(foreign.json!.error.data.issues.map((i) => [i.code, i.message])).toEqual([
        ['TypesStale', expect.stringContaining('has no fingerprint line')],
      ])

      // A file written with --out elsewhere under the config's directory is found (its header names the project).
      expect((await runBin(['types'], { cwd: dir })).code).toBe(0)
      const out = await runBin<TypesResult>(['types', '--json', '--out', 'src/types/project.gen.d.ts'], { cwd: dir })
      expect(out.code, out.stderr).toBe(0)
      expect((await runBin(['validate'], { cwd: dir })).code).toBe(0)
      const now = readFileSync(fixtureFile, 'utf8')
      writeFileSync(fixtureFile, now.replace('"label": "Raining"', '"label": "Drizzle"'))
      const both = await runBin<Failure>(['validate', '--json'], { cwd: dir })
      expect(both.code, both.stderr).toBe(2)
      expect(both.json!.error.data.issues.map((i) => [i.code, i.location])).toEqual([
        ['TypesStale', 'encord-agents.gen.d.ts'],
        ['TypesStale', join('src', 'types', 'project.gen.d.ts')],
      ])
      expect((await runBin(['types'], { cwd: dir })).code).toBe(0)
      const one = await runBin<Failure>(['validate', '--json'], { cwd: dir })
      expect(one.json!.error.data.issues.map((i) => i.location)).toEqual([join('src', 'types', 'project.gen.d.ts')])
      expect((await runBin(['types', '--out', 'src/types/project.gen.d.ts'], { cwd: dir })).code).toBe(0)
      expect((await runBin(['validate'], { cwd: dir })).code).toBe(0)
    },
  )

  it(
    'compile time: in an installed init project, a pathway its stage lacks, an object under a title of another shape or none, a radio label it lacks fail tsc naming the string; the template compiles',
    { timeout: 900_000 },
    async () => {
      const dir = join(tmp, 'compiled')
      const init = await runBin(['init', dir, '--template', 'label-writer'], {
        timeoutMs: 600_000,
        env: { ...NPM_ENV, npm_config_user_agent: 'npm/11.0.0 node/v20.19.0 linux x64 workspaces/false' },
      })
      expect(init.code, init.stderr).toBe(0)
      expect((await runBin(['types'], { cwd: dir })).code).toBe(0)
      // The template's handler (stage 'Pre-label', returns 'to review') compiles against the project.
      const clean = shell('npx', ['tsc', '--noEmit', '--pretty', 'false'], dir)
      expect(clean.code, clean.output).toBe(0)

      writeFileSync(
        join(dir, 'wrong-pathway.ts'),
        `import { defineAgent } from 'encord-agents'

export default defineAgent({
  stage: 'Pre-label',
  handler: ({ task }) => (task.dataTitle === 'x' ? 'to revue' : undefined),
})
`,
      )
      writeFileSync(
        join(dir, 'wrong-stage.ts'),
        `import { defineAgent } from 'encord-agents'

export default defineAgent({ stage: 'Prelabel', handler: () => undefined })
`,
      )
      // The ontology: "Car" is a bounding box (no polygon object), "Weather" a radio of Sunny and Rainy
      // (checked on the add methods and on the instances of a typed classifications({ feature }) filter).
      writeFileSync(
        join(dir, 'wrong-labels.ts'),
        `import { defineAgent, labelRow } from 'encord-agents'

export default defineAgent({
  stage: 'Pre-label',
  deps: { row: labelRow() },
  handler({ deps }) {
    deps.row.addPolygon('Car', [{ x: 0.1, y: 0.1 }, { x: 0.2, y: 0.1 }, { x: 0.2, y: 0.2 }])
    deps.row.addBoundingBox('Truck', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
    deps.row.addClassification('Weather', { answer: 'Snowy' })
    for (const weather of deps.row.classifications({ feature: 'Weather' })) weather.setAnswer('Hail')
    return 'to review'
  },
})
`,
      )
      const failed = shell('npx', ['tsc', '--noEmit', '--pretty', 'false'], dir)
      expect(failed.code).not.toBe(0)
      // Each error with its indented detail lines (an overloaded call names the string in its details).
      const errors = failed.output.split(/\n(?=\S)/).filter((l) => /error TS\d+/.test(l))
      expect(
        errors.some((l) => l.startsWith('wrong-pathway.ts(') && l.includes('"to revue"')),
        failed.output,
      ).toBe(true)
      expect(
        errors.some((l) => l.startsWith('wrong-stage.ts(') && l.includes('"Prelabel"')),
        failed.output,
      ).toBe(true)
      for (const offending of ['"Car"', '"Truck"', '"Snowy"', '"Hail"'])
        expect(
          errors.some((l) => l.startsWith('wrong-labels.ts(') && l.includes(offending)),
          `${offending}: ${failed.output}`,
        ).toBe(true)
      expect(errors.filter((l) => !/^wrong-(pathway|stage|labels)\.ts\(/.test(l))).toEqual([])
      unlinkSync(join(dir, 'wrong-pathway.ts'))
      unlinkSync(join(dir, 'wrong-stage.ts'))
      unlinkSync(join(dir, 'wrong-labels.ts'))
      const fixed = shell('npx', ['tsc', '--noEmit', '--pretty', 'false'], dir)
      expect(fixed.code, fixed.output).toBe(0)
    },
  )
})
