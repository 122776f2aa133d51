import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { UserError } from '../shared/errors.js'
import { generateFixture } from './generate.js'
import { loadFixtureFile, parseFixture, type FixtureIssue } from './fixture-load.js'
import { writeFixtureFile } from './fixture-write.js'
import { EmulatorState } from './state.js'

function issuesOf(input: unknown): FixtureIssue[] {
  try {
    parseFixture(input)
  } catch (error) {
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).code).toBe('FixtureInvalid')
    return (error as UserError).data!.issues as FixtureIssue[]
  }
  throw new Error('expected the fixture to be rejected')
}

const base = () => structuredClone(generateFixture({ tasks: 3, seed: 2 })) as unknown as Record<string, any>

describe('fixture validation', () => {
  it('accepts the example of docs/fixture-format.md', () => {
    const md = readFileSync(new URL('../../docs/fixture-format.md', import.meta.url), 'utf8')
    const example = JSON.parse(md.split('```json')[1].split('```')[0])
    expect(new EmulatorState(parseFixture(example)).tasks.size).toBe(1)
  })

  it('accepts a generated fixture', () => {
    expect(() => parseFixture(base())).not.toThrow()
  })

  it('names the JSON path of schema errors', () => {
    const f = base()
    f.projects[0].tasks[1].priority = 3
    delete f.projects[0].title
    f.storageItems[0].createdAt = 'yesterday'
    expect(issuesOf(f)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'projects[0].tasks[1].priority' }),
        expect.objectContaining({ path: 'projects[0].title' }),
        expect.objectContaining({
          path: 'storageItems[0].createdAt',
          message: expect.stringContaining('not a timestamp'),
        }),
      ]),
    )
  })

  it('names dangling references', () => {
    const f = base()
    f.projects[0].tasks[0].stageUuid = 'nowhere'
    f.projects[0].workflow.stages[1].pathways[0].destinationUuid = 'void'
    f.projects[0].dataUnits[2].backingItemUuid = 'no-item'
    f.projects[0].tasks[2].dataHash = 'no-data'
    f.projects[0].ontologyHash = 'no-ontology'
    f.users = [{ email: 'a@b', publicKeyHex: 'a'.repeat(64), projects: ['no-project'] }]
    const issues = issuesOf(f)
    const at = (path: string) => issues.find((i) => i.path === path)?.message
    expect(at('projects[0].tasks[0].stageUuid')).toContain('unknown stage "nowhere"')
    expect(at('projects[0].workflow.stages[1].pathways[0].destinationUuid')).toContain('unknown stage "void"')
    expect(at('projects[0].dataUnits[2].backingItemUuid')).toContain('unknown storage item "no-item"')
    expect(at('projects[0].tasks[2].dataHash')).toContain('unknown data unit "no-data"')
    expect(at('projects[0].ontologyHash')).toContain('unknown ontology')
    expect(at('users[0].projects[0]')).toContain('unknown project')
  })

  it('rejects duplicates, tasks resting in START, and an unknown format version', () => {
    const f = base()
    f.projects[0].tasks[1].uuid = f.projects[0].tasks[0].uuid
    f.projects[0].tasks[2].stageUuid = f.projects[0].workflow.stages[0].uuid // START
    const issues = issuesOf(f)
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['projects[0].tasks[1].uuid', 'projects[0].tasks[2].stageUuid']),
    )
    expect(issuesOf({ ...base(), format: 'encord-agents-emulator/99' })).toEqual([
      { path: 'format', message: expect.stringContaining('unsupported format') },
    ])
  })

  it('files: missing file, bad JSON, missing media path — clear UserErrors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixture-load-'))
    expect(() => loadFixtureFile(join(dir, 'nope.json'))).toThrow(expect.objectContaining({ code: 'FixtureNotFound' }))
    writeFileSync(join(dir, 'bad.json'), '{ nope')
    expect(() => loadFixtureFile(join(dir, 'bad.json'))).toThrow(expect.objectContaining({ code: 'FixtureInvalid' }))
    const f = base()
    f.storageItems[0].media = { path: 'media/missing.png' }
    writeFileSync(join(dir, 'f.json'), JSON.stringify(f))
    expect(() => loadFixtureFile(join(dir, 'f.json'))).toThrow(/storageItems\[0\]\.media\.path: file not found/)
  })

  it('round-trips: the state written back (defaults omitted, pretty or in pieces) is a valid fixture equal to the input', async () => {
    const input = base()
    input.projects[0].history.push({
      at: '2025-06-02T10:00:00.000Z',
      kind: 'priority',
      dataHash: input.projects[0].dataUnits[0].dataHash,
      detail: { from: null, to: 1 },
    })
    input.storageItems[0].children = [input.storageItems[1].uuid]
    const f = parseFixture(input)
    const dir = mkdtempSync(join(tmpdir(), 'fixture-write-'))
    for (const pretty of [true, false]) {
      const file = join(dir, `f-${pretty}.json`)
      await writeFixtureFile(file, new EmulatorState(f).toFixture(), { pretty })
      const text = readFileSync(file, 'utf8')
      expect(text).not.toContain('"assignee"') // defaults are left out
      expect(loadFixtureFile(file).fixture).toEqual(f)
    }
  })
})
