import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { connectionFlags, runOptionFlagsOf, runOverridesFromFlags } from '../cli/flags.js'
import { installInterruptHandler } from '../cli/interrupt.js'
import { logFormatFlags, observabilityOptions } from '../cli/ops-flags.js'
import { Observability } from '../observability/index.js'
import { DEFAULT_RUN_SETTINGS } from '../core/config/options.js'
import { ExitCode } from '../shared/exit-codes.js'
import { queueProjectFlags, redisFlags } from '../queue/cli/flags.js'
import {
  DEFAULT_WATCH_SECONDS,
  formatEnqueuePass,
  formatEnqueueResult,
  runEnqueue,
  type EnqueueCommandResult,
} from '../services/enqueue.js'

export default class Enqueue extends BaseCommand<EnqueueCommandResult> {
  static override summary =
    'Queue the pending tasks of every agent stage on Redis (BullMQ), one job per task, for `encord-agents worker` processes.'
  static override description = `Validates the config's agents against the project (as run does), then lists each agent stage and adds one job per pending task. The job id is the task UUID: a task that already has a job (waiting, running, delayed for a retry, or failed) is not queued again, so enqueuing twice adds nothing. A task whose earlier job completed but which is pending again is queued again.

Jobs get numRetries + 1 attempts (config run.numRetries, default ${DEFAULT_RUN_SETTINGS.numRetries}) with exponential backoff.
--watch keeps polling every refreshEvery seconds (config run.refreshEvery, default ${DEFAULT_WATCH_SECONDS}) until Ctrl-C or SIGTERM.
Redis: --redis, else REDIS_URL, else redis://127.0.0.1:6379.

Exit codes: 0 done, 2 config or validation error, 3 Encord or Redis unreachable, 10 a bug in encord-agents, 130 stopped (--watch).`

  static override examples = [
    {
      description: "Queue every pending task of the config's agent stages",
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'A shared Redis, machine-readable',
      command: '<%= config.bin %> <%= command.id %> --redis redis://queue.internal:6379 --json',
    },
    {
      description: 'Keep queueing new tasks every 30 seconds',
      command: '<%= config.bin %> <%= command.id %> --watch --refresh-every 30',
    },
    {
      description: 'Against a shared local emulator',
      command: 'ENCORD_DOMAIN=http://127.0.0.1:4010 <%= config.bin %> <%= command.id %>',
    },
  ]

  static override flags = {
    ...queueProjectFlags,
    ...redisFlags,
    ...logFormatFlags,
    watch: Flags.boolean({
      summary: 'Keep polling for new pending tasks every --refresh-every seconds until stopped.',
      default: false,
    }),
    // Run options of the config's `run` block, with enqueue's own meaning of two of them.
    ...runOptionFlagsOf(['refresh-every', 'num-retries', 'data-title', 'data-hash', 'assignee', 'status'], {
      'refresh-every': `Seconds between passes with --watch (default: config run.refreshEvery, else ${DEFAULT_WATCH_SECONDS}).`,
      'num-retries': `Retries of a failing job before it fails for good (attempts = N + 1; default: config run.numRetries, else ${DEFAULT_RUN_SETTINGS.numRetries}).`,
    }),
  }

  async run(): Promise<EnqueueCommandResult> {
    const { flags } = await this.parse(Enqueue)
    const ops = await Observability.start(
      observabilityOptions(flags, { command: 'enqueue', verbose: this.isVerbose() }),
    )
    this.jsonLog = ops.log
    const controller = new AbortController()
    const removeInterrupt = installInterruptHandler({
      onFirst: () => {
        this.info('Stopping after the current pass. Press Ctrl-C again to quit at once.')
        controller.abort()
      },
    })
    try {
      const result = await runEnqueue({
        ...connectionFlags(flags),
        redisUrl: flags.redis,
        watch: flags.watch,
        overrides: runOverridesFromFlags(flags),
        signal: controller.signal,
        onWarning: (m) => this.warnUser(m),
        onReady: (info) =>
          this.info(
            `Project "${info.projectTitle}" (${info.projectHash}), Redis ${info.redis}: queueing ${info.stages.map((s) => `"${s}"`).join(', ')}${flags.watch ? ' (watching; Ctrl-C to stop)' : ''}.`,
          ),
        onPass: (pass) => {
          if (ops.log !== undefined) ops.log.info({ pass }, 'enqueue pass')
          else if (flags.watch) this.info(formatEnqueuePass(pass))
        },
      })
      if (!this.jsonEnabled()) process.stdout.write(formatEnqueueResult(result) + '\n')
      if (result.interrupted) this.finishWith(result, ExitCode.Interrupted)
      return result
    } finally {
      removeInterrupt()
      await ops.close()
    }
  }
}
