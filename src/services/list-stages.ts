import pLimit from 'p-limit'
import type { EncordApi, Project } from '../encord/types.js'

/**
 * One pathway of a stage, as `list-stages --json` prints it. The shape is a public contract (issue 6):
 * exactly `{ uuid, name, destination }`; nothing more, so consumers can rely on it.
 */
export interface PathwaySummary {
  uuid: string
  /** What a handler returns to take this pathway (or the uuid). */
  name: string
  /** Title of the stage the pathway leads to (its UUID when the stage is not in the workflow). */
  destination: string
}

/** One workflow stage, as `list-stages --json` prints it. */
export interface StageSummary {
  uuid: string
  title: string
  /** AGENT, ANNOTATION, REVIEW, DONE, ... as Encord names it. */
  type: string
  /** Tasks in the stage now. */
  taskCount: number
  pathways: PathwaySummary[]
}

/** What `list-stages --json` prints: every stage of the workflow, in workflow order. */
export type ListStagesResult = StageSummary[]

export interface ListStagesOptions {
  client: EncordApi
  projectHash: string
  /** Stages counted at once. @default 4 */
  concurrency?: number
}

/**
 * Every stage of the project's workflow with its type, pathways (and where they lead) and how many
 * tasks are in it. Counting lists each stage's tasks page by page (there is no count endpoint).
 */
export async function listStages(options: ListStagesOptions): Promise<{ project: Project; stages: ListStagesResult }> {
  const { client, projectHash } = options
  const project = await client.getProject(projectHash)
  const byUuid = new Map(project.workflow.stages.map((s) => [s.uuid, s]))
  const limit = pLimit(options.concurrency ?? 4)
  const stages = await Promise.all(
    project.workflow.stages.map((stage) =>
      limit(async (): Promise<StageSummary> => {
        let taskCount = 0
        for await (const _task of client.listTasks(projectHash, stage.uuid)) taskCount++
        return {
          uuid: stage.uuid,
          title: stage.title,
          type: stage.rawType,
          taskCount,
          pathways: stage.pathways.map((p) => ({
            uuid: p.uuid,
            name: p.name,
            destination: byUuid.get(p.destinationUuid)?.title ?? p.destinationUuid,
          })),
        }
      }),
    ),
  )
  return { project, stages }
}
