import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { UserError } from '../shared/errors.js'
import type { GeneratedDataType } from '../emulator/data-types.js'
import { generateFixture } from '../emulator/generate.js'
import { writeFixtureFile } from '../emulator/fixture-write.js'

/** Options of {@link generateFixtureFile}. */
export interface EmulatorGenerateOptions {
  out: string
  tasks: number
  /** Agent stage titles in order. @default ["Agent 1"] */
  stages?: string[]
  /** One kind for every data unit, or `mixed` (one of each in turn). @default "image" */
  dataType?: GeneratedDataType | 'mixed'
  /** @default 1 */
  seed?: string | number
  projectHash?: string
  /** Add a twin project over the same data. */
  twin?: boolean
  /** Public keys (64 hex) to register as fixture users. */
  publicKeys?: string[]
  /** Replace an existing file. @default false */
  force?: boolean
  cwd?: string
}

/** `emulator generate --json`. */
export interface EmulatorGenerateResult {
  projectHash: string
  /** Every stage of the workflow, in order (START included: it is where tasks enter). */
  stages: Array<{
    uuid: string
    title: string
    stageType: string
    pathways: Array<{ uuid: string; title: string; destinationUuid: string }>
  }>
  tasks: number
  out: string
  twinProjectHash: string | null
  labelRows: number
  bytes: number
}

/** Generate a synthetic fixture and write it (atomically) to `out`. */
export async function generateFixtureFile(options: EmulatorGenerateOptions): Promise<EmulatorGenerateResult> {
  const out = resolve(options.cwd ?? process.cwd(), options.out)
  if (existsSync(out) && !options.force) {
    throw new UserError('FileExists', `${options.out} already exists.`, {
      hint: 'Choose another --out, or pass --force to replace it.',
    })
  }
  if (!existsSync(dirname(out)))
    throw new UserError('DirectoryMissing', `The directory of ${options.out} does not exist.`)
  for (const key of options.publicKeys ?? []) {
    if (!/^[0-9a-fA-F]{64}$/.test(key))
      throw new UserError('BadPublicKey', `"${key}" is not a public key hex (64 hex characters).`, {
        hint: 'Your key id is shown by `encord-agents init` and in Encord under Settings → Public keys.',
      })
  }
  const fixture = generateFixture({
    tasks: options.tasks,
    stages: options.stages,
    dataType: options.dataType,
    seed: options.seed,
    projectHash: options.projectHash,
    twin: options.twin,
    users: (options.publicKeys ?? []).map((publicKeyHex, i) => ({
      email: i === 0 ? 'you@localhost' : `user${i + 1}@localhost`,
      publicKeyHex,
    })),
  })
  const bytes = await writeFixtureFile(out, fixture)
  const [main, twin] = fixture.projects
  return {
    projectHash: main.projectHash,
    stages: main.workflow.stages.map((s) => ({
      uuid: s.uuid,
      title: s.title,
      stageType: s.stageType,
      pathways: s.pathways,
    })),
    tasks: main.tasks.length,
    out,
    twinProjectHash: twin?.projectHash ?? null,
    labelRows: main.labelRows.length,
    bytes,
  }
}

/**
 * Human output of `emulator generate`. `configFile` is the config found from the working directory:
 * without one, `run --local` has no agents to run, so the next steps start with `init`.
 */
export function formatEmulatorGenerate(result: EmulatorGenerateResult, configFile?: string): string {
  const agents = result.stages.filter((s) => s.stageType === 'AGENT')
  const lines = [
    `Wrote ${result.out} (${(result.bytes / 1024).toFixed(0)} KiB)`,
    `Project ${result.projectHash}: ${result.tasks} tasks in "${agents[0]?.title ?? '?'}", ${result.labelRows} label rows`,
  ]
  for (const s of agents)
    lines.push(`  agent stage "${s.title}" (${s.uuid}): pathways ${s.pathways.map((p) => `"${p.title}"`).join(', ')}`)
  if (result.twinProjectHash) lines.push(`Twin project ${result.twinProjectHash}`)
  const run = `encord-agents run --local ${result.out} --project-hash ${result.projectHash}`
  lines.push('', 'Next:', `  encord-agents emulator start ${result.out}    serve it, with its dashboard`)
  lines.push(`  encord-agents list-stages --local ${result.out}`)
  if (configFile === undefined)
    lines.push('  encord-agents init    no config here yet: a config and an agent for "Agent 1"')
  lines.push(`  ${run}`)
  return lines.join('\n')
}
