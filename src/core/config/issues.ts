import { basename, relative } from 'node:path'
import { z } from 'zod'
import { describe } from '../../shared/error-catalogue/index.js'
import { UserError } from '../../shared/errors.js'
import { formatPath, locateField, type FieldPath } from './locate.js'
import { innerType, MAX_TIMER_MS, optionDocs } from './options.js'
import { ConfigSchema, KNOWN_KEYS } from './schema.js'
import { closest } from '../../shared/suggest.js'

/** One problem in a config file. */
export interface ConfigIssue {
  /** `agents[0].stage` */
  path: string
  message: string
  /** `encord-agents.config.ts:14:5` (or the file alone when the line is unknown). */
  location: string
}

const EXPECTED: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  function: 'a function',
}

/** What to write instead, for fields whose expected value needs more than a type name. */
const FIELD_HINTS: Record<string, string> = {
  'agents[].stage': 'a stage title or UUID, e.g. "Agent 1"',
  'agents[].handler': 'a module path relative to the config, e.g. "./agents/my-agent.ts"',
  projectHash: 'the project hash (a UUID) as a string',
  local: 'a fixture file path relative to the config, e.g. "./fixture.json"',
}

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return 'an object'
  return typeof value
}

/** The declared schema of a field (`['run', 'taskTimeout']`, `['agents', 0, 'stage']`) under `root`. */
function schemaAt(root: z.ZodType, path: FieldPath): z.ZodType | undefined {
  let schema: z.ZodType | undefined = root
  for (const segment of path) {
    const inner: z.ZodType | undefined = schema === undefined ? undefined : innerType(schema)
    if (typeof segment === 'number') schema = inner instanceof z.ZodArray ? (inner.element as z.ZodType) : undefined
    else schema = inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>)[segment] : undefined
  }
  return schema
}

/** Whole-number options: zod reports a string given for them as "expected number". */
function isWholeNumber(schema: z.ZodType | undefined): boolean {
  const inner = schema === undefined ? undefined : innerType(schema)
  return inner instanceof z.ZodNumber && inner.isInt
}

/** "2147483647 ms (about 24.8 days, Node's longest timer)": a duration bound in words. */
function durationBound(max: number | bigint, unit: 'ms' | 'seconds' | undefined): string {
  if (unit === undefined) return String(max)
  const ms = Number(max) * (unit === 'seconds' ? 1000 : 1)
  const days = (Math.floor(ms / 8_640_000) / 10).toFixed(1)
  return `${max} ${unit} (about ${days} days${ms > MAX_TIMER_MS - 1000 ? ", Node's longest timer" : ''})`
}

function genericPath(path: FieldPath): string {
  return path
    .map((s) => (typeof s === 'number' ? '[]' : s))
    .join('.')
    .replace(/\.\[\]/g, '[]')
}

function knownKeysAt(path: FieldPath): readonly string[] {
  return KNOWN_KEYS[path.filter((s) => typeof s === 'string').join('.')] ?? []
}

/**
 * One zod issue → one message per problem (an unknown-keys issue lists several keys: one each). Paths
 * are under `root`: the config file's schema, or the run options' for settings given in code.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  root: z.ZodType = ConfigSchema,
): Array<{ path: FieldPath; key?: string; message: string; value?: unknown }> {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol')
  const input = (issue as { input?: unknown }).input
  const field = schemaAt(root, path)
  switch (issue.code) {
    case 'unrecognized_keys': {
      const valid = knownKeysAt(path)
      return issue.keys.map((key) => {
        const { message } = describe('ConfigInvalid.unknownOption', { key, suggestion: closest(key, valid), valid })
        return { path, key, message }
      })
    }
    case 'invalid_type': {
      const hint = FIELD_HINTS[genericPath(path)]
      const expected =
        hint ?? (isWholeNumber(field) ? EXPECTED.int : undefined) ?? EXPECTED[issue.expected] ?? issue.expected
      if (input === undefined) return [{ path, message: describe('ConfigInvalid.missing', { expected }).message }]
      const { message } = describe('ConfigInvalid.wrongType', { expected, got: describeValue(input) })
      return [{ path, message, value: input }]
    }
    case 'too_small': {
      if (issue.origin === 'array' || issue.origin === 'string')
        return [{ path, message: describe('ConfigInvalid.zod', { message: issue.message }).message, value: input }]
      const facts = { inclusive: issue.inclusive === true, bound: String(issue.minimum), got: describeValue(input) }
      return [{ path, message: describe('ConfigInvalid.tooSmall', facts).message, value: input }]
    }
    case 'too_big': {
      const bound = durationBound(issue.maximum, field && optionDocs.get(field)?.unit)
      const facts = { inclusive: issue.inclusive === true, bound, got: describeValue(input) }
      return [{ path, message: describe('ConfigInvalid.tooBig', facts).message, value: input }]
    }
    case 'invalid_value': {
      const facts = { values: issue.values, got: describeValue(input) }
      return [{ path, message: describe('ConfigInvalid.notOneOf', facts).message, value: input }]
    }
    case 'custom': {
      const facts = { message: issue.message, got: describeValue(input) }
      return [{ path, message: describe('ConfigInvalid.refinement', facts).message, value: input }]
    }
    default:
      return [{ path, message: describe('ConfigInvalid.zod', { message: issue.message }).message, value: input }]
  }
}

/**
 * Turn every zod issue into a `ConfigIssue` with a location in the file (STYLE C3: all of them at
 * once, each naming the file, the field path and what was expected).
 */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  filepath: string,
  text: string | undefined,
  cwd = process.cwd(),
): ConfigIssue[] {
  const shown = displayPath(filepath, cwd)
  const out: ConfigIssue[] = []
  for (const issue of issues) {
    for (const problem of describeIssue(issue)) {
      const pos =
        text === undefined ? undefined : locateField(text, problem.path, { key: problem.key, value: problem.value })
      const fieldPath = problem.key === undefined ? problem.path : [...problem.path, problem.key]
      out.push({
        path: formatPath(fieldPath),
        message: problem.message,
        location: pos ? `${shown}:${pos.line}:${pos.column}` : shown,
      })
    }
  }
  return out
}

/** Paths in messages: relative to the working directory when inside it, else absolute. */
export function displayPath(filepath: string, cwd = process.cwd()): string {
  const rel = relative(cwd, filepath)
  return rel === '' ? basename(filepath) : rel.startsWith('..') ? filepath : rel
}

/**
 * The config file has problems. Message lists every one (`file:line:col  path  message`); `location`
 * is the first, for the code frame; `data.issues` has them all for `--json`.
 */
export class ConfigInvalidError extends UserError {
  readonly issues: ConfigIssue[]
  constructor(filepath: string, issues: ConfigIssue[], cwd = process.cwd()) {
    const { code, message, hint } = describe('ConfigInvalid.issues', { file: displayPath(filepath, cwd), issues })
    super(code, message, {
      hint,
      location: issues[0]?.location,
      data: { file: filepath, issues },
    })
    this.issues = issues
  }
}
