import { fail } from '../shared/error-catalogue/index.js'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { projectFlags, runOptionFlags, runOverridesFromFlags, sessionFlags } from '../cli/flags.js'
import { installInterruptHandler } from '../cli/interrupt.js'
import { logFormatFlags, metricsFlags, observabilityOptions } from '../cli/ops-flags.js'
import { Observability } from '../observability/index.js'
import { ExitCode } from '../shared/exit-codes.js'
import { dashboardUrl, waitForStopSignal } from '../dashboard/index.js'
import { STOP_GRACE_MS } from '../core/runner/engine.js'
import type { RunResult } from '../core/types.js'
import { runAgents } from '../services/run.js'
import { openSession, type Session } from '../services/session.js'
import { RunProgress } from '../ui/run-progress.js'
import { formatRunSummary } from '../ui/summary.js'

export default class Run extends BaseCommand<RunResult> {
  static override summary = 'Run the agents of the config on their stages: validate, then fetch, decide, move and save.'
  static override description = `Agents run stage after stage in the order the config declares them. Each task of an agent stage is passed to its handler; the returned pathway is applied (tasks are moved in bundles of --task-batch-size), nothing returned leaves the task in the stage. Validation runs first: any problem and nothing is fetched or moved.

Progress goes to stderr (live on a terminal, plain lines in CI or when piped); the summary table to stdout; --json prints only the RunResult. --log-format json replaces the progress view with one JSON object per line on stderr; --metrics-port serves Prometheus metrics at /metrics and a health check at /healthz while the run lasts (for --refresh-every; see docs/operations.md).

Ctrl-C stops fetching, applies every decision already made at once, gives running handlers 10 s to finish (then abandons them: their tasks stay in their stage), prints the summary and exits 130; a second Ctrl-C quits at once. A run that is killed outright is finished by the next one: each decision is written to a journal (.encord-agents/journal/ next to the config) before it is applied, so its handler does not run again and nothing is saved or moved twice (--no-journal turns this off).

Exit codes: 0 all done, 1 some tasks failed, 2 config or validation error, 3 authentication or connection failure, 10 a bug in encord-agents, 130 interrupted.`

  static override examples = [
    { description: 'Run the config found from the current directory', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Against the built-in local emulator, machine-readable',
      command: '<%= config.bin %> <%= command.id %> --local fixture.json --json',
    },
    {
      description: 'Against the local emulator, watching tasks move and labels appear in its dashboard',
      command: '<%= config.bin %> <%= command.id %> --local fixture.json --ui',
    },
    {
      description: 'See what would happen, changing nothing',
      command: '<%= config.bin %> <%= command.id %> --dry-run',
    },
    {
      description: 'Eight handlers at once, a few tasks, only new ones',
      command: '<%= config.bin %> <%= command.id %> --concurrency 8 --max-tasks-per-stage 20 --status NEW',
    },
    {
      description: 'Keep polling every minute until stopped',
      command: '<%= config.bin %> <%= command.id %> --refresh-every 60',
    },
    {
      description: 'In a container: poll every 5 minutes, JSON log lines, /metrics and /healthz on port 9464',
      command:
        '<%= config.bin %> <%= command.id %> --refresh-every 300 --log-format json --metrics-port 9464 --metrics-host 0.0.0.0',
    },
  ]

  static override flags = {
    ...projectFlags,
    ...runOptionFlags,
    ...logFormatFlags,
    ...metricsFlags,
    ui: Flags.boolean({
      summary:
        'With the local emulator: serve its dashboard during the run (the URL is printed) and keep it up afterwards until Ctrl-C.',
      default: false,
    }),
  }

  async run(): Promise<RunResult> {
    const { flags } = await this.parse(Run)
    const controller = new AbortController()
    // --log-format json and --metrics-port: the worker's wiring (observability/index.ts).
    const ops = await Observability.start(observabilityOptions(flags, { command: 'run', verbose: this.isVerbose() }))
    this.jsonLog = ops.log
    if (ops.url !== undefined) this.notice(`Metrics at ${ops.url}/metrics, health at ${ops.url}/healthz.`)
    const removeInterrupt = installInterruptHandler({
      onFirst: () => {
        ops.shuttingDown()
        this.notice(
          `Stopping: no new tasks; every decision already made is applied now, and handlers still running get ${STOP_GRACE_MS / 1000} s to finish before they are abandoned (their tasks stay in their stage). Press Ctrl-C again to quit at once.`,
        )
        controller.abort()
      },
    })
    let session: Session | undefined
    let progress: RunProgress | undefined
    try {
      session = await openSession({
        requireConfig: true,
        ...sessionFlags(flags),
        requestLog: flags.ui,
        onWarning: (m) => this.warnUser(m),
        onDebug: (m) => this.isVerbose() && this.info(m),
      })
      if (flags.ui && !session.local) {
        throw fail('UiNeedsLocal')
      }
      if (flags.ui) this.notice(`Dashboard: ${dashboardUrl(session.local!.emulator.domain)}`)
      const result = await runAgents({
        session: { ...session, loaded: session.loaded! },
        overrides: runOverridesFromFlags(flags),
        signal: controller.signal,
        onWarning: (m) => this.warnUser(m),
        onValidated: ({ agents, settings }) => {
          if (ops.json) return // log lines instead of the progress view
          progress = new RunProgress({
            mode: this.progressMode(),
            stages: agents.map((a) => a.stage),
            dryRun: settings.dryRun,
            refreshing: settings.refreshEvery !== undefined,
            verbose: this.isVerbose(),
            signal: controller.signal,
          })
          progress.start()
        },
        onEvent: (event) => {
          progress?.onEvent(event)
          ops.onRunEvent(event)
        },
      })
      ops.shuttingDown()
      await progress?.finish()
      progress = undefined
      if (!this.jsonEnabled()) process.stdout.write(formatRunSummary(result, { verbose: this.isVerbose() }) + '\n')
      if (flags.ui && !result.interrupted) {
        // The run is over: Ctrl-C now only closes the dashboard (the run's exit code stands).
        removeInterrupt()
        this.notice(`The dashboard stays up at ${dashboardUrl(session.local!.emulator.domain)} until Ctrl-C.`)
        await waitForStopSignal()
      }
      const exitCode = result.interrupted ? ExitCode.Interrupted : result.ok ? ExitCode.Ok : ExitCode.TasksFailed
      if (exitCode !== ExitCode.Ok) this.finishWith(result, exitCode)
      return result
    } finally {
      await progress?.finish()
      removeInterrupt()
      await session?.close()
      await ops.close()
    }
  }
}
