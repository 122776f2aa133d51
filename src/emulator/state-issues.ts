/**
 * Task issues in the emulator's state: opened on a data unit of a project, listed per data unit in the
 * order they were opened. Each opening is a history event (`issue`) of the unit's task, so the dashboard
 * shows it and it persists like every change.
 */
import type { FixtureIssue } from './fixture.js'
import { badRequest } from './http-error.js'
import type { EmulatorState } from './state.js'

/** A new issue as the SDK sends it (`_NewIssue`), checked by the route. */
export interface NewIssue {
  anchor: { type: FixtureIssue['type']; dataUuid: string; frameIndex?: number; x?: number; y?: number }
  comment: string
  issueTags: string[]
}

/** Open issues on a project's data units, all or none (an unknown data unit refuses the whole call). */
export function openIssues(state: EmulatorState, projectHash: string, issues: NewIssue[], by: string | null): void {
  const project = state.project(projectHash)
  for (const { anchor } of issues) {
    if (!project.dataUnits.has(anchor.dataUuid))
      throw badRequest(`Data unit ${anchor.dataUuid} is not in project ${projectHash}`)
    const frames = project.dataUnits.get(anchor.dataUuid)!.numberOfFrames
    if (anchor.frameIndex !== undefined && anchor.frameIndex >= frames)
      throw badRequest(`Frame ${anchor.frameIndex} is out of range: data unit ${anchor.dataUuid} has ${frames}`)
  }
  const at = new Date(state.now()).toISOString()
  for (const { anchor, comment, issueTags } of issues) {
    const issue: FixtureIssue = {
      type: anchor.type,
      dataUuid: anchor.dataUuid,
      ...(anchor.frameIndex !== undefined ? { frameIndex: anchor.frameIndex } : {}),
      ...(anchor.type === 'frameCoordinate' ? { coordinate: { x: anchor.x!, y: anchor.y! } } : {}),
      comments: [{ content: comment, authorEmail: by ?? 'unknown', createdAt: at }],
      tags: issueTags.map((name) => ({ name })),
      resolutionHistory: [],
    }
    project.issues.push(issue)
    const task = state.taskOfData(project, anchor.dataUuid)
    state.recordChange(project, {
      at,
      kind: 'issue',
      dataHash: anchor.dataUuid,
      ...(task ? { taskUuid: task.uuid } : {}),
      ...(by ? { by } : {}),
      detail: { type: issue.type, comment, tags: issueTags, frameIndex: anchor.frameIndex },
    })
  }
}

/** One page of a data unit's issues; the page token is the index of the next one. */
export function issuesPage(
  state: EmulatorState,
  projectHash: string,
  dataUuid: string,
  pageToken: string | undefined,
  pageSize: number,
): { results: FixtureIssue[]; nextPageToken: string | null } {
  const all = state.project(projectHash).issues.filter((i) => i.dataUuid === dataUuid)
  const start = pageToken === undefined ? 0 : Number(pageToken)
  if (!Number.isSafeInteger(start) || start < 0) throw badRequest(`Invalid pageToken: ${pageToken}`)
  const end = start + pageSize
  return { results: all.slice(start, end), nextPageToken: end < all.length ? String(end) : null }
}
