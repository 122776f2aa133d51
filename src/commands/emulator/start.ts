import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { MAX_TIMER_MS } from '../../core/config/options.js'
import { formatEmulatorStart, startEmulatorService, DEFAULT_EMULATOR_PORT } from '../../services/emulator-start.js'

export default class EmulatorStart extends BaseCommand<void> {
  static override summary = 'Run the local Encord emulator: the Encord API over a fixture file, until stopped.'
  static override description = `Serves Encord's REST and legacy APIs (signatures checked) from FIXTURE on loopback, and writes changes back to it atomically (unless --in-memory). Point the SDK or encord-agents at it with ENCORD_DOMAIN. Stops cleanly on Ctrl+C / SIGTERM.

With --json, one JSON line is printed once the emulator listens: { domain, port, projects, users, warnings, ... }.
Dashboard: open <domain>/ in a browser (workflow, tasks, labels, requests). Observability: GET <domain>/_emulator/stats, /_emulator/requests (with --request-log), /_emulator/api/projects.`

  static override examples = [
    { description: 'Serve a fixture on the default port', command: '<%= config.bin %> <%= command.id %> fixture.json' },
    {
      description: 'A generated project, any signed request accepted, nothing written back',
      command:
        '<%= config.bin %> emulator generate --out big.json --tasks 10000 && <%= config.bin %> <%= command.id %> big.json --allow-any-key --in-memory',
    },
    {
      description: 'Only your key (and the fixture users): other keys get an authentication error, as on Encord',
      command: '<%= config.bin %> <%= command.id %> workspace.json --allow-key ~/.ssh/encord_ed25519 --in-memory',
    },
    {
      description: 'Use it from another shell',
      command: 'export ENCORD_DOMAIN=http://127.0.0.1:4010 && <%= config.bin %> run',
    },
    {
      description: 'Machine-readable start line, free port',
      command: '<%= config.bin %> <%= command.id %> fixture.json --port 0 --json',
    },
  ]

  static override args = {
    fixture: Args.string({
      description: 'Fixture file (default: `local` of the config found from the current directory).',
    }),
  }

  static override flags = {
    port: Flags.integer({
      char: 'p',
      summary: `TCP port (0 picks a free one). Default ${DEFAULT_EMULATOR_PORT}.`,
      min: 0,
      max: 65535,
      helpValue: 'N',
      env: 'ENCORD_EMULATOR_PORT',
    }),
    host: Flags.string({
      summary: 'Interface to listen on. Anything but loopback is reachable from other machines (a warning is printed).',
      default: '127.0.0.1',
      helpValue: 'HOST',
    }),
    'in-memory': Flags.boolean({ summary: 'Never write the state back to the fixture file.', default: false }),
    'allow-any-key': Flags.boolean({
      summary: "Accept any correctly signed request, whatever the key (the fixture's users are not checked).",
      default: false,
    }),
    'allow-key': Flags.string({
      summary:
        "Accept this key on every project, on top of the fixture's users (repeatable): a public key as 64 hex characters, an `ssh-ed25519 …` public key, or a key file (private or .pub). Other keys stay refused.",
      multiple: true,
      helpValue: 'KEY|FILE',
    }),
    'latency-ms': Flags.integer({
      summary: 'Latency added to every request, in milliseconds.',
      min: 0,
      max: MAX_TIMER_MS,
      helpValue: 'MS',
    }),
    'request-log': Flags.boolean({
      summary: 'Keep the last 1000 requests at /_emulator/requests (signature headers redacted).',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(EmulatorStart)
    const { result, handle } = await startEmulatorService({
      fixture: args.fixture,
      port: flags.port,
      host: flags.host,
      inMemory: flags['in-memory'],
      allowAnyKey: flags['allow-any-key'],
      allowKeys: flags['allow-key'],
      latencyMs: flags['latency-ms'],
      requestLog: flags['request-log'],
      onWarning: (m) => this.warnUser(m),
    })
    // Listen for the stop signals before saying we are ready: a supervisor that stops us as soon as
    // it reads the ready line must get a clean stop (state written), not the default kill.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    for (const warning of result.warnings) this.warnUser(warning)
    // A long-running command: the result is printed when ready, not when it returns.
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify(result) + '\n')
    else process.stdout.write(formatEmulatorStart(result) + '\n')

    const signal = await stopped
    this.info(`${signal}: stopping${result.inMemory ? '' : `, writing the state to ${result.fixture}`}…`)
    await handle.stop()
    this.info('Emulator stopped.')
  }
}
