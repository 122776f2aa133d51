import type { ValidateResult } from '../services/validate.js'
import { terminalText } from './terminal-text.js'
import { stdoutTheme } from './theme.js'

/** `validate` when all is well: the project and each agent's stage. */
export function formatValidation(result: ValidateResult): string {
  const out = [
    `${stdoutTheme.ok('✔')} Valid: ${result.stages.length} agent${result.stages.length === 1 ? '' : 's'} on project "${terminalText(result.projectTitle)}" ${stdoutTheme.dim(`(${result.projectHash})`)}`,
  ]
  for (const s of result.stages) {
    const title = terminalText(s.title !== undefined && s.title !== s.stage ? `${s.stage} (${s.title})` : s.stage)
    out.push(
      `  ${stdoutTheme.ok('•')} ${title} ${stdoutTheme.dim(s.uuid ?? '')}${s.description ? `: ${s.description}` : ''}`,
    )
  }
  return out.join('\n')
}
