import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { projectSelection } from '../../cli/flags.js'
import { queueSelectFlags, redisFlags } from '../../queue/cli/flags.js'
import { formatQueueStatus, runQueueStatus, type QueueStatusResult } from '../../services/queue-status.js'

export default class QueueStatus extends BaseCommand<QueueStatusResult> {
  static override summary =
    'Show the queue of each agent stage: waiting, active, delayed, completed and failed jobs, and the errors of failed ones.'
  static override description = `Reads Redis only (no Encord credentials needed). Shows the stages queued by \`encord-agents enqueue\` or served by \`encord-agents worker\`: of the config's project (or --project-hash), else of every project on this Redis. Completed jobs are kept for 24 hours (10,000 per stage at most).

Exit codes: 0 shown, 2 usage error, 3 Redis unreachable, 10 a bug in encord-agents.`

  static override examples = [
    { description: "The queues of the config's project", command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Every project on a shared Redis, machine-readable',
      command: '<%= config.bin %> <%= command.id %> --redis redis://queue.internal:6379 --json',
    },
    { description: 'More failed jobs per stage', command: '<%= config.bin %> <%= command.id %> --failed-limit 100' },
  ]

  static override flags = {
    ...queueSelectFlags,
    ...redisFlags,
    'failed-limit': Flags.integer({ summary: 'Failed jobs listed per stage (default 20).', min: 0, helpValue: 'N' }),
  }

  async run(): Promise<QueueStatusResult> {
    const { flags } = await this.parse(QueueStatus)
    const result = await runQueueStatus({
      redisUrl: flags.redis,
      ...projectSelection(flags),
      failedLimit: flags['failed-limit'],
      onWarning: (m) => this.warnUser(m),
    })
    if (!this.jsonEnabled()) process.stdout.write(formatQueueStatus(result) + '\n')
    return result
  }
}
