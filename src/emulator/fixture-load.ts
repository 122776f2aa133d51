import { fail } from '../shared/error-catalogue/index.js'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { z } from 'zod'
import { UserError } from '../shared/errors.js'
import { Fixture, FIXTURE_FORMAT, type FixtureInput } from './fixture.js'

/** One problem found in a fixture, with the JSON path it concerns (e.g. `projects[0].tasks[3].stageUuid`). */
export interface FixtureIssue {
  path: string
  message: string
}

/** A parsed and checked fixture, with the directory its relative media paths are resolved against. */
export interface LoadedFixture {
  fixture: Fixture
  /** The fixture file's path, or null for an in-memory fixture. */
  file: string | null
  baseDir: string
}

/** `['projects', 0, 'tasks', 3, 'stageUuid']` → `projects[0].tasks[3].stageUuid`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}

function zodIssues(error: z.ZodError): FixtureIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }))
}

function invalid(source: string, issues: FixtureIssue[]): UserError {
  const shown = issues.slice(0, 20).map((i) => `  ${i.path}: ${i.message}`)
  if (issues.length > 20) shown.push(`  … and ${issues.length - 20} more`)
  return fail('FixtureInvalid.schema', { source, shown }, { data: { issues } })
}

/**
 * Validate a fixture object (schema, then references between its parts). Throws a `UserError`
 * (`FixtureInvalid`) listing every issue with its JSON path.
 *
 * @param source how to name the fixture in messages, e.g. its file path
 * @param baseDir where relative `media.path` entries are resolved (checked to exist when given)
 */
export function parseFixture(input: unknown, source = 'fixture', baseDir?: string): Fixture {
  if (typeof input === 'object' && input !== null && 'format' in input && input.format !== FIXTURE_FORMAT) {
    const got = JSON.stringify(input.format)
    throw invalid(source, [
      { path: 'format', message: `unsupported format ${got}; this version reads "${FIXTURE_FORMAT}"` },
    ])
  }
  const parsed = Fixture.safeParse(input)
  if (!parsed.success) throw invalid(source, zodIssues(parsed.error))
  const issues = checkReferences(parsed.data, baseDir)
  if (issues.length > 0) throw invalid(source, issues)
  return parsed.data
}

/** Read, parse and check a fixture file. */
export function loadFixtureFile(file: string): LoadedFixture {
  const path = resolve(file)
  if (!existsSync(path)) {
    throw fail('FixtureNotFound', { file })
  }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw fail('FixtureInvalid.notJson', { file, message: (error as Error).message }, { cause: error })
  }
  const baseDir = dirname(path)
  return { fixture: parseFixture(json, file, baseDir), file: path, baseDir }
}

/** Accept a path, a parsed fixture or a fixture input object. */
export function loadFixture(fixture: string | Fixture | FixtureInput, baseDir = process.cwd()): LoadedFixture {
  if (typeof fixture === 'string') return loadFixtureFile(fixture)
  return { fixture: parseFixture(fixture, 'fixture', baseDir), file: null, baseDir }
}

const RESTING = new Set(['ANNOTATION', 'REVIEW', 'AGENT', 'DONE', 'CONSENSUS_ANNOTATION', 'CONSENSUS_REVIEW'])

/** Dangling references and duplicates that the schema alone cannot see. */
export function checkReferences(fixture: Fixture, baseDir?: string): FixtureIssue[] {
  const issues: FixtureIssue[] = []
  const add = (path: string, message: string) => issues.push({ path, message })

  const ontologies = new Set<string>()
  fixture.ontologies.forEach((o, i) => {
    if (ontologies.has(o.ontologyHash)) add(`ontologies[${i}].ontologyHash`, `duplicate ontology "${o.ontologyHash}"`)
    ontologies.add(o.ontologyHash)
  })
  const items = new Map<string, number>()
  fixture.storageItems.forEach((item, i) => {
    if (items.has(item.uuid)) add(`storageItems[${i}].uuid`, `duplicate storage item "${item.uuid}"`)
    items.set(item.uuid, i)
  })
  fixture.storageItems.forEach((item, i) => {
    item.children.forEach((child, j) => {
      if (!items.has(child)) add(`storageItems[${i}].children[${j}]`, `unknown storage item "${child}"`)
    })
    if (item.media && 'path' in item.media && baseDir !== undefined) {
      const file = isAbsolute(item.media.path) ? item.media.path : resolve(baseDir, item.media.path)
      if (!existsSync(file)) add(`storageItems[${i}].media.path`, `file not found: ${file}`)
    }
  })
  const projects = new Set<string>()
  const taskUuids = new Set<string>()
  const labelHashes = new Set<string>()
  fixture.projects.forEach((p, pi) => {
    const at = `projects[${pi}]`
    if (projects.has(p.projectHash)) add(`${at}.projectHash`, `duplicate project "${p.projectHash}"`)
    projects.add(p.projectHash)
    if (!ontologies.has(p.ontologyHash))
      add(`${at}.ontologyHash`, `unknown ontology "${p.ontologyHash}" (not in ontologies[])`)

    const stages = new Map<string, string>()
    p.workflow.stages.forEach((s, si) => {
      if (stages.has(s.uuid)) add(`${at}.workflow.stages[${si}].uuid`, `duplicate stage "${s.uuid}"`)
      stages.set(s.uuid, s.stageType)
    })
    p.workflow.stages.forEach((s, si) => {
      const titles = new Set<string>()
      s.pathways.forEach((pw, wi) => {
        const where = `${at}.workflow.stages[${si}].pathways[${wi}]`
        if (!stages.has(pw.destinationUuid))
          add(`${where}.destinationUuid`, `pathway "${pw.title}" leads to unknown stage "${pw.destinationUuid}"`)
        if (titles.has(pw.title)) add(`${where}.title`, `duplicate pathway title "${pw.title}" on stage "${s.title}"`)
        titles.add(pw.title)
      })
      if ((s.stageType === 'START' || s.stageType.endsWith('_ROUTER')) && s.pathways.length === 0) {
        add(
          `${at}.workflow.stages[${si}].pathways`,
          `a ${s.stageType} stage needs at least one pathway to route tasks along`,
        )
      }
    })

    const dataUnits = new Set<string>()
    p.dataUnits.forEach((d, di) => {
      const where = `${at}.dataUnits[${di}]`
      if (dataUnits.has(d.dataHash)) add(`${where}.dataHash`, `duplicate data unit "${d.dataHash}"`)
      dataUnits.add(d.dataHash)
      if (d.backingItemUuid !== null && !items.has(d.backingItemUuid)) {
        add(
          `${where}.backingItemUuid`,
          `data unit "${d.dataTitle}" is backed by unknown storage item "${d.backingItemUuid}"`,
        )
      }
    })
    p.tasks.forEach((t, ti) => {
      const where = `${at}.tasks[${ti}]`
      if (taskUuids.has(t.uuid)) add(`${where}.uuid`, `duplicate task "${t.uuid}"`)
      taskUuids.add(t.uuid)
      const type = stages.get(t.stageUuid)
      if (type === undefined) add(`${where}.stageUuid`, `task "${t.uuid}" is in unknown stage "${t.stageUuid}"`)
      else if (!RESTING.has(type)) add(`${where}.stageUuid`, `task "${t.uuid}" cannot rest in a ${type} stage`)
      if (!dataUnits.has(t.dataHash))
        add(`${where}.dataHash`, `task "${t.uuid}" refers to unknown data unit "${t.dataHash}"`)
    })
    const rowKeys = new Set<string>()
    p.labelRows.forEach((r, ri) => {
      const where = `${at}.labelRows[${ri}]`
      if (labelHashes.has(r.labelHash)) add(`${where}.labelHash`, `duplicate label row "${r.labelHash}"`)
      labelHashes.add(r.labelHash)
      if (!dataUnits.has(r.dataHash))
        add(`${where}.dataHash`, `label row "${r.labelHash}" refers to unknown data unit "${r.dataHash}"`)
      const key = `${r.dataHash}\u0000${r.branchName}`
      if (rowKeys.has(key))
        add(`${where}.branchName`, `a second label row for data unit "${r.dataHash}" on branch "${r.branchName}"`)
      rowKeys.add(key)
    })
  })
  fixture.users.forEach((u, ui) => {
    if (u.projects === '*') return
    u.projects.forEach((hash, i) => {
      if (!projects.has(hash)) add(`users[${ui}].projects[${i}]`, `unknown project "${hash}"`)
    })
  })
  return issues
}
