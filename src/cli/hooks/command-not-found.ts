import { fail } from '../../shared/error-catalogue/index.js'
import type { Hook } from '@oclif/core'
import { Errors } from '@oclif/core'
import { closest } from '../../shared/suggest.js'
import { formatError, toErrorJson } from '../../ui/error-output.js'
import { theme } from '../../ui/theme.js'

/**
 * oclif's `command_not_found` hook: an unknown command is a usage error (exit 2) printed like every
 * other error, with the closest command as "did you mean" (issue 17, item 8). oclif's own answer is
 * a bare "command rnu not found".
 */
const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.split(':').join(' ')
  const commands = options.config.commandIDs.map((id) => id.split(':').join(' '))
  const match = closest(typed, commands)
  const error = fail(
    'UnknownCommand',
    { typed, suggestion: match },
    { data: match ? { suggestion: match } : undefined },
  )
  const args = options.argv ?? []
  if (args.includes('--json')) process.stdout.write(JSON.stringify(toErrorJson(error), null, 2) + '\n')
  else process.stderr.write(formatError(error, { theme, verbose: false }) + '\n')
  throw new Errors.ExitError(error.exitCode)
}

export default hook
