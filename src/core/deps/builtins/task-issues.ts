import type { TaskIssue } from '../../../encord/issues.js'
import { defineDependency, makeFactory } from '../dependency.js'

/** Where a new issue points: the whole data unit (neither), a frame, or a point of a frame. */
export interface IssueOptions {
  tags?: string[]
  frame?: number
  /** x and y as fractions of the frame's width and height (as the label editor pins them). */
  point?: { x: number; y: number }
}

/** The task's issues (Python's `task.issues`). */
export interface TaskIssues {
  /** Every issue of the task's data unit, oldest first. */
  list(): Promise<TaskIssue[]>
  /**
   * Open an issue on the task's data unit, at once (as Python's `add_file_issue`, `add_frame_issue`,
   * `add_coordinate_issue`): an issue is a comment for people, not part of the task's decision. In a dry
   * run it is logged and not opened.
   */
  add(comment: string, options?: IssueOptions): Promise<void>
}

/**
 * The comment threads on the task's data unit: read what reviewers wrote, or open an issue for a person
 * to look at (a frame, or a point of it).
 *
 * @example
 * ```ts
 * defineAgent({ deps: { issues: taskIssues() }, async handler({ deps }) {
 *   const open = await deps.issues.list()
 *   if (open.length === 0) await deps.issues.add('Blurry: please check the boxes', { frame: 3, tags: ['blur'] })
 * } })
 * ```
 */
export const taskIssues = makeFactory<undefined, TaskIssues>('taskIssues', () =>
  defineDependency({
    name: 'taskIssues()',
    resolve: ({ client, project, task, dryRun, log }): TaskIssues => ({
      list: () => client.issues.list(project.projectHash, task.dataHash),
      async add(comment, options = {}) {
        if (dryRun) {
          log.info('Dry run: an issue would be opened', { comment, ...options })
          return
        }
        await client.issues.add(project.projectHash, { dataHash: task.dataHash, comment, ...options })
      },
    }),
  }),
)
