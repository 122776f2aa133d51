import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { z } from 'zod'
import {
  LegacyLabelRowCreatePayload,
  LegacyLabelRowGetPayload,
  LegacyLabelRowMetadataPayload,
  LegacyLabelRowSavePayload,
  LegacyRequestBody,
  V2GetBulkBody,
  V2PrioritiesBody,
  V2StoragePatchBody,
  V2WorkflowActionsBody,
} from '../encord/models.js'
import { parsePythonQuery } from '../encord/query.js'
import { registerDashboard } from '../dashboard/routes.js'
import { canAccessProject, verifyLegacy, verifyV2, type KeyRegistry, type Principal } from './auth.js'
import type { FaultDecision, FaultInjector } from './faults.js'
import { formatPath } from './fixture-load.js'
import { badRequest, EmulatorHttpError } from './http-error.js'
import { MEDIA_PREFIX, type MediaStore } from './media.js'
import type { EmulatorState, ProjectRecord, StorageItemRecord } from './state.js'
import { redactHeaders, type StatsRecorder } from './stats.js'
import { DEFAULT_PRIORITY, emptyLabels, WIRE_STAGE_TYPES, wireLabelRow, wireMetadataRow, wireOntology, wireProject, wireStorageItem, wireTask, type SignUrl } from './wire.js'

/**
 * The emulator's HTTP server: Encord's REST v2 and legacy RPC APIs (spec §4, §6), media downloads at
 * signed URLs, and the `/_emulator/*` observability and dashboard state endpoints.
 *
 * Every Encord request goes through one pipeline: connection latency (first request of a socket) →
 * latency + jitter → injected fault (before) → signature check → authorisation → handler (state
 * mutation, synchronous) → injected fault (after: reset or slow) → response.
 */

// The request schemas with every key optional, built once: `.partial()` makes a new schema, and a new
// zod schema compiles its parser on first use, which made up most of the emulator's CPU for these
// calls when it ran per request.
const LabelRowMetadataPayloadPartial = LegacyLabelRowMetadataPayload.partial()
const LabelRowGetPayloadPartial = LegacyLabelRowGetPayload.partial()
const LabelRowCreatePayloadPartial = LegacyLabelRowCreatePayload.partial()

/** Endpoint ids, used in stats, request logs and fault rules. */
export const ENDPOINTS = [
  'get-project',
  'get-ontology',
  'list-tasks',
  'proceed',
  'move-tasks',
  'set-priorities',
  'list-datasets',
  'get-storage-items',
  'get-storage-item',
  'update-storage-item',
  'update-storage-items',
  'child-items',
  'label-row-metadata',
  'get-label-rows',
  'create-label-rows',
  'save-label-rows',
  'legacy',
  'media',
] as const

export interface ServerOptions {
  state: EmulatorState
  keys: KeyRegistry
  faults: FaultInjector
  stats: StatsRecorder
  media: MediaStore
  /** Tasks per page of a task listing. */
  pageSize: number
  /** Label rows per legacy request before `MULTI_LABEL_LIMIT_ERROR`. */
  maxLabelRowsPerRequest: number
  /** Largest accepted request body, bytes. */
  bodyLimit: number
  /** Send START and router nodes in `workflow.stages` too (see `EmulatorOptions.exposeAllStages`). @default false */
  exposeAllStages?: boolean
}

type Transport = 'v2' | 'legacy' | 'media'

interface Result {
  status: number
  body?: unknown
  /** Raw bytes (media) instead of JSON. */
  raw?: Buffer
  headers?: Record<string, string>
}

interface Call {
  req: FastifyRequest
  params: Record<string, string>
  body: Buffer
  query: Map<string, string[]>
  principal: Principal | null
  /** `http://host:port` the client used; signed URLs point there. */
  origin: string
  /** The legacy body, parsed once when the endpoint id is read (a label save's body is megabytes). */
  legacyJson?: { ok: true; value: unknown } | { ok: false }
}

const isLoopback = (address: string | undefined) => address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))

export function buildServer(options: ServerOptions): FastifyInstance {
  const { state, keys, faults, stats, media } = options
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit, routerOptions: { maxParamLength: 1000 }, forceCloseConnections: true, return503OnClosing: false })
  // Digests and signatures cover the exact bytes: keep every body as a Buffer, whatever its type.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  const seenSockets = new WeakSet<Socket>()
  app.server.on('connection', (socket: Socket) => {
    stats.connectionOpened()
    socket.once('close', () => stats.connectionClosed())
  })

  const signer = (origin: string): SignUrl => (item) => media.signedUrl(origin, item)

  function route(method: 'GET' | 'POST' | 'PATCH', url: string, endpoint: string | ((call: Call) => string), transport: Transport, handler: (call: Call) => Result | Promise<Result>): void {
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        const started = performance.now()
        const call: Call = {
          req,
          params: req.params as Record<string, string>,
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          query: new Map(),
          principal: null,
          origin: `http://${req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`}`,
        }
        const id = typeof endpoint === 'string' ? endpoint : endpoint(call)
        let status: number | 'reset' = 500
        let fault: FaultDecision | null = null
        try {
          call.query = parseQuery(req.raw.url ?? '')
          const socket = req.raw.socket
          if (faults.connectionLatencyMs > 0 && !seenSockets.has(socket)) {
            seenSockets.add(socket)
            await sleep(faults.connectionLatencyMs)
          }
          const latency = faults.latency()
          if (latency > 0) await sleep(latency)
          fault = faults.decide(id)
          if (fault) stats.fault(id, fault.kind)
          if (fault?.kind === 'reset-before') {
            status = 'reset'
            return reset(req, reply)
          }
          if (fault?.kind === '5xx' || fault?.kind === '429') {
            const code = fault.kind === '429' ? 429 : fault.status
            const message = fault.kind === '429' ? 'Too many requests' : 'Service unavailable'
            const retryAfter = fault.kind === '429' ? fault.retryAfter : fault.retryAfter
            const result = errorResult(transport, new EmulatorHttpError(code, `${message} (injected fault)`, { code: fault.kind === '429' ? 'RATE_LIMIT_EXCEEDED' : 'UNKNOWN_ERROR', payload: null }))
            if (retryAfter !== undefined) result.headers = { 'retry-after': String(retryAfter) }
            status = result.status
            return send(reply, result)
          }
          if (transport !== 'media') {
            const auth =
              transport === 'v2'
                ? await verifyV2(keys, { method: req.method, rawTarget: req.raw.url ?? req.url, headers: req.headers, body: call.body }, state.now() / 1000)
                : await verifyLegacy(keys, { headers: req.headers, body: call.body })
            if (!auth.ok) {
              stats.authFailure()
              const error =
                transport === 'legacy' && auth.unknownKey
                  ? new EmulatorHttpError(400, auth.message, { code: 'SSH_KEY_NOT_FOUND_ERROR' })
                  : new EmulatorHttpError(401, auth.message, { code: 'AUTHENTICATION_ERROR', payload: null })
              const result = errorResult(transport, error)
              status = result.status
              return send(reply, result)
            }
            call.principal = auth.principal
          }
          const result = await handler(call)
          status = result.status
          if (fault?.kind === 'reset-after') {
            status = 'reset'
            return reset(req, reply)
          }
          if (fault?.kind === 'slow') await sleep(fault.delayMs)
          return send(reply, result)
        } catch (error) {
          const known = error instanceof EmulatorHttpError ? error : new EmulatorHttpError(500, `Emulator bug: ${(error as Error).message}`)
          if (known.status === 403) stats.authFailure()
          const result = errorResult(transport, known)
          status = result.status
          return send(reply, result)
        } finally {
          stats.request(id, status)
          if (stats.logging) {
            stats.log({
              at: new Date().toISOString(),
              method: req.method,
              url: req.raw.url ?? req.url,
              endpoint: id,
              status: status === 'reset' ? 0 : status,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              keyId: call.principal?.publicKeyHex ?? null,
              fault: fault?.kind ?? null,
              headers: redactHeaders(req.headers),
            })
          }
        }
      },
    })
  }

  // --- authorisation helpers -------------------------------------------------------------------

  function projectFor(call: Call, projectHash: string): ProjectRecord {
    const project = state.projects.get(projectHash)
    if (!project) throw new EmulatorHttpError(404, 'Not found', { payload: `Project ${projectHash} not found` })
    if (!canAccessProject(call.principal!, projectHash)) {
      throw new EmulatorHttpError(403, 'You are not authorised to access this project', { payload: null })
    }
    return project
  }

  function itemFor(call: Call, uuid: string, missingStatus: 403 | 404): StorageItemRecord {
    const item = state.storageItems.get(uuid)
    if (!item) throw new EmulatorHttpError(missingStatus, missingStatus === 404 ? 'Not found' : `Storage item ${uuid} does not exist or you do not have access to it`)
    const principal = call.principal!
    if (principal.projects !== '*') {
      const projects = state.itemProjects.get(uuid)
      if (!projects || ![...projects].some((p) => canAccessProject(principal, p))) {
        throw new EmulatorHttpError(403, `You are not authorised to access storage item ${uuid}`)
      }
    }
    return item
  }

  const by = (call: Call) => call.principal?.email ?? call.principal?.publicKeyHex ?? null
  const actor = (call: Call) => call.principal?.email ?? null

  // --- REST v2 ---------------------------------------------------------------------------------

  route('GET', '/v2/public/projects/:projectHash', 'get-project', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    return { status: 200, body: wireProject(state, project, { allStages: options.exposeAllStages }) }
  })

  route('GET', '/v2/public/ontologies/:ontologyHash', 'get-ontology', 'v2', (call) => {
    const ontology = state.ontologies.get(call.params.ontologyHash)
    if (!ontology) throw new EmulatorHttpError(404, 'Not found')
    const principal = call.principal!
    if (principal.projects !== '*') {
      const allowed = [...state.projects.values()].some((p) => p.ontologyHash === ontology.ontologyHash && canAccessProject(principal, p.projectHash))
      if (!allowed) throw new EmulatorHttpError(403, 'You are not authorised to access this ontology')
    }
    return { status: 200, body: wireOntology(ontology) }
  })

  route('GET', '/v2/public/projects/:projectHash/workflow/stages/:stageUuid/tasks', 'list-tasks', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const stage = project.stageByUuid.get(call.params.stageUuid)
    if (!stage || !WIRE_STAGE_TYPES.has(stage.stageType)) throw new EmulatorHttpError(404, 'Not found')
    const q = call.query
    const page = state.listTasks(
      project.projectHash,
      stage.uuid,
      {
        dataHashes: q.get('dataHashes'),
        statuses: q.get('statuses'),
        userEmails: q.get('userEmails'),
        datasetHashes: q.get('datasetHashes'),
        dataTitleContains: q.get('dataTitleContains')?.[0],
      },
      q.get('pageToken')?.[0],
      options.pageSize,
    )
    const body: Record<string, unknown> = { results: page.tasks.map((t) => wireTask(project, t, stage.stageType)) }
    if (page.nextPageToken !== null) body.nextPageToken = page.nextPageToken
    return { status: 200, body }
  })

  route('POST', '/v2/public/projects/:projectHash/workflow/stages/:stageUuid/actions', 'proceed', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const raw = parseJson(call.body)
    const actions = parseWith(V2WorkflowActionsBody, raw, 'actions', (path) => {
      const i = typeof path[0] === 'number' ? path[0] : -1
      const task = Array.isArray(raw) && i >= 0 ? (raw[i] as { taskUuid?: unknown })?.taskUuid : undefined
      return typeof task === 'string' ? ` (task ${task})` : ''
    })
    if (!project.stageByUuid.has(call.params.stageUuid)) throw new EmulatorHttpError(404, 'Not found')
    const { moved } = state.applyActions(
      project.projectHash,
      call.params.stageUuid,
      actions.map((a) => ({ taskUuid: a.taskUuid, action: a.action, pathwayUuid: a.pathwayUuid, pathwayName: a.pathwayName, assignee: a.assignee ?? undefined })),
      actor(call),
    )
    stats.proceeded(moved)
    return { status: 204 }
  })

  route('POST', '/v2/public/projects/:projectHash/workflow/stages/:stageUuid/move-tasks', 'move-tasks', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const body = parseJson(call.body) as { taskUuids?: unknown; destinationStageUuid?: unknown }
    if (!Array.isArray(body?.taskUuids) || body.taskUuids.some((t) => typeof t !== 'string') || typeof body.destinationStageUuid !== 'string') {
      throw badRequest('Body must be {"taskUuids": [...], "destinationStageUuid": "..."}')
    }
    if (!project.stageByUuid.has(call.params.stageUuid)) throw new EmulatorHttpError(404, 'Not found')
    state.moveTasks(project.projectHash, call.params.stageUuid, body.taskUuids as string[], body.destinationStageUuid, actor(call))
    return { status: 204 }
  })

  route('POST', '/v2/public/projects/:projectHash/priorities', 'set-priorities', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const body = parseWith(V2PrioritiesBody, parseJson(call.body), 'body')
    state.setPriorities(project.projectHash, body.priorities, by(call))
    return { status: 204 }
  })

  route('GET', '/v2/public/projects/:projectHash/datasets', 'list-datasets', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const hashes = [...new Set([...project.dataUnits.values()].map((d) => d.datasetHash))]
    return { status: 200, body: { results: hashes.map((h) => ({ datasetHash: h, title: state.datasetTitle(h), description: '' })) } }
  })

  route('POST', '/v2/public/storage/items/get-bulk', 'get-storage-items', 'v2', (call) => {
    const body = parseWith(V2GetBulkBody, parseJson(call.body), 'body')
    const items = body.itemUuids.map((uuid) => itemFor(call, uuid, 403))
    const sign = body.signUrls ? signer(call.origin) : null
    return { status: 200, body: { results: items.map((item) => wireStorageItem(state, item, sign)) } }
  })

  route('GET', '/v2/public/storage/items/:itemUuid', 'get-storage-item', 'v2', (call) => {
    const item = itemFor(call, call.params.itemUuid, 404)
    const sign = queryBool(call.query, 'signUrl') ? signer(call.origin) : null
    return { status: 200, body: wireStorageItem(state, item, sign) }
  })

  route('PATCH', '/v2/public/storage/folders/:folderUuid/items/:itemUuid', 'update-storage-item', 'v2', (call) => {
    const item = itemFor(call, call.params.itemUuid, 404)
    if (item.parent !== call.params.folderUuid) throw new EmulatorHttpError(404, 'Not found')
    const patch = parseWith(V2StoragePatchBody, parseJson(call.body), 'body')
    const updated = state.updateStorageItem(item.uuid, patch, by(call))
    return { status: 200, body: wireStorageItem(state, updated, null) }
  })

  route('PATCH', '/v2/public/storage/items/patch-bulk', 'update-storage-items', 'v2', (call) => {
    const body = parseJson(call.body) as { itemPatches?: unknown }
    if (typeof body?.itemPatches !== 'object' || body.itemPatches === null || Array.isArray(body.itemPatches)) throw badRequest('Body must be {"itemPatches": {"<item uuid>": {...}}}')
    const patches = Object.entries(body.itemPatches as Record<string, unknown>).map(([uuid, patch]) => {
      itemFor(call, uuid, 404)
      return [uuid, parseWith(V2StoragePatchBody, patch, `itemPatches.${uuid}`)] as const
    })
    const results = patches.map(([uuid, patch]) => wireStorageItem(state, state.updateStorageItem(uuid, patch, by(call)), null))
    return { status: 200, body: { results } }
  })

  route('GET', '/v2/public/storage/folders/:folderUuid/items/:itemUuid/child-items', 'child-items', 'v2', (call) => {
    const item = itemFor(call, call.params.itemUuid, 404)
    if (item.parent !== call.params.folderUuid) throw new EmulatorHttpError(404, 'Not found')
    const sign = queryBool(call.query, 'signUrls') ? signer(call.origin) : null
    return { status: 200, body: { results: item.children.map((uuid) => wireStorageItem(state, state.storageItem(uuid), sign)) } }
  })

  // --- legacy RPC ------------------------------------------------------------------------------

  const legacyEndpoint = (call: Call): string => {
    try {
      const value: unknown = JSON.parse(call.body.toString('utf8'))
      call.legacyJson = { ok: true, value }
      const body = (value ?? {}) as { query_type?: unknown; query_method?: unknown }
      const key = `${String(body.query_type)}:${String(body.query_method)}`
      return LEGACY_ENDPOINTS[key] ?? 'legacy'
    } catch {
      call.legacyJson = { ok: false }
      return 'legacy'
    }
  }

  route('POST', '/public', legacyEndpoint, 'legacy', (call) => {
    // Parsed by legacyEndpoint already (an empty or malformed body gets parseJson's 400 here).
    const json = call.legacyJson?.ok === true && call.body.length > 0 ? call.legacyJson.value : parseJson(call.body)
    const parsedBody = LegacyRequestBody.safeParse(json)
    if (!parsedBody.success) throw badRequest(`Invalid request: ${describeIssues(parsedBody.error, 'body')}`)
    const { query_type: type, query_method: method, values } = parsedBody.data
    const resourceType = String(call.req.headers['resourcetype'] ?? '')
    const resourceId = String(call.req.headers['resourceid'] ?? '')
    if (resourceType !== 'project' || resourceId === '') {
      throw new EmulatorHttpError(400, `This call needs the headers ResourceType: project and ResourceID: <project hash> (got ResourceType ${JSON.stringify(resourceType)})`)
    }
    const project = projectFor(call, resourceId)
    const payload = values.payload
    const key = `${type}:${method}`
    switch (key) {
      case 'labelrowmetadata:GET': {
        const p = parseWith(LabelRowMetadataPayloadPartial, payload ?? {}, 'payload')
        const rows = state.labelRowMetadata(project.projectHash, {
          dataHashes: p.data_hashes,
          labelHashes: p.label_hashes,
          branchName: p.branch_name,
          includeAllLabelBranches: p.include_all_label_branches ?? false,
          includeUninitialisedLabels: p.include_uninitialised_labels ?? true,
          dataTitleEq: p.data_title_eq,
          dataTitleLike: p.data_title_like,
          workflowGraphNodeTitleEq: p.workflow_graph_node_title_eq,
          workflowGraphNodeTitleLike: p.workflow_graph_node_title_like,
          labelStatuses: p.label_statuses,
          editedBefore: p.edited_before,
          editedAfter: p.edited_after,
          shadowDataState: p.shadow_data_state,
        })
        const inc = {
          includeClientMetadata: p.include_client_metadata ?? false,
          includeImagesData: p.include_images_data ?? false,
          includeWorkflowGraphNode: p.include_workflow_graph_node ?? true,
        }
        return ok(rows.map((row) => wireMetadataRow(state, project, row, inc)))
      }
      case 'labelrow:GET': {
        const uids = uidList(values.uid, 'label hashes')
        limitRows(uids.list.length)
        const p = parseWith(LabelRowGetPayloadPartial, payload ?? {}, 'payload')
        const sign = p.get_signed_url ? signer(call.origin) : null
        const rows = uids.list.map((hash) =>
          wireLabelRow(state, project, state.labelRow(project, hash), {
            sign,
            objectFeatureHashes: p.include_object_feature_hashes,
            classificationFeatureHashes: p.include_classification_feature_hashes,
          }),
        )
        return ok(uids.single ? rows[0] : rows)
      }
      case 'labelrow:PUT': {
        const uids = uidList(values.uid, 'data hashes')
        limitRows(uids.list.length)
        const p = parseWith(LabelRowCreatePayloadPartial, payload ?? {}, 'payload')
        const created = state.createLabelRows(project.projectHash, uids.list, p.branch_name ?? 'main', (unit) => emptyLabels(state, unit), by(call))
        const sign = p.get_signed_url ? signer(call.origin) : null
        const rows = created.map((row) => wireLabelRow(state, project, row, { sign }))
        return ok(uids.single ? rows[0] : rows)
      }
      case 'labelrow:POST': {
        const uids = uidList(values.uid, 'label hashes')
        limitRows(uids.list.length)
        const p = parseWith(LegacyLabelRowSavePayload, payload ?? {}, 'payload')
        if (p.labels.length !== uids.list.length) throw badRequest(`uid has ${uids.list.length} label hashes but payload.labels has ${p.labels.length} rows`)
        p.labels.forEach((labels, i) => {
          if (labels.label_hash !== undefined && labels.label_hash !== null && labels.label_hash !== uids.list[i]) {
            throw badRequest(`payload.labels[${i}].label_hash is ${labels.label_hash} but uid[${i}] is ${uids.list[i]}`)
          }
          if ('data_units' in labels && (typeof labels.data_units !== 'object' || labels.data_units === null || Array.isArray(labels.data_units))) {
            throw new EmulatorHttpError(400, `payload.labels[${i}].data_units must be an object`, { code: 'CORRUPTED_LABEL_ERROR' })
          }
        })
        state.saveLabelRows(
          project.projectHash,
          uids.list.map((labelHash, i) => ({ labelHash, labels: p.labels[i] as Record<string, unknown> })),
          by(call),
        )
        return ok(true)
      }
      default:
        throw new EmulatorHttpError(405, `${type} ${method} is not implemented by the emulator`, { code: 'METHOD_NOT_ALLOWED_ERROR' })
    }
  })

  function limitRows(n: number): void {
    if (n > options.maxLabelRowsPerRequest) {
      throw new EmulatorHttpError(400, `At most ${options.maxLabelRowsPerRequest} label rows per request`, {
        code: 'MULTI_LABEL_LIMIT_ERROR',
        payload: { maximum_labels_allowed: options.maxLabelRowsPerRequest },
      })
    }
  }

  // --- media -----------------------------------------------------------------------------------

  route('GET', `${MEDIA_PREFIX}/:itemUuid/:name`, 'media', 'media', async (call) => {
    const reason = media.checkSignature(call.params.itemUuid, call.query.get('expires')?.[0], call.query.get('sig')?.[0])
    if (reason) return { status: 403, raw: Buffer.from(`Forbidden: ${reason}\n`), headers: { 'content-type': 'text/plain' } }
    const item = state.storageItems.get(call.params.itemUuid)
    const bytes = item ? await media.bytes(item) : null
    if (!bytes) return { status: 404, raw: Buffer.from('Not found\n'), headers: { 'content-type': 'text/plain' } }
    return { status: 200, raw: bytes.body, headers: { 'content-type': bytes.contentType } }
  })

  // --- not found ---------------------------------------------------------------------------------

  // Failures before a handler runs (body too large, unreadable body): the transport's error shape.
  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    const path = (req.raw.url ?? '').split('?')[0]
    const transport: Transport = path === '/public' ? 'legacy' : path.startsWith(MEDIA_PREFIX) ? 'media' : 'v2'
    const result = errorResult(transport, new EmulatorHttpError(status, error.message, { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : undefined }))
    return send(reply, result)
  })

  app.setNotFoundHandler((req, reply) => {
    const path = (req.raw.url ?? '').split('?')[0]
    if (path === '/public' || path.startsWith('/public/')) {
      void reply.code(404).send({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'], payload: `No such endpoint: ${req.method} ${path}` })
      return
    }
    void reply.code(404).send({ message: 'Not found' })
  })

  registerInternalRoutes(app, options)
  registerDashboard(app, options)
  return app
}

const LEGACY_ENDPOINTS: Record<string, string> = {
  'labelrowmetadata:GET': 'label-row-metadata',
  'labelrow:GET': 'get-label-rows',
  'labelrow:PUT': 'create-label-rows',
  'labelrow:POST': 'save-label-rows',
}

function ok(response: unknown): Result {
  return { status: 200, body: { status: 200, response } }
}

function send(reply: FastifyReply, result: Result): FastifyReply {
  void reply.code(result.status)
  if (result.headers) void reply.headers(result.headers)
  if (result.raw) return reply.send(result.raw)
  if (result.status === 204 || result.body === undefined) return reply.send()
  return reply.type('application/json').send(JSON.stringify(result.body))
}

function reset(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  req.raw.socket.destroy()
  return reply
}

function errorResult(transport: Transport, error: EmulatorHttpError): Result {
  if (transport === 'legacy') {
    const body: Record<string, unknown> = { status: error.status, response: [error.code] }
    if (error.payload !== null && error.payload !== undefined) body.payload = error.payload
    return { status: error.status, body }
  }
  if (transport === 'media') return { status: error.status, raw: Buffer.from(`${error.message}\n`), headers: { 'content-type': 'text/plain' } }
  return { status: error.status, body: { message: error.message, ...error.extra } }
}

function parseQuery(url: string): Map<string, string[]> {
  const q = url.indexOf('?')
  const out = new Map<string, string[]>()
  if (q === -1) return out
  let pairs: Array<[string, string]>
  try {
    pairs = parsePythonQuery(url.slice(q + 1))
  } catch {
    throw badRequest('Malformed query string')
  }
  for (const [k, v] of pairs) {
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}

/** Python `True`/`False` (any case; `1`/`0` too). */
function queryBool(query: Map<string, string[]>, key: string): boolean {
  const value = query.get(key)?.[0]
  if (value === undefined) return false
  const v = value.toLowerCase()
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw badRequest(`Query parameter ${key} must be True or False, got ${JSON.stringify(value)}`)
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw badRequest('A JSON body is required')
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw badRequest('The request body is not valid JSON')
  }
}

function describeIssues(error: z.ZodError, root: string, suffix?: (path: PropertyKey[]) => string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = formatPath(issue.path)
      return `${path === '(root)' ? root : `${root}${path.startsWith('[') ? '' : '.'}${path}`}${suffix ? suffix(issue.path) : ''}: ${issue.message}`
    })
    .join('; ')
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, root: string, suffix?: (path: PropertyKey[]) => string): z.output<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw badRequest(describeIssues(parsed.error, root, suffix))
  return parsed.data
}

/** Legacy `uid`: a list, or one string (the single-row variants answer one object). */
function uidList(uid: unknown, what: string): { list: string[]; single: boolean } {
  if (typeof uid === 'string') return { list: [uid], single: true }
  if (Array.isArray(uid) && uid.every((u) => typeof u === 'string')) return { list: uid as string[], single: false }
  throw badRequest(`values.uid must be a list of ${what}`)
}

// --- /_emulator: observability and dashboard state (unsigned, loopback only) ---------------------

function registerInternalRoutes(app: FastifyInstance, options: ServerOptions): void {
  const { state, stats } = options
  const loopbackOnly = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (isLoopback(req.socket.remoteAddress)) return true
    void reply.code(403).send({ message: 'The /_emulator endpoints answer loopback clients only' })
    return false
  }
  const get = (url: string, handler: (req: FastifyRequest, reply: FastifyReply) => unknown) =>
    app.get(url, async (req, reply) => {
      if (!loopbackOnly(req, reply)) return reply
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
        stages: p.stages.map((s) => ({ uuid: s.uuid, title: s.title, stageType: s.stageType, pathways: s.pathways, taskCount: counts.get(s.uuid) ?? 0 })),
      },
    }
  })

  get('/_emulator/api/projects/:projectHash/tasks', (req) => {
    const p = project((req.params as { projectHash: string }).projectHash)
    const q = req.query as { stage?: string; q?: string; limit?: string; cursor?: string }
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000)
    const needle = q.q?.toLowerCase() ?? ''
    const stageUuids = q.stage ? [p.stages.find((s) => s.uuid === q.stage || s.title === q.stage)?.uuid ?? q.stage] : p.stages.map((s) => s.uuid)
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
      if (needle && !(t.uuid.startsWith(needle) || t.dataHash.startsWith(needle) || (unit?.dataTitle.toLowerCase().includes(needle) ?? false))) continue
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
      storageItem: item ? { uuid: item.uuid, name: item.name, itemType: item.itemType, mimeType: item.mimeType, clientMetadata: item.clientMetadata } : null,
      labelRow: row ? { labelHash: row.labelHash, branchName: row.branchName, labelStatus: row.labelStatus, lastEditedAt: row.lastEditedAt === null ? null : new Date(row.lastEditedAt).toISOString(), labels: row.labels } : null,
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
    const events = p.history.slice(since, since + limit).map(({ before, ...rest }) => ({ ...rest, hasBefore: before !== undefined }))
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
