import { relative } from 'node:path'
import type { InitResult } from '../services/init.js'
import { stdoutTheme, theme } from './theme.js'

/** What `init` prints: each file and what happened to it, then numbered next steps. */
export function formatInitResult(result: InitResult, cwd = process.cwd()): string {
  const where = relative(cwd, result.dir) || '.'
  const created = result.files.filter((f) => f.status !== 'alreadyExisted').length
  const out = [
    `${stdoutTheme.ok('✔')} ${created ? `Created the ${result.template} agent project in ${where}` : `Nothing to write in ${where}: every file already exists`}`,
  ]
  for (const f of result.files) {
    const mark =
      f.status === 'created'
        ? stdoutTheme.ok('+')
        : f.status === 'updated'
          ? stdoutTheme.warn('~')
          : stdoutTheme.dim('=')
    const note =
      f.status === 'alreadyExisted'
        ? stdoutTheme.dim(' (already existed, left as it was)')
        : f.status === 'updated'
          ? stdoutTheme.dim(
              f.path === '.gitignore'
                ? ' (appended the ignore lines)'
                : ' (added the missing scripts and dependencies)',
            )
          : ''
    out.push(`  ${mark} ${f.path}${note}`)
  }
  const { install } = result
  if (install.status === 'installed')
    out.push(
      `${stdoutTheme.ok('✔')} Installed the dependencies with ${install.packageManager} in ${formatSeconds(install.durationMs)}`,
    )
  else if (install.status === 'failed')
    out.push(
      `${stdoutTheme.warn('!')} Installing the dependencies with ${install.packageManager} failed after ${formatSeconds(install.durationMs)} (see the warning above)`,
    )
  out.push('', stdoutTheme.bold('Next steps:'))
  result.nextSteps.forEach((step, i) => out.push(`  ${i + 1}. ${step}`))
  return out.join('\n')
}

/** The line before the package manager's own output. */
export function formatInstallStart(command: string): string {
  return theme.dim(`Installing the dependencies (${command})…`)
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
