import { z } from 'zod'
import { declaredDefault, innerType, numberBounds, optionDocs, RunOptionsSchema, type OptionDoc } from './options.js'
import { ConfigSchema } from './schema.js'

/**
 * The README's config reference table, derived from the schema and the run options' declaration, so
 * the table cannot drift from what the config accepts (a test compares it with README.md; rewrite it
 * with `npm run docs:config`).
 */

/** Where the generated table sits in README.md. */
export const TABLE_BEGIN =
  '<!-- config-reference: generated from src/core/config/options.ts and schema.ts by `npm run docs:config` -->'
export const TABLE_END = '<!-- /config-reference -->'

interface Row {
  name: string
  type: string
  default: string
  meaning: string
}

/** The table's lines: header, separator, one row per option (objects and lists by their fields). */
export function configReferenceTable(): string[] {
  const rows = collect(ConfigSchema, '')
  return [
    '| option | type | default | meaning |',
    '|---|---|---|---|',
    ...rows.map((r) => `| \`${r.name}\` | ${r.type} | ${r.default} | ${r.meaning} |`),
  ]
}

function collect(schema: z.ZodObject, prefix: string): Row[] {
  const rows: Row[] = []
  for (const [key, field] of Object.entries(schema.shape)) {
    const inner = innerType(field)
    const name = `${prefix}${key}`
    // The `run` block is parsed as written (defaults left out): its rows come from the declaration.
    if (name === 'run') rows.push(...collect(RunOptionsSchema, 'run.'))
    else if (inner instanceof z.ZodObject) rows.push(...collect(inner, `${name}.`))
    else if (inner instanceof z.ZodArray && innerType(inner.element as z.ZodType) instanceof z.ZodObject)
      rows.push(...collect(innerType(inner.element as z.ZodType) as z.ZodObject, `${name}[].`))
    else rows.push(row(name, field))
  }
  return rows
}

function row(name: string, field: z.ZodType): Row {
  const doc = optionDocs.get(field)
  if (doc === undefined) throw new Error(`The config option ${name} has no doc (options.ts / schema.ts).`)
  return {
    name,
    type: typeText(field, doc),
    default: defaultText(field, doc),
    meaning: `${doc.summary}${flagText(field, doc)}`,
  }
}

function typeText(field: z.ZodType, doc: OptionDoc): string {
  if (doc.type !== undefined) return doc.type
  const inner = innerType(field)
  const range = numberBounds(field)
  if (inner instanceof z.ZodNumber && range !== undefined) {
    const bounds: string[] = []
    if (range.min !== undefined) bounds.push(`${range.minExclusive ? '>' : '≥'} ${range.min}`)
    if (range.max !== undefined) bounds.push(`≤ ${range.max}`)
    if (doc.unit !== undefined) return `${doc.unit}${bounds.length > 0 ? ` (${bounds.join(', ')})` : ''}`
    return [inner.isInt ? 'integer' : 'number', ...bounds].join(' ')
  }
  if (inner instanceof z.ZodBoolean) return 'boolean'
  if (inner instanceof z.ZodArray) return 'string[]'
  return 'string'
}

function defaultText(field: z.ZodType, doc: OptionDoc): string {
  const value = declaredDefault(field)
  if (value !== undefined) return `\`${JSON.stringify(value)}\``
  if (doc.default !== undefined) return doc.default
  return field.safeParse(undefined).success ? '—' : 'required'
}

/** " (`--task-batch-size`)", " (`--data-hash`, repeatable)", " (`--no-journal`)". */
function flagText(field: z.ZodType, doc: OptionDoc): string {
  if (doc.flag === undefined) return ''
  const inner = innerType(field)
  const isBoolean =
    inner instanceof z.ZodBoolean ||
    (inner instanceof z.ZodUnion && inner.options.some((o) => o instanceof z.ZodBoolean))
  // A boolean flag is named by the form that changes the default: --dry-run, --no-journal.
  const name = isBoolean && declaredDefault(field) === true ? `no-${doc.flag.name}` : doc.flag.name
  return ` (\`--${name}\`${inner instanceof z.ZodArray ? ', repeatable' : ''})`
}
