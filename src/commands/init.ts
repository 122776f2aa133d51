import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { initProject, TEMPLATES, type InitResult, type TemplateName } from '../services/init.js'
import { formatInitResult } from '../ui/init-output.js'

export default class Init extends BaseCommand<InitResult> {
  static override summary = 'Create a runnable agent project: config, handler, demo fixture and a local key.'
  static override description = `Writes into DIR (default: the current directory) a config, a handler, a demo project fixture for the local Encord emulator, and a fresh Ed25519 key for it (mode 0600, git-ignored, registered in the fixture). Existing files are never overwritten. The result runs at once with \`<%= config.bin %> run\`.

Templates:
${Object.entries(TEMPLATES)
  .map(([name, text]) => `  ${name.padEnd(13)} ${text}`)
  .join('\n')}`

  static override examples = [
    { description: 'A minimal agent in a new folder, then run it', command: '<%= config.bin %> <%= command.id %> my-agent && cd my-agent && <%= config.bin %> run' },
    { description: 'An agent that writes labels', command: '<%= config.bin %> <%= command.id %> labels --template label-writer' },
    { description: 'What was written, as JSON', command: '<%= config.bin %> <%= command.id %> my-agent --json' },
  ]

  static override args = {
    dir: Args.string({ description: 'Directory to create the project in (created if missing).', default: '.' }),
  }

  static override flags = {
    template: Flags.string({
      char: 't',
      summary: 'Which project to start from.',
      options: Object.keys(TEMPLATES),
      default: 'minimal',
    }),
  }

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init)
    const result = initProject({ dir: args.dir, template: flags.template as TemplateName, bin: this.config.bin })
    for (const warning of result.warnings) this.warnUser(warning)
    if (!this.jsonEnabled()) process.stdout.write(formatInitResult(result) + '\n')
    return result
  }
}
