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
  static override summary = 'Make a synthetic project fixture of any size for the local emulator.'
  static override description = `Writes a fixture with an ontology, a workflow (Start → agent stages → Review 1 / Complete; each agent stage has a "complete" pathway to the next stage and a "needs review" pathway), one task per data unit in the first agent stage, label rows for about 30% of them, storage items with client metadata and small generated media. The same --seed always gives the same file.`

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
      description: 'A big project for a benchmark, as JSON',
      command: '<%= config.bin %> <%= command.id %> --out big.json --tasks 100000 --seed 7 --json',
    },
  ]

  static override flags = {
    out: Flags.string({ char: 'o', summary: 'File to write.', required: true, helpValue: 'FILE' }),
    tasks: Flags.integer({
      char: 'n',
      summary: 'Number of tasks (and data units).',
      required: true,
      min: 0,
      helpValue: 'N',
    }),
    stages: Flags.string({
      summary: 'Agent stage titles, comma-separated, in workflow order (default "Agent 1").',
      helpValue: 'A,B',
    }),
    'data-type': Flags.string({
      summary: 'Kind of data units: one kind, or "mixed" for one of each in turn.',
      description:
        'Every kind comes with real media that decodes (PNG images; H.264 MP4 videos; image groups and image sequences of PNG frames, a sequence also as MP4; PDFs; MP3 audio; plain text; data groups of audio and text).',
      options: [...GENERATED_DATA_TYPES, 'mixed'],
      default: 'image',
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
      stages: flags.stages
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      dataType: flags['data-type'] as GeneratedDataType | 'mixed',
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
