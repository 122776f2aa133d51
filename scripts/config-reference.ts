// Rewrite the README's config reference table from the declaration (src/core/config/options.ts and
// schema.ts): `npm run docs:config`. src/core/config/reference.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configReferenceTable, TABLE_BEGIN, TABLE_END } from '../src/core/config/reference.js'

const readme = join(import.meta.dirname, '..', 'README.md')
const text = readFileSync(readme, 'utf8')
const begin = text.indexOf(TABLE_BEGIN)
const end = text.indexOf(TABLE_END)
if (begin < 0 || end < begin) throw new Error(`README.md has no ${TABLE_BEGIN} ... ${TABLE_END} block to rewrite.`)
const next = `${text.slice(0, begin)}${TABLE_BEGIN}\n${configReferenceTable().join('\n')}\n${text.slice(end)}`
if (next === text) console.log('README.md: the config reference is up to date.')
else {
  writeFileSync(readme, next)
  console.log('README.md: config reference rewritten.')
}
