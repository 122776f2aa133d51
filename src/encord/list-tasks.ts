import { rephraseNotFound, seg, v2Call, parseWith, type ApiChannel } from './api-channel.js'
import { EncordProtocolError } from './errors.js'
import { V2TaskPage } from './models.js'
import type { QueryParams } from './query.js'
import { toTask } from './to-model.js'
import type { ApiResponse } from './transport.js'
import type { AgentTask, TaskFilters } from './types.js'

interface RawPage {
  response: ApiResponse
  json: unknown
}

/**
 * One listing of a stage's tasks (one chunk of `dataHashes`, or none), page by page. The next page is
 * requested when the previous one is handed out, or with `pageAhead` as soon as its cursor is read
 * from the reply, before the page is checked and its tasks handed out.
 */
export async function* listStageTasks(
  api: ApiChannel,
  input: {
    projectHash: string
    stageUuid: string
    filters: TaskFilters
    hashes: string[] | undefined
    pageAhead: boolean
  },
): AsyncGenerator<AgentTask> {
  const { projectHash, stageUuid, filters, hashes } = input
  const path = `projects/${seg(projectHash)}/workflow/stages/${seg(stageUuid)}/tasks`
  const request = (pageToken: string | undefined): Promise<RawPage> => {
    // Key order as the SDK's DTO: base class (pageToken) first, then the stage's filters.
    const query: QueryParams = [
      ['pageToken', pageToken],
      ['userEmails', filters.userEmails],
      ['dataHashes', hashes],
      ['datasetHashes', filters.datasetHashes],
      ['dataTitleContains', filters.dataTitleContains],
      ['statuses', filters.statuses],
    ]
    const page = api.v2Parsed('listTasks', 'GET', path, { query })
    // A page requested ahead whose reader stopped early must not be an unhandled rejection.
    page.catch(() => undefined)
    return page
  }
  const seen = new Set<string>()
  let pending: Promise<RawPage> | undefined = request(undefined)
  while (pending !== undefined) {
    let raw: RawPage
    try {
      raw = await pending
    } catch (error) {
      throw rephraseNotFound(
        error,
        `Stage ${stageUuid} of project ${projectHash} was not found`,
        'Check the stage uuid against `encord-agents list-stages`.',
      )
    }
    pending = undefined
    // The cursor first: with pageAhead the next page's request leaves before this one is checked.
    const cursor = (raw.json as { nextPageToken?: unknown } | null)?.nextPageToken
    const ahead = input.pageAhead && typeof cursor === 'string' && !seen.has(cursor)
    if (ahead) pending = request(cursor)
    const page = parseWith(V2TaskPage, raw.json, raw.response.call, 'listTasks', raw.response)
    for (const task of page.results) yield toTask(task, stageUuid)
    const next = page.nextPageToken ?? undefined
    if (next !== undefined) {
      // A server handing out a token twice would loop forever; stop with a clear error instead.
      if (seen.has(next))
        throw new EncordProtocolError({
          call: v2Call('listTasks', 'GET', path),
          summary: 'Encord returned the same page token twice while listing tasks',
        })
      seen.add(next)
    }
    if (next !== undefined && !ahead) pending = request(next)
  }
}
