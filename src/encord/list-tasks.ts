import { rephraseNotFound, seg, v2Call, parseWith, type ApiChannel } from './api-channel.js'
import { turnAfterPendingWrites } from '../shared/event-loop-turn.js'
import { EncordProtocolError } from './errors.js'
import { isTaskPage } from './fast-check.js'
import { V2TaskPage } from './models.js'
import type { QueryParams } from './query.js'
import { toTask } from './to-model.js'
import type { ApiResponse } from './transport.js'
import type { AgentTask, TaskFilters } from './types.js'

interface RawPage {
  response: ApiResponse
  json: unknown
}

/** A page requested from the listing, in the order the reader takes them. */
interface Requested {
  page: Promise<RawPage>
  /** Its reply is here (not necessarily checked yet); `cursor` is its raw next page token. */
  arrived: boolean
  cursor?: string
  /** The reader has started on it (awaits it or hands out its tasks). */
  taken: boolean
}

/**
 * One listing of a stage's tasks (one chunk of `dataHashes`, or none), one page (array) at a time. The next page is
 * requested when the previous one is handed out, or with `pageAhead` from the reply's own callback as
 * soon as its cursor is read, before the page is checked and whether or not the reader is ready for
 * it, as long as at most one page that arrived is waiting unread (so at most two pages are held ahead
 * of the one being handed out).
 */
export async function* listStageTaskPages(
  api: ApiChannel,
  input: {
    projectHash: string
    stageUuid: string
    filters: TaskFilters
    hashes: string[] | undefined
    pageAhead: boolean
  },
): AsyncGenerator<AgentTask[]> {
  const { projectHash, stageUuid, filters, hashes, pageAhead } = input
  const path = `projects/${seg(projectHash)}/workflow/stages/${seg(stageUuid)}/tasks`
  const queue: Requested[] = []
  const requested = new Set<string>()
  let last: Requested | undefined
  let stopped = false
  const request = (pageToken: string | undefined): void => {
    if (pageToken !== undefined) requested.add(pageToken)
    // Key order as the SDK's DTO: base class (pageToken) first, then the stage's filters.
    const query: QueryParams = [
      ['pageToken', pageToken],
      ['userEmails', filters.userEmails],
      ['dataHashes', hashes],
      ['datasetHashes', filters.datasetHashes],
      ['dataTitleContains', filters.dataTitleContains],
      ['statuses', filters.statuses],
    ]
    // With pageAhead the next page is requested from this one's reply callback: no wait for its socket.
    const page = api.v2Parsed('listTasks', 'GET', path, { query, nextAtOnce: pageAhead })
    const entry: Requested = { page, arrived: false, taken: false }
    queue.push(entry)
    last = entry
    // A page requested ahead whose reader stopped early must not be an unhandled rejection.
    page.then(
      (raw) => {
        entry.arrived = true
        const cursor = (raw.json as { nextPageToken?: unknown } | null)?.nextPageToken
        if (typeof cursor === 'string') entry.cursor = cursor
        if (pageAhead) sendAhead()
      },
      () => undefined,
    )
  }
  // The page after the last one requested, once its cursor is known and at most one page waits unread.
  // A cursor seen before is not requested: the reader stops with a clear error when it gets there.
  const sendAhead = (): void => {
    if (stopped || last === undefined || !last.arrived || last.cursor === undefined) return
    if (requested.has(last.cursor)) return
    let unread = 0
    for (const entry of queue) if (entry.arrived && !entry.taken) unread++
    if (unread <= 1) request(last.cursor)
  }
  const seen = new Set<string>()
  request(undefined)
  try {
    while (queue.length > 0) {
      const entry = queue.shift() as Requested
      entry.taken = true
      if (pageAhead) sendAhead()
      let raw: RawPage
      try {
        raw = await entry.page
      } catch (error) {
        throw rephraseNotFound(error, 'stage', { stageUuid, projectHash })
      }
      // The next page, requested from this reply's callback, reaches its socket only in the loop's check
      // phase (undici checks an idle keep-alive socket there first); what this page sets off (its tasks
      // handed out, a load window's requests built and signed) would run before that write. One turn
      // lets the write go first: the pages' chain is the bound of runs without handler work.
      if (pageAhead && queue.length > 0) await turnAfterPendingWrites()
      const page = isTaskPage(raw.json)
        ? raw.json
        : parseWith(V2TaskPage, raw.json, raw.response.call, 'listTasks', raw.response)
      if (page.results.length > 0) yield page.results.map((task) => toTask(task, stageUuid))
      const next = page.nextPageToken ?? undefined
      if (next !== undefined) {
        // A server handing out a token twice would loop forever; stop with a clear error instead.
        if (seen.has(next))
          throw new EncordProtocolError('samePageToken', {}, { call: v2Call('listTasks', 'GET', path) })
        seen.add(next)
      }
      // Without pageAhead (or if it could not send it), the next page leaves now.
      if (next !== undefined && queue.length === 0) request(next)
    }
  } finally {
    stopped = true
  }
}
