/** Encord's REST v2 API: projects, ontologies, workflow tasks and actions, priorities, storage items. */
import { V2GetBulkBody, V2PrioritiesBody, V2StoragePatchBody, V2WorkflowActionsBody } from '../encord/models.js'
import { canAccessProject } from './auth.js'
import { badRequest, EmulatorHttpError } from './http-error.js'
import { actor, BODY_LIMITS, by, parseJson, parseWith, queryBool, type RouteContext } from './server-pipeline.js'
import { WIRE_STAGE_TYPES, wireOntology, wireProject, wireStorageItem, wireTask } from './wire.js'

export function registerV2Routes(ctx: RouteContext): void {
  const { route, state, stats, projectFor, itemFor, signer } = ctx
  const options = ctx
  route('GET', '/v2/public/projects/:projectHash', 'get-project', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    return { status: 200, body: wireProject(state, project, { allStages: options.exposeAllStages }) }
  })

  route('GET', '/v2/public/ontologies/:ontologyHash', 'get-ontology', 'v2', (call) => {
    const ontology = state.ontologies.get(call.params.ontologyHash)
    if (!ontology) throw new EmulatorHttpError(404, 'Not found')
    const principal = call.principal!
    if (principal.projects !== '*') {
      const allowed = [...state.projects.values()].some(
        (p) => p.ontologyHash === ontology.ontologyHash && canAccessProject(principal, p.projectHash),
      )
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
      actions.map((a) => ({
        taskUuid: a.taskUuid,
        action: a.action,
        pathwayUuid: a.pathwayUuid,
        pathwayName: a.pathwayName,
        assignee: a.assignee ?? undefined,
      })),
      actor(call),
    )
    stats.proceeded(moved)
    return { status: 204 }
  })

  route(
    'POST',
    '/v2/public/projects/:projectHash/workflow/stages/:stageUuid/move-tasks',
    'move-tasks',
    'v2',
    (call) => {
      const project = projectFor(call, call.params.projectHash)
      const body = parseJson(call.body) as { taskUuids?: unknown; destinationStageUuid?: unknown }
      if (
        !Array.isArray(body?.taskUuids) ||
        body.taskUuids.some((t) => typeof t !== 'string') ||
        typeof body.destinationStageUuid !== 'string'
      ) {
        throw badRequest('Body must be {"taskUuids": [...], "destinationStageUuid": "..."}')
      }
      if (!project.stageByUuid.has(call.params.stageUuid)) throw new EmulatorHttpError(404, 'Not found')
      state.moveTasks(
        project.projectHash,
        call.params.stageUuid,
        body.taskUuids as string[],
        body.destinationStageUuid,
        actor(call),
      )
      return { status: 204 }
    },
  )

  route('POST', '/v2/public/projects/:projectHash/priorities', 'set-priorities', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const body = parseWith(V2PrioritiesBody, parseJson(call.body), 'body')
    state.setPriorities(project.projectHash, body.priorities, by(call))
    return { status: 204 }
  })

  route('GET', '/v2/public/projects/:projectHash/datasets', 'list-datasets', 'v2', (call) => {
    const project = projectFor(call, call.params.projectHash)
    const hashes = [...new Set([...project.dataUnits.values()].map((d) => d.datasetHash))]
    return {
      status: 200,
      body: { results: hashes.map((h) => ({ datasetHash: h, title: state.datasetTitle(h), description: '' })) },
    }
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

  // Client metadata may be large: the storage PATCHes take more than the other calls.
  const storage = { bodyLimit: BODY_LIMITS.storage }
  route(
    'PATCH',
    '/v2/public/storage/folders/:folderUuid/items/:itemUuid',
    'update-storage-item',
    'v2',
    (call) => {
      const item = itemFor(call, call.params.itemUuid, 404)
      if (item.parent !== call.params.folderUuid) throw new EmulatorHttpError(404, 'Not found')
      const patch = parseWith(V2StoragePatchBody, parseJson(call.body), 'body')
      const updated = state.updateStorageItem(item.uuid, patch, by(call))
      return { status: 200, body: wireStorageItem(state, updated, null) }
    },
    storage,
  )

  route(
    'PATCH',
    '/v2/public/storage/items/patch-bulk',
    'update-storage-items',
    'v2',
    (call) => {
      const body = parseJson(call.body) as { itemPatches?: unknown }
      if (typeof body?.itemPatches !== 'object' || body.itemPatches === null || Array.isArray(body.itemPatches))
        throw badRequest('Body must be {"itemPatches": {"<item uuid>": {...}}}')
      const patches = Object.entries(body.itemPatches as Record<string, unknown>).map(([uuid, patch]) => {
        itemFor(call, uuid, 404)
        return [uuid, parseWith(V2StoragePatchBody, patch, `itemPatches.${uuid}`)] as const
      })
      const results = patches.map(([uuid, patch]) =>
        wireStorageItem(state, state.updateStorageItem(uuid, patch, by(call)), null),
      )
      return { status: 200, body: { results } }
    },
    storage,
  )

  route('GET', '/v2/public/storage/folders/:folderUuid/items/:itemUuid/child-items', 'child-items', 'v2', (call) => {
    const item = itemFor(call, call.params.itemUuid, 404)
    if (item.parent !== call.params.folderUuid) throw new EmulatorHttpError(404, 'Not found')
    const sign = queryBool(call.query, 'signUrls') ? signer(call.origin) : null
    return {
      status: 200,
      body: { results: item.children.map((uuid) => wireStorageItem(state, state.storageItem(uuid), sign)) },
    }
  })
}
