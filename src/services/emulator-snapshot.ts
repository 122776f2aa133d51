import { fail } from '../shared/error-catalogue/index.js'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { KNOWN_STAGE_TYPES, STORAGE_ITEM_FIELDS } from '../encord/models.js'
import type { AgentTask, EncordApi, LabelRowMetadata } from '../encord/types.js'
import { COMMON_FIELDS, FIXTURE_FORMAT, type FixtureInput, type FixtureStorageItem } from '../emulator/fixture.js'
import { parseFixture } from '../emulator/fixture-load.js'
import { writeFixtureFile } from '../emulator/fixture-write.js'
import { parseTimestamp } from '../emulator/time.js'
import { pick } from '../shared/records.js'
import { terminalText } from '../ui/terminal-text.js'

/** Options of {@link snapshotProject}. */
export interface EmulatorSnapshotOptions {
  /** The client to read the project with (real Encord, or another emulator). */
  client: EncordApi
  projectHash: string
  out: string
  /** Take at most this many tasks (stages in workflow order). @default all */
  maxTasks?: number
  /** Register this public key as the fixture's user, so the same key works against the snapshot. */
  publicKeyHex?: string
  /** Replace an existing file. @default false */
  force?: boolean
  cwd?: string
  /** Progress messages. */
  onProgress?: (message: string) => void
}

/** `emulator snapshot --json`. */
export interface EmulatorSnapshotResult {
  projectHash: string
  title: string
  out: string
  stages: number
  tasks: number
  dataUnits: number
  labelRows: number
  storageItems: number
  /** True when `maxTasks` left tasks out. */
  truncated: boolean
}

/** The stage types a fixture holds, as the client reads them (START is never sent). */
const STAGE_TYPES: ReadonlySet<string> = new Set(KNOWN_STAGE_TYPES)

/** ISO 8601 for any timestamp the API sends (null when absent or unreadable). */
function iso(text: string | null | undefined): string | null {
  if (!text) return null
  const ms = parseTimestamp(text)
  return ms === null ? null : new Date(ms).toISOString()
}

/**
 * Pull a project (workflow, ontology, tasks of every stage, label rows, storage items with their
 * client metadata) into an emulator fixture, so it can be replayed locally. Media are not downloaded:
 * images and videos get generated stand-ins of the same size.
 */
export async function snapshotProject(options: EmulatorSnapshotOptions): Promise<EmulatorSnapshotResult> {
  const out = resolve(options.cwd ?? process.cwd(), options.out)
  if (existsSync(out) && !options.force) throw fail('FileExists', { out: options.out })
  if (!existsSync(dirname(out))) throw fail('DirectoryMissing', { out: options.out })
  const { client, projectHash } = options
  const progress = options.onProgress ?? (() => {})
  const max = options.maxTasks ?? Number.POSITIVE_INFINITY

  progress(`Reading project ${projectHash}`)
  const project = await client.getProject(projectHash)
  const stages = project.workflow.stages.filter((s) => STAGE_TYPES.has(s.rawType))

  const tasks: AgentTask[] = []
  let truncated = false
  for (const stage of stages) {
    if (tasks.length >= max) {
      truncated = true
      break
    }
    progress(`Listing the tasks of ${terminalText(stage.title)}`)
    for await (const task of client.listTasks(projectHash, stage.uuid)) {
      if (tasks.length >= max) {
        truncated = true
        break
      }
      tasks.push(task)
    }
  }

  progress('Reading label row metadata')
  const dataHashes = [...new Set(tasks.map((t) => t.dataHash))]
  const metadata: LabelRowMetadata[] = truncated
    ? await client.listLabelRowMetadata(projectHash, { dataHashes, includeClientMetadata: true })
    : await client.listLabelRowMetadata(projectHash, { includeClientMetadata: true })

  const labelHashes = metadata.map((m) => m.labelHash).filter((h): h is string => h !== null)
  progress(`Reading ${labelHashes.length} label rows`)
  const rows = labelHashes.length > 0 ? await client.getLabelRows(projectHash, labelHashes) : []

  const itemUuids = [...new Set(metadata.map((m) => m.backingItemUuid).filter((u): u is string => u !== null))]
  progress(`Reading ${itemUuids.length} storage items`)
  const items = itemUuids.length > 0 ? await client.getStorageItems(itemUuids, { signUrls: false }) : []

  const datasets = new Map(metadata.map((m) => [m.datasetHash, m.datasetTitle]))
  const byData = new Map(metadata.map((m) => [m.dataHash, m]))
  const storageItems: FixtureInput['storageItems'] = items.map((item) => ({
    ...pick(item, STORAGE_ITEM_FIELDS.identity),
    clientMetadata: item.clientMetadata,
    mimeType: item.mimeType,
    ...pick(item, STORAGE_ITEM_FIELDS.media),
    createdAt: iso(item.createdAt),
    lastEditedAt: iso(item.lastEditedAt),
    url: item.url,
    owner: typeof item.raw.owner === 'string' ? item.raw.owner : null,
    storageLocation: typeof item.raw.storageLocation === 'string' ? item.raw.storageLocation : 'encord',
    integrationHash: typeof item.raw.integrationHash === 'string' ? item.raw.integrationHash : null,
    ...mediaFor(item.itemType),
  }))

  const fixture: FixtureInput = {
    format: FIXTURE_FORMAT,
    users: options.publicKeyHex ? [{ email: 'you@localhost', publicKeyHex: options.publicKeyHex, projects: '*' }] : [],
    ontologies: [
      {
        ontologyHash: project.ontology.ontologyHash,
        title: project.ontology.title,
        description: project.ontology.description,
        createdAt: iso(project.ontology.createdAt),
        lastEditedAt: iso(project.ontology.lastEditedAt),
        structure: project.ontology.structure,
      },
    ],
    datasets: [...datasets].map(([datasetHash, title]) => ({ datasetHash, title })),
    storageItems,
    projects: [
      {
        ...pick(project, COMMON_FIELDS.project),
        createdAt: iso(project.createdAt),
        lastEditedAt: iso(project.lastEditedAt),
        workflow: {
          stages: stages.map((s) => ({
            uuid: s.uuid,
            title: s.title,
            stageType: s.rawType as 'AGENT',
            pathways: s.pathways.map((p) => ({ uuid: p.uuid, title: p.name, destinationUuid: p.destinationUuid })),
          })),
        },
        dataUnits: [...byData.values()].map((m) => ({
          dataHash: m.dataHash,
          dataTitle: m.dataTitle,
          dataType: m.dataType,
          datasetHash: m.datasetHash,
          backingItemUuid: m.backingItemUuid,
          width: m.width,
          height: m.height,
          numberOfFrames: m.numberOfFrames,
          fps: m.fps,
          duration: m.duration,
          fileType: m.fileType,
          dataLink: m.dataLink,
        })),
        tasks: tasks.map((t) => ({
          ...pick(t, COMMON_FIELDS.task),
          priority: byData.get(t.dataHash)?.priority ?? null,
          createdAt: iso(t.createdAt),
          updatedAt: iso(t.updatedAt),
        })),
        labelRows: rows.map((row) => ({
          labelHash: String(row.label_hash),
          dataHash: String(row.data_hash),
          branchName: typeof row.branch_name === 'string' ? row.branch_name : 'main',
          labelStatus: typeof row.label_status === 'string' ? row.label_status : 'LABEL_IN_PROGRESS',
          createdAt: iso(row.created_at as string | null),
          lastEditedAt: iso(row.last_edited_at as string | null),
          labels: {
            data_units: row.data_units ?? {},
            object_answers: row.object_answers ?? {},
            classification_answers: row.classification_answers ?? {},
            object_actions: row.object_actions ?? {},
            spaces: row.spaces ?? {},
          },
        })),
      },
    ],
  }
  // The snapshot must load: check it as the emulator will.
  const checked = parseFixture(fixture, options.out)
  const total = checked.projects[0].tasks.length
  await writeFixtureFile(out, checked)
  return {
    projectHash: project.projectHash,
    title: project.title,
    out,
    stages: stages.length,
    tasks: total,
    dataUnits: checked.projects[0].dataUnits.length,
    labelRows: checked.projects[0].labelRows.length,
    storageItems: checked.storageItems.length,
    truncated,
  }
}

function mediaFor(itemType: string): Pick<FixtureStorageItem, 'media'> | Record<string, never> {
  if (itemType === 'image') return { media: { generate: 'png' } }
  if (itemType === 'video') return { media: { generate: 'mp4' } }
  return {}
}

/** Human output of `emulator snapshot`. */
export function formatEmulatorSnapshot(result: EmulatorSnapshotResult): string {
  return [
    `Wrote ${result.out}`,
    `Project ${result.projectHash} "${terminalText(result.title)}": ${result.stages} stages, ${result.tasks} tasks${result.truncated ? ' (truncated by --max-tasks)' : ''}, ${result.dataUnits} data units, ${result.labelRows} label rows, ${result.storageItems} storage items`,
    '',
    'Next:',
    `  encord-agents run --local ${result.out}`,
  ].join('\n')
}
