/**
 * `/_emulator/*`: observability and dashboard state (unsigned: loopback clients under a loopback Host
 * only, see loopback-guard.ts), and media downloads at signed URLs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { EmulatorHttpError } from './http-error.js'
import { MEDIA_PREFIX } from './media.js'
import type { ServerOptions } from './server.js'
import type { ProjectRecord } from './state.js'
import { DEFAULT_PRIORITY } from './wire.js'
import type { RouteContext } from './server-pipeline.js'

/** Media bytes at the signed URLs storage items and label rows hand out. */
export function registerMediaRoutes(ctx: RouteContext): void {
  const { route, state, media } = ctx
  route('GET', `${MEDIA_PREFIX}/:itemUuid/:name`, 'media', 'media', async (call) => {
    const reason = media.checkSignature(
      call.params.itemUuid,
      call.query.get('expires')?.[0],
      call.query.get('sig')?.[0],
    )
    if (reason)
      return { status: 403, raw: Buffer.from(`Forbidden: ${reason}\n`), headers: { 'content-type': 'text/plain' } }
    const item = state.storageItems.get(call.params.itemUuid)
    const bytes = item ? await media.bytes(item) : null
    if (!bytes) return { status: 404, raw: Buffer.from('Not found\n'), headers: { 'content-type': 'text/plain' } }
    return { status: 200, raw: bytes.body, headers: { 'content-type': bytes.contentType } }
  })
}

export function registerInternalRoutes(app: FastifyInstance, options: ServerOptions): void {
  const { state, stats } = options
  const get = (url: string, handler: (req: FastifyRequest, reply: FastifyReply) => unknown) =>
    app.get(url, async (req, reply) => {
      try {
        return handler(req, reply)
      } catch (error) {
        if (error instanceof EmulatorHttpError) return reply.code(error.status).send({ message: error.message })
        throw error
      }
    })
  const project = (hash: string) => {
    const p = state.projects.get(hash)
    if (!p) throw new EmulatorHttpError(404, `No project ${hash}`)
    return p
  }

  get('/_emulator/health', () => ({ ok: true, revision: state.revision }))
  get('/_emulator/stats', () => ({ ...stats.snapshot(), revision: state.revision }))
  get('/_emulator/requests', () => ({ enabled: stats.logging, requests: stats.requests() }))

  get('/_emulator/api/projects', () =>
    [...state.projects.values()].map((p) => ({
      projectHash: p.projectHash,
      title: p.title,
      description: p.description,
      ontologyHash: p.ontologyHash,
      tasks: p.tasks.size,
      dataUnits: p.dataUnits.size,
      labelRows: p.labelRows.size,
      events: p.history.length,
    })),
  )

  get('/_emulator/api/projects/:projectHash', (req) => {
    const p = project((req.params as { projectHash: string }).projectHash)
    const counts = state.stageCounts(p)
    return {
      projectHash: p.projectHash,
      title: p.title,
      description: p.description,
      ontologyHash: p.ontologyHash,
      ontology: state.ontologies.get(p.ontologyHash)?.structure ?? null,
      tasks: p.tasks.size,
      workflow: {
        stages: p.stages.map((s) => ({
          uuid: s.uuid,
          title: s.title,
          stageType: s.stageType,
          pathways: s.pathways,
          taskCount: counts.get(s.uuid) ?? 0,
        })),
      },
    }
  })

  get('/_emulator/api/projects/:projectHash/tasks', (req) => {
    const p = project((req.params as { projectHash: string }).projectHash)
    const q = req.query as { stage?: string; q?: string; limit?: string; cursor?: string }
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000)
    const needle = q.q?.toLowerCase() ?? ''
    const stageUuids = q.stage
      ? [p.stages.find((s) => s.uuid === q.stage || s.title === q.stage)?.uuid ?? q.stage]
      : p.stages.map((s) => s.uuid)
    const uuids: string[] = []
    for (const stageUuid of stageUuids) {
      const index = p.stageIndexes.get(stageUuid)
      if (index) for (const uuid of index.after()) uuids.push(uuid)
    }
    if (stageUuids.length > 1) uuids.sort()
    const results = []
    let nextCursor: string | null = null
    for (const uuid of uuids) {
      if (q.cursor && uuid <= q.cursor) continue
      const t = p.tasks.get(uuid)!
      const unit = p.dataUnits.get(t.dataHash)
      if (
        needle &&
        !(
          t.uuid.startsWith(needle) ||
          t.dataHash.startsWith(needle) ||
          (unit?.dataTitle.toLowerCase().includes(needle) ?? false)
        )
      )
        continue
      if (results.length === limit) {
        nextCursor = results[results.length - 1].uuid
        break
      }
      results.push(taskSummary(p, t.uuid))
    }
    return { results, nextCursor }
  })

  get('/_emulator/api/projects/:projectHash/tasks/:taskUuid', (req) => {
    const params = req.params as { projectHash: string; taskUuid: string }
    const p = project(params.projectHash)
    const t = p.tasks.get(params.taskUuid)
    if (!t) throw new EmulatorHttpError(404, `No task ${params.taskUuid}`)
    const unit = p.dataUnits.get(t.dataHash)!
    const row = p.labelRowsByData.get(t.dataHash)?.get(t.labelBranchName) ?? null
    const history = state.historyOf(p, t.uuid)
    const lastSave = [...history].reverse().find((e) => e.kind === 'save' && e.labelHash === row?.labelHash)
    const item = unit.backingItemUuid ? state.storageItems.get(unit.backingItemUuid) : undefined
    return {
      task: taskSummary(p, t.uuid),
      dataUnit: unit,
      storageItem: item
        ? {
            uuid: item.uuid,
            name: item.name,
            itemType: item.itemType,
            mimeType: item.mimeType,
            clientMetadata: item.clientMetadata,
          }
        : null,
      labelRow: row
        ? {
            labelHash: row.labelHash,
            branchName: row.branchName,
            labelStatus: row.labelStatus,
            lastEditedAt: row.lastEditedAt === null ? null : new Date(row.lastEditedAt).toISOString(),
            labels: row.labels,
          }
        : null,
      labelRowBefore: lastSave?.before ?? null,
      history,
    }
  })

  get('/_emulator/api/projects/:projectHash/history', (req) => {
    const p = project((req.params as { projectHash: string }).projectHash)
    const q = req.query as { since?: string; limit?: string }
    const since = Math.max(Number(q.since ?? 0) || 0, 0)
    const limit = Math.min(Math.max(Number(q.limit ?? 500) || 500, 1), 5000)
    // `before` label rows can be large; the per-task endpoint has them.
    const events = p.history
      .slice(since, since + limit)
      .map(({ before, ...rest }) => ({ ...rest, hasBefore: before !== undefined }))
    return { since, next: since + events.length, total: p.history.length, events }
  })

  function taskSummary(p: ProjectRecord, uuid: string) {
    const t = p.tasks.get(uuid)!
    const stage = p.stageByUuid.get(t.stageUuid)!
    const row = p.labelRowsByData.get(t.dataHash)?.get(t.labelBranchName)
    return {
      uuid: t.uuid,
      dataHash: t.dataHash,
      dataTitle: p.dataUnits.get(t.dataHash)?.dataTitle ?? '',
      stageUuid: t.stageUuid,
      stageTitle: stage.title,
      stageType: stage.stageType,
      status: t.status,
      assignee: t.assignee,
      priority: t.priority ?? DEFAULT_PRIORITY,
      labelHash: row?.labelHash ?? null,
      updatedAt: new Date(t.updatedAt).toISOString(),
      proceeds: stats.proceedsOf(t.uuid),
    }
  }
}
