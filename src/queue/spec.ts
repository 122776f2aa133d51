import { fail } from '../shared/error-catalogue/index.js'
import { z } from 'zod'
import type { AgentTask } from '../encord/types.js'

/**
 * The messages a queue carries, in the shapes of encord-agents for Python, so producers and consumers
 * written in either language interoperate:
 * - a task spec has the fields of Python's `AgentTaskConfig` (`uuid`, `data_hash`, `data_title`,
 *   `label_branch_name`; `task_uuid` is accepted for `uuid`, as older Python versions wrote it);
 * - a completion result has the fields of Python's `TaskCompletionResult` (`task_uuid`, `stage_uuid`,
 *   `success`, `pathway`, `error`).
 */

/** A pending task as a queue message (Python's `AgentTaskConfig`). */
export interface TaskSpec {
  /** The task's UUID. */
  uuid: string
  /** The data unit's hash. */
  data_hash: string
  /** The data unit's title. */
  data_title: string
  /** The label branch of the task (usually `main`). */
  label_branch_name: string
}

/** What a wrapped handler returns for one task (Python's `TaskCompletionResult`). */
export interface TaskCompletionResult {
  task_uuid: string
  /** The stage the task was handled in. */
  stage_uuid: string | null
  /** True when the handler decided and its decision was applied (moved, or left in the stage). */
  success: boolean
  /** UUID of the pathway the task was moved along; null when it was not moved. */
  pathway: string | null
  /** Why it did not succeed. */
  error: string | null
}

const NonEmpty = z.string().trim().min(1)

const TaskSpecSchema = z
  .looseObject({
    uuid: NonEmpty.optional(),
    task_uuid: NonEmpty.optional(),
    data_hash: NonEmpty,
    data_title: z.string().default(''),
    label_branch_name: z.string().default('main'),
  })
  .refine((v) => v.uuid !== undefined || v.task_uuid !== undefined, {
    message: 'needs "uuid" (the task UUID)',
    path: ['uuid'],
  })

/** The task spec of a listed task. */
export function taskSpecOf(task: AgentTask): TaskSpec {
  return {
    uuid: task.uuid,
    data_hash: task.dataHash,
    data_title: task.dataTitle,
    label_branch_name: task.labelBranchName,
  }
}

/** A task spec as the JSON string a queue carries. */
export function serializeTaskSpec(spec: TaskSpec): string {
  return JSON.stringify({
    uuid: spec.uuid,
    data_hash: spec.data_hash,
    data_title: spec.data_title,
    label_branch_name: spec.label_branch_name,
  })
}

/**
 * Read a task spec (a JSON string or an already parsed object). Extra fields (a whole Python
 * `AgentTask` dump, for instance) are ignored. Bad input is a UserError naming what is wrong.
 */
export function parseTaskSpec(input: string | Record<string, unknown>): TaskSpec {
  let value: unknown = input
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input)
    } catch (error) {
      throw fail('InvalidTaskSpec.notJson', { message: (error as Error).message })
    }
  }
  const parsed = TaskSpecSchema.safeParse(value)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'spec'}: ${i.message}`)
    throw fail('InvalidTaskSpec.fields', { problems }, { data: { problems } })
  }
  const v = parsed.data
  return {
    uuid: (v.uuid ?? v.task_uuid) as string,
    data_hash: v.data_hash,
    data_title: v.data_title,
    label_branch_name: v.label_branch_name,
  }
}
