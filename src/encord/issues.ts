/**
 * Task issues (`client.issues`): the comment threads annotators and reviewers see on a data unit, a frame
 * or a point of a frame. The wire shapes are the SDK's `encord.issues.issue_client` (v2
 * `projects/{project}/issues`, camelCase, paged by `pageToken`); docs/emulator.md lists them.
 */
import { z } from 'zod'
import { seg, type ApiChannel } from './api-channel.js'

const IssueComment = z.looseObject({ content: z.string(), authorEmail: z.string(), createdAt: z.string() })
const WireIssue = z.looseObject({
  type: z.string(),
  dataUuid: z.string(),
  comments: z.array(IssueComment),
  tags: z.array(z.looseObject({ name: z.string() })),
  resolutionHistory: z
    .array(z.looseObject({ isResolved: z.boolean(), createdAt: z.string(), actorEmail: z.string().nullish() }))
    .default([]),
  frameIndex: z.number().int().optional(),
  coordinate: z.looseObject({ x: z.number(), y: z.number() }).optional(),
  frameRanges: z.array(z.looseObject({ start: z.number(), end: z.number() })).optional(),
  annotationId: z.string().optional(),
})
const IssuePage = z.looseObject({ results: z.array(WireIssue), nextPageToken: z.string().nullish() })

/**
 * One issue: what it is anchored to (`dataUnit`, `frame`, `frameCoordinate`, `frameRange`, `annotation`),
 * its comments (the first is the issue's text), tags and resolution history.
 */
export type TaskIssue = z.infer<typeof WireIssue>

/**
 * A new issue on a data unit: on the whole unit, on `frame`, or on the point `{ x, y }` of `frame`
 * (x and y as the label editor gives them: fractions of the width and height).
 */
export interface NewTaskIssue {
  dataHash: string
  comment: string
  tags?: string[]
  frame?: number
  point?: { x: number; y: number }
}

/** The SDK's issue anchor for a new issue. */
function anchorOf(issue: NewTaskIssue): Record<string, unknown> {
  if (issue.point !== undefined) {
    if (issue.frame === undefined) throw new TypeError('An issue on a point needs the frame the point is on')
    return {
      type: 'frameCoordinate',
      dataUuid: issue.dataHash,
      frameIndex: issue.frame,
      x: issue.point.x,
      y: issue.point.y,
    }
  }
  if (issue.frame !== undefined) return { type: 'frame', dataUuid: issue.dataHash, frameIndex: issue.frame }
  return { type: 'dataUnit', dataUuid: issue.dataHash }
}

export class EncordIssues {
  constructor(readonly api: ApiChannel) {}

  /** Every issue of a data unit of the project (all pages). */
  async list(projectHash: string, dataHash: string): Promise<TaskIssue[]> {
    const issues: TaskIssue[] = []
    let pageToken: string | undefined
    do {
      const page = await this.api.v2Json('listIssues', 'GET', `projects/${seg(projectHash)}/issues`, IssuePage, {
        query: [
          ['dataUnitId', dataHash],
          ['pageToken', pageToken],
        ],
      })
      issues.push(...page.results)
      pageToken = page.nextPageToken ?? undefined
    } while (pageToken !== undefined)
    return issues
  }

  /**
   * Open an issue. Retried only when it cannot have been applied (no connection, 429): a repeat of a
   * request that reached Encord could open a second issue.
   */
  async add(projectHash: string, issue: NewTaskIssue): Promise<void> {
    await this.api.v2NoContent('addIssue', 'POST', `projects/${seg(projectHash)}/issues`, {
      body: { issues: [{ anchor: anchorOf(issue), comment: issue.comment, issueTags: issue.tags ?? [] }] },
      retry: 'unapplied',
    })
  }
}
