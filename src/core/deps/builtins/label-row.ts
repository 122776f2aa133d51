import pLimit from 'p-limit'
import type { EncordApi, LabelRowMetadata, Project } from '../../../encord/types.js'
import type { LabelRowDefaults } from '../../../labels/label-options.js'
import { LabelRow } from '../../../labels/label-row.js'
import { Ontology } from '../../../labels/ontology.js'
import { defineDependency, makeFactory } from '../dependency.js'
import type { BatchContext, BatchValues, Dependency, DependencyFactory, TaskEffect } from '../types.js'
import type { Untyped } from '../../../labels/typed.js'
import { loadLabelRows, type LabelRowFetchOptions, type LoadedLabelRow } from './label-rows.js'
import { batchMetadata, indexByDataHash, listMetadata } from './metadata.js'
import { registerLabelRowOrigin, registerUncreatedLabelRow } from './origins.js'

/** Options of `labelRow()`. */
export interface LabelRowDepOptions extends LabelRowFetchOptions {
  /** Include the storage item's client metadata in `row.clientMetadata`. @default false */
  includeClientMetadata?: boolean
  /** The label branch. @default the task's branch (`main`) */
  branchName?: string
  /** Defaults for labels the handler writes (createdBy, confidence, manualAnnotation). */
  defaults?: LabelRowDefaults
}

/** The project's ontology, parsed once per run. */
function ontologyOf(project: Project, runCache: Map<string, unknown>): Ontology {
  const key = `ontology:${project.projectHash}`
  let ontology = runCache.get(key) as Ontology | undefined
  if (ontology === undefined) {
    ontology = Ontology.from(project.ontology)
    runCache.set(key, ontology)
  }
  return ontology
}

/**
 * A LabelRow for one task attempt, shared by every dependency of the attempt that asks for the same
 * row, whose changes become effects: labels saved (once, only if changed) and a priority set with the
 * task's decision.
 */
function taskLabelRow(
  loaded: LoadedLabelRow,
  projectHash: string,
  ontology: Ontology,
  defaults: LabelRowDefaults | undefined,
  ctx: { taskCache: Map<string, unknown>; onCommit: (collect: () => TaskEffect[] | undefined) => void },
): LabelRow {
  const { metadata, dict } = loaded
  const key = `labelRow:${projectHash}:${metadata.labelHash ?? `${metadata.branchName}:${metadata.dataHash}`}`
  const cached = ctx.taskCache.get(key) as LabelRow | undefined
  if (cached !== undefined) return cached
  // A fresh object per attempt: edits made by a failed attempt are never saved by a retry.
  const row = new LabelRow(dict, { ontology, metadata, defaults })
  ctx.taskCache.set(key, row)
  if (metadata.labelHash !== null) registerLabelRowOrigin(row, projectHash, metadata.labelHash)
  else registerUncreatedLabelRow(row)
  ctx.onCommit(() => {
    const effects: TaskEffect[] = []
    const labelHash = row.labelHash ?? metadata.labelHash
    if (row.hasLabelChanges && labelHash !== null)
      effects.push({ kind: 'saveLabelRow', projectHash, labelHash, labelRow: row.toDict() })
    // No label hash: a dry run's uncreated row. Its summary still says a real run would save it.
    else if (row.hasLabelChanges)
      effects.push({
        kind: 'wouldSaveLabelRow',
        projectHash,
        dataHash: metadata.dataHash,
        branchName: metadata.branchName,
      })
    if (row.hasPriorityChange && row.priority !== null)
      effects.push({ kind: 'setPriority', projectHash, dataHash: row.dataHash, priority: row.priority })
    return effects
  })
  return row
}

/**
 * The task's label row, loaded for the whole batch: ONE label row metadata request, then the rows in
 * bundles (existing ones with one `labelrow` GET, missing ones created with one PUT). Changes the
 * handler makes are saved with the task's decision, once, only if the row changed, before the task
 * is moved. In a dry run missing rows are not created (an empty row is given) and nothing is saved.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { row: labelRow() }, handler: ({ deps }) => {
 *   deps.row.addBoundingBox('Box', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
 *   return 'complete'
 * } })
 * ```
 */
// Annotated so the declaration keeps `LabelRow` (typed from the generated file of a typed project,
// issue 18) instead of the default it resolves to here.
export const labelRow: ((options?: LabelRowDepOptions) => Dependency<LabelRow, unknown>) & DependencyFactory<LabelRow> =
  makeFactory<LabelRowDepOptions, LabelRow>('labelRow', (options = {}) => {
    const { includeClientMetadata, branchName, defaults, ...fetch } = options
    return defineDependency<LabelRow, {}, LoadedLabelRow>({
      name: 'labelRow()',
      labelRowMetadata: { includeClientMetadata },
      resolveMany: async (ctx) => {
        const metadata = await batchMetadata(ctx, branchName)
        return (await loadLabelRows(ctx, ctx.project.projectHash, metadata, fetch)) as BatchValues<LoadedLabelRow>
      },
      resolve: ({ batch, project, runCache, taskCache, onCommit }) =>
        taskLabelRow(batch, project.projectHash, ontologyOf(project, runCache), defaults, {
          taskCache,
          onCommit: onCommit,
        }),
    })
  })

/** Options of `twinLabelRow()`. */
export interface TwinLabelRowOptions extends LabelRowFetchOptions {
  /** The other project. */
  twinProjectHash: string
  /**
   * How a task finds its twin: the same data unit (`dataHash`, projects sharing a dataset), or a data
   * unit with the same title (`dataTitle`, one metadata request per distinct title of the batch).
   * @default 'dataHash'
   */
  matchBy?: 'dataHash' | 'dataTitle'
  /** The twin's label branch. @default 'main' */
  branchName?: string
  /** Include client metadata in the twin's metadata. @default false */
  includeClientMetadata?: boolean
  /** Fail the task when it has no twin (instead of giving `null`). @default false */
  required?: boolean
  /** Defaults for labels the handler writes into the twin. */
  defaults?: LabelRowDefaults
}

/** The matching label row in the twin project. */
export interface TwinLabelRow {
  /**
   * Saved (to the twin project) with the task's decision if the handler changes it. Another project's
   * ontology, so its titles are not typed by the generated file (issue 18).
   */
  labelRow: LabelRow<Untyped>
  metadata: LabelRowMetadata
  /** The twin project (with its ontology and workflow). */
  project: Project
}

/** The twin project, fetched once per run. */
function twinProject(client: EncordApi, hash: string, runCache: Map<string, unknown>): Promise<Project> {
  const key = `project:${hash}`
  let promise = runCache.get(key) as Promise<Project> | undefined
  if (promise === undefined) {
    promise = client.getProject(hash)
    runCache.set(key, promise)
    promise.catch(() => runCache.delete(key))
  }
  return promise
}

/** The twin metadata rows of the batch only: by data hashes (one request) or by titles (one per title). */
async function twinMetadata(ctx: BatchContext, options: TwinLabelRowOptions): Promise<Array<LabelRowMetadata | null>> {
  const branch = options.branchName ?? 'main'
  const base = { includeClientMetadata: options.includeClientMetadata, branchName: branch }
  if ((options.matchBy ?? 'dataHash') === 'dataHash') {
    const dataHashes = [...new Set(ctx.tasks.map((t) => t.dataHash))]
    const rows = indexByDataHash(
      await listMetadata(ctx.client, options.twinProjectHash, { ...base, dataHashes }),
      branch,
    )
    return ctx.tasks.map((t) => rows.get(t.dataHash) ?? null)
  }
  // The API filters by one exact title per request; ask only for the titles of this batch.
  const titles = [...new Set(ctx.tasks.map((t) => t.dataTitle))]
  const limit = pLimit(4)
  const byTitle = new Map<string, LabelRowMetadata>()
  await Promise.all(
    titles.map((title) =>
      limit(async () => {
        const rows = await listMetadata(ctx.client, options.twinProjectHash, { ...base, dataTitleEq: title })
        const match =
          rows.find((r) => r.dataTitle === title && r.branchName === branch) ?? rows.find((r) => r.dataTitle === title)
        if (match !== undefined) byTitle.set(title, match)
      }),
    ),
  )
  return ctx.tasks.map((t) => byTitle.get(t.dataTitle) ?? null)
}

/**
 * The label row of the same data (by data hash or title) in another project, loaded for the batch
 * only (never the whole twin project). `null` when the task has no twin (unless `required`). Changes
 * to it are saved to the twin project with the task's decision.
 *
 * @example
 * ```ts
 * defineAgent({ deps: { twin: twinLabelRow({ twinProjectHash: '…' }) }, handler: ({ deps }) =>
 *   deps.twin && deps.twin.labelRow.objects().length > 0 ? 'has labels' : 'empty' })
 * ```
 */
export const twinLabelRow = makeFactory<TwinLabelRowOptions, TwinLabelRow | null>('twinLabelRow', (options) => {
  if (options === undefined || typeof options.twinProjectHash !== 'string' || options.twinProjectHash === '') {
    throw new TypeError('twinLabelRow({ twinProjectHash }) needs the twin project hash.')
  }
  const { twinProjectHash, matchBy, branchName, includeClientMetadata, required, defaults, ...fetch } = options
  void matchBy
  void branchName
  void includeClientMetadata
  return defineDependency<TwinLabelRow | null, {}, (LoadedLabelRow & { project: Project }) | null>({
    name: `twinLabelRow(${twinProjectHash})`,
    validate: async ({ client }) => {
      try {
        await client.getProject(twinProjectHash)
        return []
      } catch (error) {
        return [`the twin project ${twinProjectHash} cannot be read with this key: ${(error as Error).message}`]
      }
    },
    resolveMany: async (ctx) => {
      const project = await twinProject(ctx.client, twinProjectHash, ctx.runCache)
      const metadata = await twinMetadata(ctx, options)
      const loaded = await loadLabelRows(ctx, twinProjectHash, metadata, fetch)
      return loaded.map((item, index) => {
        if (item instanceof Error) return item
        if (item === null) {
          const task = ctx.tasks[index]
          return required === true
            ? new Error(
                `"${task.dataTitle}" has no twin in project "${project.title}" (matched by ${options.matchBy ?? 'dataHash'}).`,
              )
            : null
        }
        return { ...item, project }
      })
    },
    resolve: ({ batch, runCache, taskCache, onCommit }) => {
      if (batch === null) return null
      const row = taskLabelRow(batch, twinProjectHash, ontologyOf(batch.project, runCache), defaults, {
        taskCache,
        onCommit: onCommit,
      })
      return { labelRow: row, metadata: batch.metadata, project: batch.project }
    },
  })
})
