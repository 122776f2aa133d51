import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { createAgentProject, listTemplates, type InitResult } from '../services/init.js'
import { formatInitResult, formatInstallStart } from '../ui/init-output.js'

export default class Init extends BaseCommand<InitResult> {
  static override summary =
    'Create a runnable TypeScript agent project: config, handler, its test, demo fixture, package.json, tsconfig.json and a local key.'
  static override description = `Writes into DIR (default: the current directory) a config, a handler and its vitest test, a demo project fixture for the local Encord emulator, a package.json (scripts agent:run, agent:validate, test) and a strict tsconfig.json, and a fresh Ed25519 key for the emulator (mode 0600, git-ignored, registered in the fixture); then installs the dependencies with the package manager you ran init with (npm, pnpm, yarn or bun), unless --no-install. Existing files are never overwritten; a directory holding a project of another template is refused. The result runs at once with \`npm run agent:run\`, and \`npm test\` tests it.

Templates:
${listTemplates()
  .map((t) => `  ${t.name.padEnd(13)} ${t.description}`)
  .join('\n')}`

  static override examples = [
    {
      description: 'A minimal agent in a new folder, then run it',
      command: '<%= config.bin %> <%= command.id %> my-agent && cd my-agent && <%= config.bin %> run',
    },
    {
      description: 'An agent that writes labels',
      command: '<%= config.bin %> <%= command.id %> labels --template label-writer',
    },
    {
      description: 'A vision agent: a detector on the decoded image writes boxes',
      command: '<%= config.bin %> <%= command.id %> cars --template vision',
    },
    {
      description: 'Write the files only; install later',
      command: '<%= config.bin %> <%= command.id %> my-agent --no-install',
    },
    { description: 'What was written, as JSON', command: '<%= config.bin %> <%= command.id %> my-agent --json' },
  ]

  static override args = {
    dir: Args.string({ description: 'Directory to create the project in (created if missing).', default: '.' }),
  }

  static override flags = {
    template: Flags.string({
      char: 't',
      summary: 'Which project to start from.',
      options: listTemplates().map((t) => t.name),
      default: listTemplates()[0]?.name,
    }),
    install: Flags.boolean({
      summary: 'Install the dependencies after writing the files (--no-install skips it).',
      description:
        'Installs with the package manager init was run with (npm_config_user_agent: npm, pnpm, yarn or bun; npm otherwise), and says how long it took. A failed install is a warning: the project is written.',
      default: true,
      allowNo: true,
    }),
  }

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init)
    const human = !this.jsonEnabled()
    const result = await createAgentProject({
      dir: args.dir,
      template: flags.template,
      bin: this.config.bin,
      install: flags.install,
      // The package manager's own output, as it comes, for a person; nothing of it under --json.
      onInstallStart: (command) => human && process.stderr.write(formatInstallStart(command) + '\n'),
      onInstallOutput: (chunk) => human && process.stderr.write(chunk),
    })
    for (const warning of result.warnings) this.warnUser(warning)
    if (human) process.stdout.write(formatInitResult(result) + '\n')
    return result
  }
}
