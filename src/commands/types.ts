import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { projectFlags, sessionFlags } from '../cli/flags.js'
import { openSession } from '../services/session.js'
import { generateTypes, typesFilePath, TYPES_FILE, type TypesResult } from '../services/types.js'

export default class Types extends BaseCommand<TypesResult> {
  static override summary = "Write the project's workflow and ontology as types, so the compiler checks your agents."
  static override description = `Reads the project of the config (Encord or the local emulator) and writes ${TYPES_FILE} next to the config: agent stages with their pathways, objects with their shapes, attributes and option labels, classifications. defineAgent({ stage }) and label rows then accept only what the project has. validate and run say when the file is stale (the file next to the config and every file --out wrote for the project under the config's directory: its header names the project).

Exit codes: 0 written, 2 a config problem, 3 authentication or connection failure, 10 a bug in encord-agents.`

  static override examples = [
    { description: 'Types for the project in the config', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Elsewhere, as JSON',
      command: '<%= config.bin %> <%= command.id %> --out src/project.gen.d.ts --json',
    },
  ]

  static override flags = {
    ...projectFlags,
    out: Flags.string({ description: `File to write (relative to the config). Default: ${TYPES_FILE}.` }),
  }

  async run(): Promise<TypesResult> {
    const { flags } = await this.parse(Types)
    const session = await openSession({
      requireConfig: true,
      ...sessionFlags(flags),
      onWarning: (m) => this.warnUser(m),
    })
    try {
      const result = await generateTypes({
        client: session.client,
        projectHash: session.projectHash,
        file: typesFilePath(session.loaded?.filepath, flags.out),
        generator: `${this.config.name} ${this.config.version} types`,
      })
      if (!this.jsonEnabled()) {
        process.stdout.write(
          `Wrote ${result.file}: ${result.stages} agent stage(s), ${result.objects} object(s), ${result.classifications} classification(s).\n`,
        )
      }
      return result
    } finally {
      await session.close()
    }
  }
}
