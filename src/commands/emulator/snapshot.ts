import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { createClient, resolveSigningKey } from '../../encord/credentials.js'
import {
  formatEmulatorSnapshot,
  snapshotProject,
  type EmulatorSnapshotResult,
} from '../../services/emulator-snapshot.js'

export default class EmulatorSnapshot extends BaseCommand<EmulatorSnapshotResult> {
  static override summary = 'Pull an Encord project into a fixture, to replay it on the local emulator.'
  static override description = `Reads the project's workflow, ontology, the tasks of every stage, label rows, and storage items with their client metadata, and writes them as an emulator fixture with your key registered. Media are not downloaded: images and videos get generated stand-ins of the same size. Uses ENCORD_SSH_KEY_FILE / ENCORD_SSH_KEY and ENCORD_DOMAIN like every other command.`

  static override examples = [
    {
      description: 'A whole project',
      command:
        '<%= config.bin %> <%= command.id %> --project-hash 00000000-0000-4000-8000-000000000000 --out my-project.json',
    },
    {
      description: 'The first 500 tasks, then run agents on them locally',
      command:
        '<%= config.bin %> <%= command.id %> --project-hash 00000000-0000-4000-8000-000000000000 --out sample.json --max-tasks 500 && <%= config.bin %> run --local sample.json',
    },
  ]

  static override flags = {
    'project-hash': Flags.string({
      summary: 'The project to pull.',
      required: true,
      env: 'ENCORD_PROJECT_HASH',
      helpValue: 'HASH',
    }),
    out: Flags.string({ char: 'o', summary: 'Fixture file to write.', required: true, helpValue: 'FILE' }),
    'max-tasks': Flags.integer({
      summary: 'Take at most this many tasks (stages in workflow order).',
      min: 1,
      helpValue: 'N',
    }),
    'ssh-key-file': Flags.string({
      summary: 'OpenSSH Ed25519 private key file (default: ENCORD_SSH_KEY_FILE, or ENCORD_SSH_KEY).',
      helpValue: 'FILE',
    }),
    domain: Flags.string({ summary: "Encord API origin (default: Encord's).", env: 'ENCORD_DOMAIN', helpValue: 'URL' }),
    force: Flags.boolean({ summary: 'Replace --out if it exists.', default: false }),
  }

  async run(): Promise<EmulatorSnapshotResult> {
    const { flags } = await this.parse(EmulatorSnapshot)
    const key = resolveSigningKey({ sshKeyFile: flags['ssh-key-file'], onWarning: (m) => this.warnUser(m) })
    const client = createClient({ key, domain: flags.domain })
    try {
      const result = await snapshotProject({
        client,
        projectHash: flags['project-hash'],
        out: flags.out,
        maxTasks: flags['max-tasks'],
        publicKeyHex: key.publicKeyHex,
        force: flags.force,
        onProgress: (m) => this.info(m),
      })
      if (!this.jsonEnabled()) process.stdout.write(formatEmulatorSnapshot(result) + '\n')
      return result
    } finally {
      await client.close()
    }
  }
}
