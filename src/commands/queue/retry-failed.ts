import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { projectSelection } from '../../cli/flags.js'
import { queueSelectFlags, redisFlags } from '../../queue/cli/flags.js'
import { formatQueueRetry, runQueueRetry, type QueueRetryResult } from '../../services/queue-retry.js'

export default class QueueRetryFailed extends BaseCommand<QueueRetryResult> {
  static override summary = 'Queue the failed jobs again, each with its full number of attempts.'
  static override description = `Moves failed jobs back to waiting; running workers pick them up. A job whose decision was already recorded (it failed while saving or moving) is finished from the journal, not decided again; a task no longer in its stage completes without doing anything. Reads Redis only.

Exit codes: 0 done, 2 usage error (e.g. an unknown --stage), 3 Redis unreachable, 10 a bug in encord-agents.`

  static override examples = [
    { description: "Every failed job of the config's project", command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Only one stage, machine-readable',
      command: '<%= config.bin %> <%= command.id %> --stage "Agent 1" --json',
    },
  ]

  static override flags = {
    ...queueSelectFlags,
    ...redisFlags,
    stage: Flags.string({ summary: 'Only this stage (title or UUID).', helpValue: 'STAGE' }),
  }

  async run(): Promise<QueueRetryResult> {
    const { flags } = await this.parse(QueueRetryFailed)
    const result = await runQueueRetry({
      redisUrl: flags.redis,
      ...projectSelection(flags),
      stage: flags.stage,
      onWarning: (m) => this.warnUser(m),
    })
    if (!this.jsonEnabled()) process.stdout.write(formatQueueRetry(result) + '\n')
    return result
  }
}
