import { chunk } from '../shared/arrays.js'
import { seg, v2Call, type ApiChannel } from './api-channel.js'
import {
  EncordInvalidArgumentsError,
  EncordNetworkError,
  EncordServerError,
  isEncordApiError,
  type EncordCall,
} from './errors.js'
import type { AgentTask, ProceedAction, ProceedResult, TaskFilters } from './types.js'

/**
 * Moving tasks along pathways (`EncordClient.proceedTasks`), exactly once: bundles, the split of a
 * bundle Encord finds too large, stale tasks, and ambiguous failures resolved by listing the stage.
 * Split from client.ts; the client passes what it needs.
 */
export interface ProceedContext {
  api: ApiChannel
  /** Actions per request (`bundles.proceed`). */
  bundleSize: number
  listTasks(projectHash: string, stageUuid: string, filters: TaskFilters): AsyncIterable<AgentTask>
}

/**
 * Proceed tasks of one stage along pathways, in bundles of `bundles.proceed` actions.
 *
 * Exactness:
 * - After an ambiguous failure (the connection dropped or timed out after the request was sent, or a
 *   5xx), the bundle is not resent blindly: the stage is listed for the bundle's data hashes and only
 *   the tasks still there are resent; tasks gone count as proceeded (our request moved them).
 * - When Encord rejects a bundle (HTTP 400) because some tasks are no longer in the stage (moved
 *   elsewhere, deleted), those are reported in `stale` and the rest are proceeded. A 400 with every
 *   task still in the stage (e.g. an unknown pathway) is an error.
 * - A bundle refused as too large (413) is split in halves.
 *
 * If the call still fails, the thrown error's `data` holds `proceeded`, `stale` and `notProceeded`.
 */
export async function proceedTasks(
  ctx: ProceedContext,
  projectHash: string,
  stageUuid: string,
  actions: ProceedAction[],
): Promise<ProceedResult> {
  const result: ProceedResult = { proceeded: [], stale: [] }
  const deduped = dedupeActions(
    actions,
    v2Call('proceed', 'POST', `projects/${projectHash}/workflow/stages/${stageUuid}/actions`),
  )
  const done = new Set<string>()
  try {
    for (const bundle of chunk(deduped, ctx.bundleSize)) {
      await proceedBundle(ctx, projectHash, stageUuid, bundle, result)
      for (const a of bundle) done.add(a.taskUuid)
    }
  } catch (error) {
    if (isEncordApiError(error) && error.data) {
      const settled = new Set([...result.proceeded, ...result.stale.map((s) => s.taskUuid)])
      Object.assign(error.data, {
        proceeded: [...result.proceeded],
        stale: [...result.stale],
        notProceeded: deduped.filter((a) => !settled.has(a.taskUuid)).map((a) => a.taskUuid),
      })
    }
    throw error
  }
  return result
}

async function proceedBundle(
  ctx: ProceedContext,
  projectHash: string,
  stageUuid: string,
  bundle: ProceedAction[],
  result: ProceedResult,
): Promise<void> {
  let pending = bundle
  let ambiguousFailures = 0
  while (pending.length > 0) {
    try {
      await postActions(ctx, projectHash, stageUuid, pending)
      result.proceeded.push(...pending.map((a) => a.taskUuid))
      return
    } catch (error) {
      if (error instanceof EncordInvalidArgumentsError && error.httpStatus === 413 && pending.length > 1) {
        const half = Math.ceil(pending.length / 2)
        await proceedBundle(ctx, projectHash, stageUuid, pending.slice(0, half), result)
        await proceedBundle(ctx, projectHash, stageUuid, pending.slice(half), result)
        return
      }
      if (error instanceof EncordInvalidArgumentsError && error.httpStatus === 400) {
        // Encord rejects the whole bundle when one task is not in the stage: find which.
        const present = await tasksInStage(ctx, projectHash, stageUuid, pending)
        const stale = pending.filter((a) => !present.has(a.taskUuid))
        if (stale.length === 0) throw error
        const reason = `not in stage ${stageUuid} any more (moved or deleted)${error.serverMessage ? `; Encord said: ${error.serverMessage}` : ''}`
        result.stale.push(...stale.map((a) => ({ taskUuid: a.taskUuid, reason })))
        pending = pending.filter((a) => present.has(a.taskUuid))
        continue
      }
      if (isAmbiguous(error)) {
        ambiguousFailures++
        if (ambiguousFailures > ctx.api.transport.policy.retries) throw error
        await ctx.api.transport.backoff(ambiguousFailures)
        // The request may have been applied: only tasks still in the stage need sending again.
        const present = await tasksInStage(ctx, projectHash, stageUuid, pending)
        result.proceeded.push(...pending.filter((a) => !present.has(a.taskUuid)).map((a) => a.taskUuid))
        pending = pending.filter((a) => present.has(a.taskUuid))
        continue
      }
      throw error
    }
  }
}

async function postActions(
  ctx: ProceedContext,
  projectHash: string,
  stageUuid: string,
  actions: ProceedAction[],
): Promise<void> {
  // Key order as the SDK: taskUuid, action, then the one pathway key.
  const body = actions.map((a) =>
    a.pathwayUuid !== undefined
      ? { taskUuid: a.taskUuid, action: 'PATHWAY_ACTION', pathwayUuid: a.pathwayUuid }
      : { taskUuid: a.taskUuid, action: 'PATHWAY_ACTION', pathwayName: a.pathwayName },
  )
  await ctx.api.v2NoContent(
    'proceed',
    'POST',
    `projects/${seg(projectHash)}/workflow/stages/${seg(stageUuid)}/actions`,
    { body, retry: 'unapplied' },
  )
}

/** Uuids of the given tasks that are still in the stage (listed by their data hashes when known). */
async function tasksInStage(
  ctx: ProceedContext,
  projectHash: string,
  stageUuid: string,
  actions: ProceedAction[],
): Promise<Set<string>> {
  const wanted = new Set(actions.map((a) => a.taskUuid))
  const hashes = actions.every((a) => a.dataHash !== undefined)
    ? unique(actions.map((a) => a.dataHash as string))
    : undefined
  const present = new Set<string>()
  for await (const task of ctx.listTasks(projectHash, stageUuid, hashes ? { dataHashes: hashes } : {})) {
    if (wanted.has(task.uuid)) present.add(task.uuid)
  }
  return present
}

/** A failure after which the request may have been applied (a dropped response, a timeout, a 5xx). */
export function isAmbiguous(error: unknown): boolean {
  if (error instanceof EncordNetworkError) return error.ambiguous
  return error instanceof EncordServerError && error.httpStatus !== null && error.httpStatus >= 500
}

function dedupeActions(actions: ProceedAction[], call: EncordCall): ProceedAction[] {
  const byTask = new Map<string, ProceedAction>()
  for (const a of actions) {
    if ((a.pathwayUuid === undefined) === (a.pathwayName === undefined)) {
      throw new EncordInvalidArgumentsError('pathwayChoice', { taskUuid: a.taskUuid }, { call })
    }
    const before = byTask.get(a.taskUuid)
    if (before === undefined) byTask.set(a.taskUuid, a)
    else if (before.pathwayUuid !== a.pathwayUuid || before.pathwayName !== a.pathwayName) {
      throw new EncordInvalidArgumentsError('twoPathways', { taskUuid: a.taskUuid }, { call })
    }
  }
  return [...byTask.values()]
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)]
}
