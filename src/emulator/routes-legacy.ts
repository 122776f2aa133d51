/**
 * Encord's legacy RPC API (`POST /public`, an `{query_type, query_method, values}` body): label rows; and
 * its user-level twin (`POST /public/user`, no ResourceType/ResourceID headers) the SDK's user client
 * creates and deletes projects with.
 */
import {
  LegacyLabelRowCreatePayload,
  LegacyLabelRowGetPayload,
  LegacyLabelRowMetadataPayload,
  LegacyLabelRowSavePayload,
  LegacyRequestBody,
} from '../encord/models.js'
import { badRequest, EmulatorHttpError } from './http-error.js'
import { exceedsJsonDepth, tooDeep } from './json-body.js'
import {
  by,
  describeIssues,
  ok,
  parseJson,
  parseWith,
  uidList,
  type Call,
  type RouteContext,
} from './server-pipeline.js'
import { legacyCreateProject, legacyDeleteProject } from './routes-workspace.js'
import { emptyLabels, wireLabelRow } from './wire.js'
import { labelRowJson, metadataRowJson, okJson } from './wire-cache.js'

// The request schemas with every key optional, built once: `.partial()` makes a new schema, and a new
// zod schema compiles its parser on first use, which made up most of the emulator's CPU for these
// calls when it ran per request.
const LabelRowMetadataPayloadPartial = LegacyLabelRowMetadataPayload.partial()
const LabelRowGetPayloadPartial = LegacyLabelRowGetPayload.partial()
const LabelRowCreatePayloadPartial = LegacyLabelRowCreatePayload.partial()

const LEGACY_ENDPOINTS: Record<string, string> = {
  'labelrowmetadata:GET': 'label-row-metadata',
  'labelrow:GET': 'get-label-rows',
  'labelrow:PUT': 'create-label-rows',
  'labelrow:POST': 'save-label-rows',
  'project:POST': 'create-project',
}

/** The user-level calls (`POST /public/user`). */
const USER_ENDPOINTS: Record<string, string> = {
  'project:POST': 'create-project',
  'project:DELETE': 'delete-project',
}

/** The endpoint id of a legacy call, read off its body (parsed once, kept on the call for the handler). */
function endpointOf(table: Record<string, string>): (call: Call) => string {
  return (call) => {
    try {
      // Too deep for the parser: parseJson in the route answers the 400.
      if (exceedsJsonDepth(call.body)) throw tooDeep()
      const value: unknown = JSON.parse(call.body.toString('utf8'))
      call.legacyJson = { ok: true, value }
      const body = (value ?? {}) as { query_type?: unknown; query_method?: unknown }
      const key = `${String(body.query_type)}:${String(body.query_method)}`
      return table[key] ?? 'legacy'
    } catch {
      call.legacyJson = { ok: false }
      return 'legacy'
    }
  }
}

/** The legacy body of a call (read by {@link endpointOf}; an empty or malformed body gets parseJson's 400). */
function legacyBody(call: Call): LegacyRequestBody {
  const json = call.legacyJson?.ok === true && call.body.length > 0 ? call.legacyJson.value : parseJson(call.body)
  const parsedBody = LegacyRequestBody.safeParse(json)
  if (!parsedBody.success) throw badRequest(`Invalid request: ${describeIssues(parsedBody.error, 'body')}`)
  return parsedBody.data
}

const notImplemented = (type: string, method: string) =>
  new EmulatorHttpError(405, `${type} ${method} is not implemented by the emulator`, {
    code: 'METHOD_NOT_ALLOWED_ERROR',
  })

export function registerLegacyRoutes(ctx: RouteContext): void {
  const { route, state, projectFor, signer } = ctx
  const options = ctx

  route('POST', '/public/user', endpointOf(USER_ENDPOINTS), 'legacy', (call) => {
    const { query_type: type, query_method: method, values } = legacyBody(call)
    if (`${type}:${method}` === 'project:POST') return ok(legacyCreateProject(ctx, call, values.payload))
    if (`${type}:${method}` === 'project:DELETE') return ok(legacyDeleteProject(ctx, call, values.uid))
    throw notImplemented(type, method)
  })

  route('POST', '/public', endpointOf(LEGACY_ENDPOINTS), 'legacy', (call) => {
    const { query_type: type, query_method: method, values } = legacyBody(call)
    // Also accepted here (the SDK sends it to /public/user).
    if (`${type}:${method}` === 'project:POST') return ok(legacyCreateProject(ctx, call, values.payload))
    const resourceType = String(call.req.headers['resourcetype'] ?? '')
    const resourceId = String(call.req.headers['resourceid'] ?? '')
    if (resourceType !== 'project' || resourceId === '') {
      throw new EmulatorHttpError(
        400,
        `This call needs the headers ResourceType: project and ResourceID: <project hash> (got ResourceType ${JSON.stringify(resourceType)})`,
      )
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
        // Each row's JSON is kept while the row is unchanged (wire-cache.ts).
        return okJson(rows.map((row) => metadataRowJson(state, project, row, inc)))
      }
      case 'labelrow:GET': {
        const uids = uidList(values.uid, 'label hashes')
        limitRows(uids.list.length)
        const p = parseWith(LabelRowGetPayloadPartial, payload ?? {}, 'payload')
        const sign = p.get_signed_url ? signer(call.origin) : null
        const objectFeatureHashes = p.include_object_feature_hashes
        const classificationFeatureHashes = p.include_classification_feature_hashes
        if (!sign && objectFeatureHashes == null && classificationFeatureHashes == null) {
          // The common case (no signed URLs, no filters): each row's JSON is kept while it is unchanged.
          const pieces = uids.list.map((hash) => labelRowJson(state, project, state.labelRow(project, hash)))
          return okJson(uids.single ? pieces[0] : pieces)
        }
        const rows = uids.list.map((hash) =>
          wireLabelRow(state, project, state.labelRow(project, hash), {
            sign,
            objectFeatureHashes,
            classificationFeatureHashes,
          }),
        )
        return ok(uids.single ? rows[0] : rows)
      }
      case 'labelrow:PUT': {
        const uids = uidList(values.uid, 'data hashes')
        limitRows(uids.list.length)
        const p = parseWith(LabelRowCreatePayloadPartial, payload ?? {}, 'payload')
        const created = state.createLabelRows(
          project.projectHash,
          uids.list,
          p.branch_name ?? 'main',
          (unit) => emptyLabels(state, unit),
          by(call),
        )
        if (!p.get_signed_url) {
          const pieces = created.map((row) => labelRowJson(state, project, row))
          return okJson(uids.single ? pieces[0] : pieces)
        }
        const rows = created.map((row) => wireLabelRow(state, project, row, { sign: signer(call.origin) }))
        return ok(uids.single ? rows[0] : rows)
      }
      case 'labelrow:POST': {
        const uids = uidList(values.uid, 'label hashes')
        limitRows(uids.list.length)
        const p = parseWith(LegacyLabelRowSavePayload, payload ?? {}, 'payload')
        if (p.labels.length !== uids.list.length)
          throw badRequest(`uid has ${uids.list.length} label hashes but payload.labels has ${p.labels.length} rows`)
        p.labels.forEach((labels, i) => {
          if (labels.label_hash !== undefined && labels.label_hash !== null && labels.label_hash !== uids.list[i]) {
            throw badRequest(`payload.labels[${i}].label_hash is ${labels.label_hash} but uid[${i}] is ${uids.list[i]}`)
          }
          if (
            'data_units' in labels &&
            (typeof labels.data_units !== 'object' || labels.data_units === null || Array.isArray(labels.data_units))
          ) {
            throw new EmulatorHttpError(400, `payload.labels[${i}].data_units must be an object`, {
              code: 'CORRUPTED_LABEL_ERROR',
            })
          }
        })
        state.saveLabelRows(
          project.projectHash,
          uids.list.map((labelHash, i) => ({ labelHash, labels: p.labels[i] })),
          by(call),
        )
        return ok(true)
      }
      default:
        throw notImplemented(type, method)
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
}
