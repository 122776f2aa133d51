/**
 * Typed projects (issue 18): `encord-agents types` on a project made by init (built binary, local emulator).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TypesResult } from '../../src/services/types.js'
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
    expect(text).toContain('"Car": { shape: "bounding_box"')

    const again = await runBin<TypesResult>(['types', '--json', '--out', 'other.d.ts'], { cwd: dir })
    expect(again.code, again.stderr).toBe(0)
    expect(again.json!.fingerprint).toBe(first.json!.fingerprint)
    expect(readFileSync(join(dir, 'other.d.ts'), 'utf8')).toBe(text)
  })
})
