import { relative } from 'node:path'
import type { InitResult } from '../services/init.js'
import { theme } from './theme.js'

/** What `init` prints: each file and what happened to it, then numbered next steps. */
export function formatInitResult(result: InitResult, cwd = process.cwd()): string {
  const where = relative(cwd, result.dir) || '.'
  const created = result.files.filter((f) => f.status !== 'alreadyExisted').length
  const out = [`${theme.ok('✔')} ${created ? `Created the ${result.template} agent project in ${where}` : `Nothing to write in ${where}: every file already exists`}`]
  for (const f of result.files) {
    const mark = f.status === 'created' ? theme.ok('+') : f.status === 'updated' ? theme.warn('~') : theme.dim('=')
    const note = f.status === 'alreadyExisted' ? theme.dim(' (already existed, left as it was)') : f.status === 'updated' ? theme.dim(' (appended the key lines)') : ''
    out.push(`  ${mark} ${f.path}${note}`)
  }
  out.push('', theme.bold('Next steps:'))
  result.nextSteps.forEach((step, i) => out.push(`  ${i + 1}. ${step}`))
  return out.join('\n')
}
