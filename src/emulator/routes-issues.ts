/** Task issues (the SDK's `encord.issues.issue_client`): open issues, list a data unit's issues page by page. */
import { z } from 'zod'
import { badRequest } from './http-error.js'
import { by, parseJson, parseWith, type RouteContext } from './server-pipeline.js'
import { issuesPage, openIssues } from './state-issues.js'

const Anchor = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('dataUnit'), dataUuid: z.string().min(1) }),
  z.looseObject({ type: z.literal('frame'), dataUuid: z.string().min(1), frameIndex: z.number().int().min(0) }),
  z.looseObject({
    type: z.literal('frameCoordinate'),
    dataUuid: z.string().min(1),
    frameIndex: z.number().int().min(0),
    x: z.number(),
    y: z.number(),
  }),
])
const CreateIssuesBody = z.looseObject({
  issues: z
    .array(z.looseObject({ anchor: Anchor, comment: z.string().min(1), issueTags: z.array(z.string()).default([]) }))
    .min(1),
})

export function registerIssueRoutes(ctx: RouteContext): void {
  const { route, state, projectFor } = ctx

  route('POST', '/v2/public/projects/:projectHash/issues', 'add-issues', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const body = parseWith(CreateIssuesBody, parseJson(call.body), 'payload')
    openIssues(state, project.projectHash, body.issues, by(call))
    return { status: 204 }
  })

  route('GET', '/v2/public/projects/:projectHash/issues', 'list-issues', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const dataUuid = call.query.get('dataUnitId')?.[0]
    if (dataUuid === undefined) throw badRequest('dataUnitId is required: the issues of which data unit?')
    const page = issuesPage(state, project.projectHash, dataUuid, call.query.get('pageToken')?.[0], ctx.pageSize)
    const body: Record<string, unknown> = { results: page.results }
    if (page.nextPageToken !== null) body.nextPageToken = page.nextPageToken
    return { status: 200, body }
  })
}
