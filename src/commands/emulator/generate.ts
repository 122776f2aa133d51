import { findConfigFile } from '../../core/config/load.js'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { GENERATED_DATA_TYPES, type GeneratedDataType } from '../../emulator/data-types.js'
import {
  formatEmulatorGenerate,
  generateFixtureFile,
  type EmulatorGenerateResult,
} from '../../services/emulator-generate.js'

export default class EmulatorGenerate extends BaseCommand<EmulatorGenerateResult> {
  static override summary = 'Make a synthetic project (or whole workspace) fixture of any size for the local emulator.'
  static override description = `Writes a fixture with an ontology, a workflow (Start → agent stages → Review 1 / Complete; each agent stage has a "complete" pathway to the next stage and a "needs review" pathway), one task per data unit in the first agent stage, label rows for about 30% of them, storage items with client metadata and small generated media. The same --seed always gives the same file.

With --workspace it writes a whole account of the kind Encord's own encord-agents test suite assumes instead: an all-purpose ontology, a "one of each" dataset (image, image group, image sequence, PDF, audio, text, data group, video), a dataset of --tasks small images (default 20), an "agent → complete" workflow template and an example project; projects are then created from the template through the API (Encord's SDK create_project, or client.workspace.createProject).`

  static override examples = [
    {
      description: '100 image tasks in one agent stage',
      command: '<%= config.bin %> <%= command.id %> --out fixture.json --tasks 100',
    },
    {
      description: 'Two chained agent stages, video, your key registered',
      command:
        '<%= config.bin %> <%= command.id %> --out video.json --tasks 20 --stages Pre-label,QA --data-type video --public-key <64-hex public key>',
    },
    {
      description:
        'One task of every data type (image, video, image group, image sequence, PDF, audio, text, data group)',
      command: '<%= config.bin %> <%= command.id %> --out every-kind.json --tasks 8 --data-type mixed',
    },
    {
      description:
        'A whole workspace: ontology, a "one of each" dataset, 50 images, an "agent → complete" template; serve it to any key',
      command:
        '<%= config.bin %> <%= command.id %> --out workspace.json --workspace --tasks 50 && <%= config.bin %> emulator start workspace.json --allow-any-key',
    },
    {
      description: 'A big project for a benchmark, as JSON',
      command: '<%= config.bin %> <%= command.id %> --out big.json --tasks 100000 --seed 7 --json',
    },
  ]

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'File to write.', required: true, helpValue: 'FILE' }),
    tasks: Flags.integer({
      char: 'n',
      summary: 'Number of tasks (and data units); with --workspace, of images in its images dataset (default 20).',
      min: 0,
      helpValue: 'N',
    }),
    workspace: Flags.boolean({
      summary: 'Write a whole workspace (ontology, datasets of every data type, a workflow template), not one project.',
      default: false,
    }),
    stages: Flags.string({
      summary: 'Agent stage titles, comma-separated, in workflow order (default "Agent 1").',
      helpValue: 'A,B',
    }),
    'data-type': Flags.string({
      summary: 'Kind of data units: one kind, or "mixed" for one of each in turn (default "image").',
      description:
        'Every kind comes with real media that decodes (PNG images; H.264 MP4 videos; image groups and image sequences of PNG frames, a sequence also as MP4; PDFs; MP3 audio; plain text; data groups of audio and text).',
      options: [...GENERATED_DATA_TYPES, 'mixed'],
      helpValue: 'KIND',
    }),
    seed: Flags.string({ summary: 'Seed: the same seed makes the same fixture.', default: '1', helpValue: 'S' }),
    'project-hash': Flags.string({ summary: 'Project hash to use (default: drawn from the seed).', helpValue: 'HASH' }),
    twin: Flags.boolean({
      summary: 'Add a twin project over the same data units (annotation stage, a label row each).',
      default: false,
    }),
    'public-key': Flags.string({
      summary: 'Public key hex (64 hex) to register as a user; repeatable.',
      multiple: true,
      helpValue: 'HEX',
    }),
    force: Flags.boolean({ summary: 'Replace --out if it exists.', default: false }),
  }

  async run(): Promise<EmulatorGenerateResult> {
    const { flags } = await this.parse(EmulatorGenerate)
    const result = await generateFixtureFile({
      out: flags.out,
      tasks: flags.tasks,
      workspace: flags.workspace,
      stages: flags.stages
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      dataType: flags['data-type'] as GeneratedDataType | 'mixed' | undefined,
      seed: flags.seed,
      projectHash: flags['project-hash'],
      twin: flags.twin,
      publicKeys: flags['public-key'],
      force: flags.force,
    })
    if (!this.jsonEnabled()) process.stdout.write(formatEmulatorGenerate(result, findConfigFile(process.cwd())) + '\n')
    return result
  }
}
