import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { connectionFlags, runOptionFlagsOf, runOverridesFromFlags } from '../cli/flags.js'
import { installInterruptHandler } from '../cli/interrupt.js'
import { logFormatFlags, metricsFlags, observabilityOptions } from '../cli/ops-flags.js'
import { Observability } from '../observability/index.js'
import { MAX_TIMER_MS, DEFAULT_RUN_SETTINGS } from '../core/config/options.js'
import { ExitCode } from '../shared/exit-codes.js'
import { terminalText, TEXT_WIDTH } from '../ui/terminal-text.js'
import { queueProjectFlags, redisFlags } from '../queue/cli/flags.js'
import {
  formatWorkerSummary,
  runWorkerService,
  WorkerProgress,
  workerProbes,
  type WorkerCommandResult,
} from '../services/worker.js'

export default class Worker extends BaseCommand<WorkerCommandResult> {
  static override summary =
    'Handle the queued tasks of every agent stage: the same handlers and dependencies as `run`, spread over any number of processes.'
  static override description = `Run as many workers as you like, on as many machines, against one Redis; queue tasks with \`encord-agents enqueue\`. Each job is one task: it is re-fetched from Encord, its handler runs with the same dependency injection as run, and its decision is applied exactly once: decisions are recorded in Redis before labels are saved and the task is moved, so a job delivered twice (a worker died before acknowledging it) neither runs its handler again nor moves or saves twice. Decisions of jobs running together are applied together (saves, priorities, then moves, in bundles).

A failing handler is retried with the job's attempts and exponential backoff; NonRetryableError fails the job at once; failed jobs keep their error (queue status) and can be queued again (queue retry-failed). The agent's onFailure pathway applies when a task fails for good.

Ctrl-C or SIGTERM: stop taking jobs, finish the running ones, apply their decisions, print the summary, exit 130. A second Ctrl-C quits at once (unacknowledged jobs return to the queue after --lock-duration and are finished, not redone).

Exit codes: 0 queues empty (--until-empty), 1 some jobs failed (--until-empty), 2 config or validation error, 3 Encord or Redis unreachable, 10 a bug in encord-agents, 130 stopped by a signal.`

  static override examples = [
    {
      description: 'One worker, eight tasks at a time per stage',
      command: '<%= config.bin %> <%= command.id %> --concurrency 8',
    },
    {
      description: 'A shared Redis',
      command: 'REDIS_URL=redis://queue.internal:6379 <%= config.bin %> <%= command.id %>',
    },
    {
      description: 'In a container: JSON log lines, Prometheus metrics and /healthz on port 9464',
      command: '<%= config.bin %> <%= command.id %> --log-format json --metrics-port 9464 --metrics-host 0.0.0.0',
    },
    {
      description: 'Drain the queues and exit (CI, batch jobs), with a JSON summary',
      command: '<%= config.bin %> <%= command.id %> --until-empty --json',
    },
  ]

  static override flags = {
    ...queueProjectFlags,
    ...redisFlags,
    ...logFormatFlags,
    ...metricsFlags,
    ...runOptionFlagsOf(['concurrency'], {
      concurrency: `Jobs handled at once per stage (default: config run.concurrency, else ${DEFAULT_RUN_SETTINGS.concurrency}).`,
    }),
    'until-empty': Flags.boolean({
      summary: 'Exit once no job is waiting, running or delayed in any stage queue (exit 1 if some failed).',
      default: false,
    }),
    'lock-duration': Flags.integer({
      summary: "Job lock in milliseconds: a dead worker's jobs return to the queue after it (default 30000).",
      min: 1000,
      max: MAX_TIMER_MS,
      helpValue: 'MS',
    }),
    'flush-window': Flags.integer({
      summary: 'Decisions are applied together within this many milliseconds (default 100).',
      min: 0,
      max: MAX_TIMER_MS,
      helpValue: 'MS',
    }),
    'flush-size': Flags.integer({
      summary: 'Decisions are applied together once this many wait (default 100).',
      min: 1,
      helpValue: 'N',
    }),
  }

  async run(): Promise<WorkerCommandResult> {
    const { flags } = await this.parse(Worker)
    const controller = new AbortController()
    const verbose = this.isVerbose()
    const probes = workerProbes()
    const ops = await Observability.start({
      ...observabilityOptions(flags, { command: 'worker', verbose }),
      queueJobs: probes.queueJobs,
      redisStatus: probes.redisStatus,
    })
    this.jsonLog = ops.log
    if (ops.url !== undefined) this.notice(`Metrics at ${ops.url}/metrics, health at ${ops.url}/healthz.`)
    const removeInterrupt = installInterruptHandler({
      onFirst: (signal) => {
        ops.shuttingDown()
        this.info(
          `${signal}: no new jobs; running jobs finish and their decisions are applied. Press Ctrl-C again to quit at once.`,
        )
        controller.abort()
      },
    })
    const progress = new WorkerProgress()
    const ticker = setInterval(() => {
      const line = ops.json ? undefined : progress.line()
      if (line !== undefined) this.info(line)
    }, 5000)
    ticker.unref()
    try {
      const result = await runWorkerService({
        ...connectionFlags(flags),
        redisUrl: flags.redis,
        overrides: runOverridesFromFlags(flags),
        untilEmpty: flags['until-empty'],
        lockDurationMs: flags['lock-duration'],
        flushWindowMs: flags['flush-window'],
        flushSize: flags['flush-size'],
        signal: controller.signal,
        jsonLog: ops.log,
        onSession: probes.attach,
        onWarning: (m) => this.warnUser(m),
        onLog: (level, line) => {
          if (level === 'warn' || level === 'error') this.warnUser(line)
          else if (verbose) this.info(line)
        },
        onEvent: (event) => {
          progress.onEvent(event)
          ops.onWorkerEvent(event)
          if (ops.json) return
          if (event.type === 'started')
            this.info(
              `Worker ready: ${event.stages.map((s) => `"${terminalText(s.title)}"`).join(', ')}, ${event.concurrency} at a time per stage.`,
            )
          else if (event.type === 'error') this.warnUser(event.message)
          else if (event.type === 'job' && verbose) {
            const r = event.report
            this.info(
              `${terminalText(r.dataTitle || r.taskUuid)}: ${r.status}${r.pathway ? ` → ${terminalText(r.pathway.name)}` : ''}${r.error ? ` (${r.error.code}: ${terminalText(r.error.message, TEXT_WIDTH, 'end')})` : ''}${r.replayed ? ' [finished from the journal]' : ''}${event.willRetry ? ' — will retry' : ''}`,
            )
          }
        },
      })
      ops.shuttingDown()
      const line = ops.json ? undefined : progress.line()
      if (line !== undefined) this.info(line)
      if (!this.jsonEnabled()) process.stdout.write(formatWorkerSummary(result) + '\n')
      const failed = result.stages.some((s) => s.failed > 0)
      const exitCode = result.interrupted ? ExitCode.Interrupted : failed ? ExitCode.TasksFailed : ExitCode.Ok
      if (exitCode !== ExitCode.Ok) this.finishWith(result, exitCode)
      return result
    } finally {
      clearInterval(ticker)
      removeInterrupt()
      await ops.close()
    }
  }
}
