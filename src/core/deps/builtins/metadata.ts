import type { AgentTask, EncordApi, LabelRowMetadata, LabelRowMetadataOptions } from '../../../encord/types.js'
import { memoize } from '../resolver.js'
import type { BatchContext, BatchValues, StageLabelRowMetadataOptions } from '../types.js'

/**
 * The label row metadata of a batch, shared by every built-in that needs it (label rows, storage
 * items, priorities): ONE `labelrowmetadata` request per batch (per label branch), with the include
 * flags every dependency of the agent asked for merged, and the data hashes of the batch only.
 */

/** The label branch a task's label row lives on. */
export function branchOf(
  task: AgentTask,
  explicit: string | null | undefined,
  stage: StageLabelRowMetadataOptions,
): string {
  return explicit ?? stage.branchName ?? (task.labelBranchName || 'main')
}

/** Metadata rows of the batch's tasks, one per task (an Error for a task whose data unit has no row). */
export async function batchMetadata(
  ctx: BatchContext,
  branchName?: string | null,
): Promise<BatchValues<LabelRowMetadata>> {
  const groups = new Map<string, number[]>()
  ctx.tasks.forEach((task, index) => {
    const branch = branchOf(task, branchName, ctx.labelRowMetadata)
    const list = groups.get(branch) ?? []
    list.push(index)
    groups.set(branch, list)
  })
  const out: BatchValues<LabelRowMetadata> = new Array(ctx.tasks.length)
  await Promise.all(
    [...groups].map(async ([branch, indexes]) => {
      const rows = await metadataFor(ctx, ctx.project.projectHash, branch, ctx.tasks)
      for (const index of indexes) {
        const task = ctx.tasks[index]
        out[index] = rows.get(task.dataHash) ?? missingRow(task, branch)
      }
    }),
  )
  return out
}

function missingRow(task: AgentTask, branch: string): Error {
  return new Error(
    `No label row was listed for the data unit "${task.dataTitle}" (${task.dataHash}) on branch "${branch}". ` +
      'The data unit may have been removed from the project since the task was listed.',
  )
}

/**
 * One metadata request for the batch on `branch` (memoised per batch: label rows and storage items
 * of the same batch share it). All the batch's data hashes are sent so the request is made once even
 * when only some tasks use that branch.
 */
export function metadataFor(
  ctx: BatchContext,
  projectHash: string,
  branch: string,
  tasks: readonly AgentTask[],
): Promise<Map<string, LabelRowMetadata>> {
  const key = `metadata:${projectHash}:${branch}`
  return memoize(ctx.batchCache, key, async () => {
    const dataHashes = [...new Set(tasks.map((t) => t.dataHash))]
    const rows = await listMetadata(ctx.client, projectHash, {
      ...ctx.labelRowMetadata,
      dataHashes,
      branchName: branch,
    })
    return indexByDataHash(rows, branch)
  })
}

/** `listLabelRowMetadata` with the runner's defaults (workflow node included, `main` sent as no branch). */
export function listMetadata(
  client: EncordApi,
  projectHash: string,
  options: LabelRowMetadataOptions,
): Promise<LabelRowMetadata[]> {
  const { branchName, ...rest } = options
  return client.listLabelRowMetadata(projectHash, {
    includeWorkflowGraphNode: true,
    ...rest,
    ...(branchName && branchName !== 'main' ? { branchName } : {}),
  })
}

/** Rows by data hash; with several rows per data unit (all branches asked), the one on `branch` wins. */
export function indexByDataHash(rows: LabelRowMetadata[], branch: string): Map<string, LabelRowMetadata> {
  const byHash = new Map<string, LabelRowMetadata>()
  for (const row of rows) {
    const existing = byHash.get(row.dataHash)
    if (existing === undefined || (existing.branchName !== branch && row.branchName === branch))
      byHash.set(row.dataHash, row)
  }
  return byHash
}
