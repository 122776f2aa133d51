import { BaseCommand } from '../cli/base-command.js'
import { projectFlags, sessionFlags } from '../cli/flags.js'
import { listStages, type ListStagesResult } from '../services/list-stages.js'
import { openSession } from '../services/session.js'
import { formatStages } from '../ui/stages-output.js'

export default class ListStages extends BaseCommand<ListStagesResult> {
  static override summary =
    "List the project's workflow stages: type, UUID, pathways and where they lead, tasks waiting."
  static override description =
    'Agents bind to agent stages by title or UUID and return pathway names (or UUIDs): this shows them all. Works with a config, or with --project-hash alone.'

  static override examples = [
    { description: 'The stages of the project in the config', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Any project, without a config',
      command: '<%= config.bin %> <%= command.id %> --project-hash 00000000-0000-4000-8000-000000000000',
    },
    {
      description: 'A local fixture, as JSON',
      command: '<%= config.bin %> <%= command.id %> --local fixture.json --json',
    },
  ]

  static override flags = { ...projectFlags }

  async run(): Promise<ListStagesResult> {
    const { flags } = await this.parse(ListStages)
    const session = await openSession({
      requireConfig: false,
      ...sessionFlags(flags),
      onWarning: (m) => this.warnUser(m),
    })
    try {
      const { project, stages } = await listStages({ client: session.client, projectHash: session.projectHash })
      if (!this.jsonEnabled()) process.stdout.write(formatStages(project.title, project.projectHash, stages) + '\n')
      return stages
    } finally {
      await session.close()
    }
  }
}
