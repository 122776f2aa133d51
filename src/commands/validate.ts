import { BaseCommand } from '../cli/base-command.js'
import { projectFlags, sessionFlags } from '../cli/flags.js'
import { openSession } from '../services/session.js'
import { validateAgents, type ValidateResult } from '../services/validate.js'
import { formatValidation } from '../ui/validate-output.js'

export default class Validate extends BaseCommand<ValidateResult> {
  static override summary =
    'Check the config, the handlers and the project without running anything (for CI: exit 0 or 2).'
  static override description = `Loads the config and every handler module, fetches the project and checks that each configured stage exists and is an agent stage (named once), that the pathways and ontology features agents declare exist, that dependencies have no cycle, and then runs the config's validate hook. Nothing is fetched beyond the project, and nothing is moved.

Exit codes: 0 valid, 2 a config or validation problem (every one is listed), 3 authentication or connection failure, 10 a bug in encord-agents.`

  static override examples = [
    {
      description: 'Check the config found from the current directory',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'In CI, machine-readable',
      command: '<%= config.bin %> <%= command.id %> --config ci/encord-agents.config.ts --json',
    },
    { description: 'Against the local emulator', command: '<%= config.bin %> <%= command.id %> --local fixture.json' },
  ]

  static override flags = { ...projectFlags }

  async run(): Promise<ValidateResult> {
    const { flags } = await this.parse(Validate)
    const session = await openSession({
      requireConfig: true,
      ...sessionFlags(flags),
      onWarning: (m) => this.warnUser(m),
    })
    try {
      const result = await validateAgents({ ...session, loaded: session.loaded! })
      if (!this.jsonEnabled()) process.stdout.write(formatValidation(result) + '\n')
      return result
    } finally {
      await session.close()
    }
  }
}
