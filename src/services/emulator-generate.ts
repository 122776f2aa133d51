import { fail } from '../shared/error-catalogue/index.js'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { GeneratedDataType } from '../emulator/data-types.js'
import { generateFixture } from '../emulator/generate.js'
import { writeFixtureFile } from '../emulator/fixture-write.js'
import { generateWorkspace } from '../emulator/workspace-generate.js'
import type { Fixture } from '../emulator/fixture.js'

/** Options of {@link generateFixtureFile}. */
export interface EmulatorGenerateOptions {
  out: string
  /** Tasks (and data units); with `workspace`, images in the images dataset (default 20). */
  tasks?: number
  /**
   * A whole workspace instead of one project: an ontology, a "one of each" dataset (every data type), a
   * dataset of `tasks` images, an "agent → complete" workflow template and an example project. Not with
   * `stages`, `dataType`, `projectHash` or `twin`.
   */
  workspace?: boolean
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
  /** With `--workspace`: what projects can be created from (`createProject`); null otherwise. */
  workspace: {
    ontologyHash: string
    datasets: Array<{ datasetHash: string; title: string; dataUnits: number }>
    workflowTemplates: Array<{ templateHash: string; title: string }>
  } | null
}

/** Generate a synthetic fixture and write it (atomically) to `out`. */
export async function generateFixtureFile(options: EmulatorGenerateOptions): Promise<EmulatorGenerateResult> {
  const out = resolve(options.cwd ?? process.cwd(), options.out)
  if (existsSync(out) && !options.force) {
    throw fail('FileExists', { out: options.out })
  }
  if (!existsSync(dirname(out))) throw fail('DirectoryMissing', { out: options.out })
  for (const key of options.publicKeys ?? []) {
    if (!/^[0-9a-fA-F]{64}$/.test(key)) throw fail('BadPublicKey', { key })
  }
  const users = (options.publicKeys ?? []).map((publicKeyHex, i) => ({
    email: i === 0 ? 'you@localhost' : `user${i + 1}@localhost`,
    publicKeyHex,
  }))
  if (options.workspace) return writeWorkspace(out, options, users)
  if (options.tasks === undefined) throw fail('MissingTasks')
  const fixture = generateFixture({
    tasks: options.tasks,
    stages: options.stages,
    dataType: options.dataType,
    seed: options.seed,
    projectHash: options.projectHash,
    twin: options.twin,
    users,
  })
  const bytes = await writeFixtureFile(out, fixture)
  const [main, twin] = fixture.projects
  return { ...projectSummary(main, out, bytes), twinProjectHash: twin?.projectHash ?? null, workspace: null }
}

/** What `--json` says of the generated file's (first) project. */
function projectSummary(
  main: Fixture['projects'][number],
  out: string,
  bytes: number,
): Omit<EmulatorGenerateResult, 'twinProjectHash' | 'workspace'> {
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
    labelRows: main.labelRows.length,
    bytes,
  }
}

async function writeWorkspace(
  out: string,
  options: EmulatorGenerateOptions,
  users: Array<{ email: string; publicKeyHex: string }>,
): Promise<EmulatorGenerateResult> {
  const notWith = Object.entries({
    '--stages': options.stages !== undefined && options.stages.length > 0,
    '--data-type': options.dataType !== undefined,
    '--project-hash': options.projectHash !== undefined,
    '--twin': options.twin === true,
  })
    .filter(([, given]) => given)
    .map(([flag]) => flag)
  if (notWith.length > 0) throw fail('WorkspaceFlags', { flags: notWith })
  const fixture = generateWorkspace({ images: options.tasks ?? 20, seed: options.seed, users })
  const bytes = await writeFixtureFile(out, fixture, { lines: true })
  return {
    ...projectSummary(fixture.projects[0], out, bytes),
    twinProjectHash: null,
    workspace: {
      ontologyHash: fixture.ontologies[0].ontologyHash,
      datasets: fixture.datasets.map((d) => ({
        datasetHash: d.datasetHash,
        title: d.title,
        dataUnits: new Set(
          [...d.dataUnits, ...fixture.projects.flatMap((p) => p.dataUnits)]
            .filter((u) => u.datasetHash === d.datasetHash)
            .map((u) => u.dataHash),
        ).size,
      })),
      workflowTemplates: fixture.workflowTemplates.map((t) => ({ templateHash: t.templateHash, title: t.title })),
    },
  }
}

/**
 * Human output of `emulator generate`. `configFile` is the config found from the working directory:
 * without one, `run --local` has no agents to run, so the next steps start with `init`.
 */
export function formatEmulatorGenerate(result: EmulatorGenerateResult, configFile?: string): string {
  const agents = result.stages.filter((s) => s.stageType === 'AGENT')
  const lines = [`Wrote ${result.out} (${(result.bytes / 1024).toFixed(0)} KiB)`]
  if (result.workspace !== null) {
    const ws = result.workspace
    lines.push(`Ontology ${ws.ontologyHash}`)
    for (const d of ws.datasets) lines.push(`Dataset ${d.datasetHash} "${d.title}": ${d.dataUnits} data units`)
    for (const t of ws.workflowTemplates) lines.push(`Workflow template ${t.templateHash} "${t.title}"`)
    lines.push(`Example project ${result.projectHash}: ${result.tasks} tasks in "${agents[0]?.title ?? '?'}"`)
  } else
    lines.push(
      `Project ${result.projectHash}: ${result.tasks} tasks in "${agents[0]?.title ?? '?'}", ${result.labelRows} label rows`,
    )
  for (const s of agents)
    lines.push(`  agent stage "${s.title}" (${s.uuid}): pathways ${s.pathways.map((p) => `"${p.title}"`).join(', ')}`)
  if (result.twinProjectHash) lines.push(`Twin project ${result.twinProjectHash}`)
  const run = `encord-agents run --local ${result.out} --project-hash ${result.projectHash}`
  if (result.workspace !== null)
    lines.push(
      '',
      'Next:',
      `  encord-agents emulator start ${result.out} --allow-any-key    the whole account: any key may create projects from the template`,
    )
  else lines.push('', 'Next:', `  encord-agents emulator start ${result.out}    serve it, with its dashboard`)
  lines.push(`  encord-agents list-stages --local ${result.out}`)
  if (configFile === undefined)
    lines.push('  encord-agents init    no config here yet: a config and an agent for "Agent 1"')
  lines.push(`  ${run}`)
  return lines.join('\n')
}
