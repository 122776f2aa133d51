import {
  ApiChannel,
  legacyCall,
  localCall,
  parseJson,
  parseWith,
  rephraseNotFound,
  seg,
  v2Call,
} from './api-channel.js'
import { EncordIssues } from './issues.js'
import { EncordWorkspace } from './workspace.js'
import {
  EncordInvalidArgumentsError,
  EncordNotFoundError,
  EncordProtocolError,
  EncordServerError,
  type EncordApiError,
  type EncordCall,
} from './errors.js'
import {
  LegacyLabelRowMetadataResponse,
  LegacyLabelRowsResponse,
  V2GetBulkResponse,
  V2Ontology,
  V2Project,
  V2StorageItem,
  type LegacyLabelRowMetadataPayload,
} from './models.js'
import { chunk } from '../shared/arrays.js'
import { bundled, DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './bundles.js'
import { labelsFingerprint } from './labels-fingerprint.js'
import { DEFAULT_FLOAT_KEYS } from './python-json.js'
import { isLabelRowMetadataRows, isLabelRows } from './fast-check.js'
import { toLabelRowMetadata, toStage, toStorageItem } from './to-model.js'
import { isAmbiguous, proceedTasks } from './proceed.js'
import { Transport, type TransportOptions, type TransportStats } from './transport.js'
import { listStageTaskPages } from './list-tasks.js'
import type {
  AgentTask,
  EncordApi,
  GetProjectOptions,
  LabelRowDict,
  LabelRowMetadata,
  LabelRowMetadataOptions,
  ListTasksOptions,
  ProceedAction,
  ProceedResult,
  Project,
  StorageItem,
  TaskFilters,
} from './types.js'

export type { BundleLimits } from './bundles.js'

/** Options of {@link EncordClient}: the transport's (key, retries, timeouts, connections), an optional domain, and bundle sizes. */
export interface EncordClientOptions extends Omit<TransportOptions, 'domain'> {
  /**
   * API origin.
   * @default 'https://api.encord.com' (see `resolveDomain` for ENCORD_DOMAIN)
   */
  domain?: string
  /** Override bundle sizes. */
  bundles?: Partial<BundleLimits>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True when a pathway reference is a UUID (then it is sent as `pathwayUuid`, else as `pathwayName`). */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/**
 * The Encord API client: every call the task runner makes, over the right transport (REST v2 or
 * legacy RPC), signed, retried and bundled as Encord's Python SDK does.
 *
 * @example
 * const client = new EncordClient({ key: parsePrivateKey(readFileSync(keyFile, 'utf8')) })
 * const project = await client.getProject(projectHash)
 * for await (const task of client.listTasks(projectHash, agentStage.uuid)) console.log(task.dataTitle)
 * await client.close()
 */
export class EncordClient implements EncordApi {
  readonly domain: string
  readonly bundles: BundleLimits
  readonly #api: ApiChannel
  /** The account's projects, datasets, ontologies and templates; create and delete projects (workspace.ts). */
  readonly workspace: EncordWorkspace
  /** Task issues (comment threads on a data unit, a frame or a point): list and open them (issues.ts). */
  readonly issues: EncordIssues

  constructor(options: EncordClientOptions) {
    const domain = (options.domain ?? 'https://api.encord.com').replace(/\/+$/, '')
    this.domain = domain
    this.bundles = { ...DEFAULT_BUNDLE_LIMITS, ...options.bundles }
    for (const [name, value] of Object.entries(this.bundles)) {
      if (!Number.isInteger(value) || value < 1)
        throw new EncordInvalidArgumentsError('bundleSize', { name, value }, { call: localCall('new EncordClient') })
    }
    this.#api = new ApiChannel(new Transport({ ...options, domain }), domain)
    this.workspace = new EncordWorkspace(this.#api)
    this.issues = new EncordIssues(this.#api)
  }

  /** Requests per endpoint, retries and new connections since the client was made (or `resetStats`). */
  stats(): TransportStats {
    return this.#api.transport.stats()
  }

  resetStats(): void {
    this.#api.transport.resetStats()
  }

  /**
   * Open connections now, until `connections` are open (at most the pool's `connections`), so a run's
   * parallel requests find them ready instead of paying a handshake each. Only sockets are opened (TCP
   * and TLS), no request is sent; one unused for 10 s is closed. The Runner calls it as a run starts.
   */
  preconnect(connections: number): void {
    this.#api.transport.preconnect(connections)
  }

  /** Close the keep-alive connections. The client cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#api.transport.close()
  }

  // ----------------------------------------------------------------------------------------------
  // Project, ontology, workflow

  /**
   * The project with its workflow graph and ontology (two requests: project, then ontology);
   * `onWorkflow` gets the workflow between the two.
   */
  async getProject(projectHash: string, options: GetProjectOptions = {}): Promise<Project> {
    let wire: V2Project
    try {
      wire = await this.#api.v2Json('getProject', 'GET', `projects/${seg(projectHash)}`, V2Project)
    } catch (error) {
      throw rephraseNotFound(error, 'project', { projectHash })
    }
    const workflow = { stages: (wire.workflow?.stages ?? []).map(toStage) }
    options.onWorkflow?.(workflow)
    let ontology: V2Ontology
    try {
      ontology = await this.#api.v2Json('getOntology', 'GET', `ontologies/${seg(wire.ontologyHash)}`, V2Ontology)
    } catch (error) {
      throw rephraseNotFound(error, 'ontology', { ontologyHash: wire.ontologyHash, projectHash })
    }
    return {
      projectHash: wire.projectHash,
      title: wire.title,
      description: wire.description,
      projectType: wire.projectType,
      status: wire.status,
      ontologyHash: wire.ontologyHash,
      ontology: {
        ontologyHash: ontology.ontologyUuid,
        title: ontology.title,
        description: ontology.description,
        structure: ontology.editor,
        createdAt: ontology.createdAt,
        lastEditedAt: ontology.lastEditedAt,
      },
      workflow,
      userRole: wire.userRole ?? null,
      createdAt: wire.createdAt,
      lastEditedAt: wire.lastEditedAt,
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Tasks

  /**
   * All tasks of a stage matching the filters, page by page: the next page is requested only when the
   * iterator has handed out the previous one, or with `pageAhead` as soon as the previous page's cursor
   * is read (see {@link ListTasksOptions}). An empty `dataHashes` list matches nothing (no request);
   * long `dataHashes` lists are split over several listings (they travel in the URL).
   */
  async *listTasks(
    projectHash: string,
    stageUuid: string,
    filters: TaskFilters = {},
    options: ListTasksOptions = {},
  ): AsyncGenerator<AgentTask> {
    for await (const page of this.listTaskPages(projectHash, stageUuid, filters, options)) yield* page
  }

  /**
   * The same listing as {@link listTasks}, one page of tasks (a non-empty array, up to 100 tasks) at a
   * time: for consumers that handle tasks in groups, one step per page instead of one per task.
   */
  async *listTaskPages(
    projectHash: string,
    stageUuid: string,
    filters: TaskFilters = {},
    options: ListTasksOptions = {},
  ): AsyncGenerator<AgentTask[]> {
    const { dataHashes } = filters
    if (dataHashes !== undefined && dataHashes.length === 0) return
    const chunks = dataHashes === undefined ? [undefined] : chunk(unique(dataHashes), this.bundles.taskFilterDataHashes)
    for (const hashes of chunks)
      yield* listStageTaskPages(this.#api, {
        projectHash,
        stageUuid,
        filters,
        hashes,
        pageAhead: options.pageAhead === true,
      })
  }

  // ----------------------------------------------------------------------------------------------
  // Proceed

  /**
   * Proceed tasks of one stage along pathways, in bundles of `bundles.proceed` actions, exactly once
   * (see proceed.ts for how ambiguous failures, stale tasks and oversized bundles are handled). If the
   * call still fails, the thrown error's `data` holds `proceeded`, `stale` and `notProceeded`.
   */
  async proceedTasks(projectHash: string, stageUuid: string, actions: ProceedAction[]): Promise<ProceedResult> {
    const ctx = { api: this.#api, bundleSize: this.bundles.proceed, listTasks: this.listTasks.bind(this) }
    return proceedTasks(ctx, projectHash, stageUuid, actions)
  }

  // ----------------------------------------------------------------------------------------------
  // Label rows

  /**
   * Label row metadata (legacy `labelrowmetadata`), one row per data unit. Defaults as the SDK's
   * `list_label_rows_v2`: uninitialised rows included (`labelHash: null`), workflow node included.
   * `dataHashes` are split into bundles of `bundles.metadataDataHashes`; an empty list returns [].
   */
  async listLabelRowMetadata(projectHash: string, options: LabelRowMetadataOptions = {}): Promise<LabelRowMetadata[]> {
    const call = legacyCall('labelRowMetadata', this.#api.legacyPath, 'labelrowmetadata', 'GET')
    if (options.branchName != null && options.includeAllLabelBranches) {
      throw new EncordInvalidArgumentsError('branchAndAllBranches', {}, { call })
    }
    if (options.dataHashes !== undefined && options.dataHashes.length === 0) return []
    if (options.dataHashes === undefined && options.labelHashes !== undefined && options.labelHashes.length === 0)
      return []
    const dataChunks =
      options.dataHashes === undefined
        ? [undefined]
        : chunk(unique(options.dataHashes), this.bundles.metadataDataHashes)
    const rows: LabelRowMetadata[] = []
    for (const dataHashes of dataChunks) {
      // Every key, in the SDK's order (the body is signed byte for byte).
      const payload: LegacyLabelRowMetadataPayload = {
        edited_before: options.editedBefore ?? null,
        edited_after: options.editedAfter ?? null,
        label_statuses: options.labelStatuses ?? null,
        shadow_data_state: null,
        include_uninitialised_labels: true,
        data_hashes: dataHashes ?? null,
        label_hashes: options.labelHashes ?? null,
        data_title_eq: options.dataTitleEq ?? null,
        data_title_like: options.dataTitleLike ?? null,
        workflow_graph_node_title_eq: options.workflowGraphNodeTitleEq ?? null,
        workflow_graph_node_title_like: options.workflowGraphNodeTitleLike ?? null,
        include_client_metadata: options.includeClientMetadata ?? false,
        include_images_data: options.includeImagesData ?? false,
        include_children: options.includeChildren ?? false,
        include_workflow_graph_node: options.includeWorkflowGraphNode ?? true,
        include_all_label_branches: options.includeAllLabelBranches ?? false,
        branch_name: options.branchName ?? null,
      }
      const response = await this.#api.legacy(
        'labelRowMetadata',
        projectHash,
        'labelrowmetadata',
        'GET',
        null,
        payload,
        'idempotent',
      )
      if (response === null) throw new EncordNotFoundError('noLabelRows', { projectHash }, { call })
      const parsed = isLabelRowMetadataRows(response)
        ? response
        : parseWith(LegacyLabelRowMetadataResponse, response, call, 'label row metadata')
      rows.push(...parsed.map(toLabelRowMetadata))
    }
    return rows
  }

  /**
   * Create (and initialise) label rows for data units that have none yet (legacy `labelrow` PUT), in
   * bundles of `bundles.labelRowsCreate`; returns the rows in the order of `dataHashes`.
   * Get-or-create: when a row already exists (`RESOURCE_EXISTS_ERROR`) or the create may have been
   * applied before a failure, existing rows are fetched instead of created twice.
   */
  async createLabelRows(
    projectHash: string,
    dataHashes: string[],
    options: { branchName?: string; includeSignedUrl?: boolean } = {},
  ): Promise<LabelRowDict[]> {
    const branch = options.branchName ?? 'main'
    const wanted = unique(dataHashes)
    const byDataHash = new Map<string, LabelRowDict>()
    const call = legacyCall('createLabelRows', this.#api.legacyPath, 'labelrow', 'PUT')
    await bundled(wanted, this.bundles.labelRowsCreate, async (bundle) => {
      const send = async (hashes: string[]): Promise<void> => {
        const response = await this.#api.legacy(
          'createLabelRows',
          projectHash,
          'labelrow',
          'PUT',
          hashes,
          { multi_request: true, get_signed_url: options.includeSignedUrl ?? false, branch_name: branch },
          'connect-only',
        )
        if (response === null) throw new EncordNotFoundError('noneCreated', {}, { call })
        for (const row of labelRows(response, call, 'created label rows')) byDataHash.set(row.data_hash, row)
      }
      try {
        await send(bundle)
      } catch (error) {
        const exists = error instanceof EncordInvalidArgumentsError && error.legacyCode === 'RESOURCE_EXISTS_ERROR'
        if (!exists && !isAmbiguous(error)) throw error
        // Some rows may exist now: fetch those, create only the rest (once).
        const meta = await this.listLabelRowMetadata(projectHash, {
          dataHashes: bundle,
          branchName: branch,
          includeWorkflowGraphNode: false,
        })
        const existing = new Map(
          meta.filter((m) => m.labelHash !== null).map((m) => [m.dataHash, m.labelHash as string]),
        )
        if (existing.size > 0) {
          const rows = await this.getLabelRows(projectHash, [...existing.values()], {
            includeSignedUrl: options.includeSignedUrl,
          })
          for (const row of rows) byDataHash.set(String(row.data_hash), row)
        }
        const missing = bundle.filter((h) => !existing.has(h))
        if (missing.length > 0) {
          if (exists && existing.size === 0) throw error // the server says they exist but lists none: do not loop
          await send(missing)
        }
      }
    })
    const absent = wanted.filter((h) => !byDataHash.has(h))
    if (absent.length > 0)
      throw new EncordProtocolError('labelRowsMissing', { shown: preview(absent), count: absent.length }, { call })
    return dataHashes.map((h) => byDataHash.get(h) as LabelRowDict)
  }

  /**
   * Label rows by label hash (legacy `labelrow` GET), in bundles of `bundles.labelRowsGet` (fewer if
   * the server says `MULTI_LABEL_LIMIT_ERROR`); returned in the order asked. A hash Encord does not
   * return is an `EncordNotFoundError`.
   */
  async getLabelRows(
    projectHash: string,
    labelHashes: string[],
    options: {
      includeSignedUrl?: boolean
      includeObjectFeatureHashes?: string[]
      includeClassificationFeatureHashes?: string[]
      includeReviews?: boolean
    } = {},
  ): Promise<LabelRowDict[]> {
    const wanted = unique(labelHashes)
    const byLabelHash = new Map<string, LabelRowDict>()
    const call = legacyCall('getLabelRows', this.#api.legacyPath, 'labelrow', 'GET')
    await bundled(wanted, this.bundles.labelRowsGet, async (bundle) => {
      const payload = {
        get_signed_url: options.includeSignedUrl ?? false,
        multi_request: true,
        include_object_feature_hashes: options.includeObjectFeatureHashes ?? null,
        include_classification_feature_hashes: options.includeClassificationFeatureHashes ?? null,
        include_reviews: options.includeReviews ?? false,
        include_export_history: false,
        include_archived: false,
      }
      const response = await this.#api.legacy(
        'getLabelRows',
        projectHash,
        'labelrow',
        'GET',
        bundle,
        payload,
        'idempotent',
      )
      if (response === null)
        throw new EncordNotFoundError('noneOfLabelRows', { shown: preview(bundle), count: bundle.length }, { call })
      for (const row of labelRows(response, call, 'label rows')) {
        if (row.label_hash !== null) byLabelHash.set(row.label_hash, row)
      }
    })
    const absent = wanted.filter((h) => !byLabelHash.has(h))
    if (absent.length > 0)
      throw new EncordNotFoundError('labelRowsMissing', { shown: preview(absent), count: absent.length }, { call })
    return labelHashes.map((h) => byLabelHash.get(h) as LabelRowDict)
  }

  /** Save (overwrite) label rows (legacy `labelrow` POST), `bundles.labelRowsSave` per request. */
  async saveLabelRows(projectHash: string, rows: Array<{ labelHash: string; labelRow: LabelRowDict }>): Promise<void> {
    const call = legacyCall('saveLabelRows', this.#api.legacyPath, 'labelrow', 'POST')
    for (const { labelHash, labelRow } of rows) {
      const own = labelRow.label_hash
      if (own !== undefined && own !== null && own !== labelHash) {
        throw new EncordInvalidArgumentsError('otherLabelHash', { labelHash, own }, { call })
      }
    }
    await bundled(rows, this.bundles.labelRowsSave, (bundle) => this.#saveBundle(projectHash, bundle, call))
  }

  /**
   * One bundle of label saves, applied once. 429s and connection errors before sending are retried by
   * the transport; after an ambiguous failure (the connection dropped after sending, a timeout, a 5xx:
   * Encord may have written the rows) the rows are read back and only those not already holding the
   * labels we sent are saved again. When they cannot be read back, all are sent again (same labels).
   */
  async #saveBundle(
    projectHash: string,
    bundle: Array<{ labelHash: string; labelRow: LabelRowDict }>,
    call: EncordCall,
  ): Promise<void> {
    let pending = bundle
    let ambiguousFailures = 0
    for (;;) {
      try {
        const payload = { multi_request: true, labels: pending.map((r) => r.labelRow), validate_before_saving: false }
        const response = await this.#api.legacy(
          'saveLabelRows',
          projectHash,
          'labelrow',
          'POST',
          pending.map((r) => r.labelHash),
          payload,
          'unapplied',
          DEFAULT_FLOAT_KEYS,
        )
        if (response === null) throw new EncordServerError('saveUnconfirmed', {}, { call })
        return
      } catch (error) {
        if (!isAmbiguous(error)) throw error
        ambiguousFailures++
        if (ambiguousFailures > this.#api.transport.policy.retries) throw error
        await this.#api.transport.backoff(ambiguousFailures)
        try {
          const current = await this.getLabelRows(
            projectHash,
            pending.map((r) => r.labelHash),
          )
          pending = pending.filter((r, i) => labelsFingerprint(current[i]) !== labelsFingerprint(r.labelRow))
        } catch {
          // Cannot tell what landed: send them all again (the same labels, so nothing is doubled).
        }
        if (pending.length === 0) return
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Priorities

  /** Set task priorities by data hash (`bundles.priorities` pairs per request). 0 is valid and sent. */
  async setPriorities(projectHash: string, priorities: Array<{ dataHash: string; priority: number }>): Promise<void> {
    const path = `projects/${seg(projectHash)}/priorities`
    for (const p of priorities) {
      if (typeof p.priority !== 'number' || !Number.isFinite(p.priority) || p.priority < 0 || p.priority > 1) {
        throw new EncordInvalidArgumentsError(
          'priority',
          { priority: p.priority, dataHash: p.dataHash },
          { call: v2Call('setPriorities', 'POST', path) },
        )
      }
    }
    for (const bundle of chunk(priorities, this.bundles.priorities)) {
      const body = { priorities: bundle.map((p) => [p.dataHash, p.priority]) }
      // Python sends floats: 0 → 0.0, 1 → 1.0.
      await this.#api.v2NoContent('setPriorities', 'POST', path, {
        body,
        floatKeys: PRIORITY_FLOAT_KEYS,
        retry: 'idempotent',
      })
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Storage

  /**
   * Storage items in bulk, returned in the order asked (matched by uuid, whatever order Encord
   * answers in; duplicates allowed). An item Encord does not return is an `EncordNotFoundError`.
   */
  async getStorageItems(itemUuids: string[], options: { signUrls?: boolean } = {}): Promise<StorageItem[]> {
    const wanted = unique(itemUuids)
    const byUuid = new Map<string, StorageItem>()
    const path = 'storage/items/get-bulk'
    for (const bundle of chunk(wanted, this.bundles.storageGetBulk)) {
      const response = await this.#api.v2Json('storageGetBulk', 'POST', path, V2GetBulkResponse, {
        body: { itemUuids: bundle, signUrls: options.signUrls ?? true },
      })
      for (const item of response.results)
        byUuid.set(item.uuid, toStorageItem(item, v2Call('storageGetBulk', 'POST', path)))
    }
    const missing = wanted.filter((u) => !byUuid.has(u))
    if (missing.length > 0) {
      throw new EncordNotFoundError(
        'storageItems',
        { shown: preview(missing), count: missing.length, wanted: wanted.length },
        { call: v2Call('storageGetBulk', 'POST', path), data: { missing } },
      )
    }
    return itemUuids.map((u) => byUuid.get(u) as StorageItem)
  }

  /** One storage item (with a fresh signed URL when `signUrl`). */
  async getStorageItem(itemUuid: string, options: { signUrl?: boolean } = {}): Promise<StorageItem> {
    const path = `storage/items/${seg(itemUuid)}`
    try {
      const item = await this.#api.v2Json('getStorageItem', 'GET', path, V2StorageItem, {
        query: [['signUrl', options.signUrl ?? false]],
      })
      return toStorageItem(item, v2Call('getStorageItem', 'GET', path))
    } catch (error) {
      throw rephraseNotFound(error, 'storageItem', { itemUuid })
    }
  }

  /**
   * Update a storage item's name, description or client metadata (PATCH; `clientMetadata` replaces the
   * whole metadata). Not retried after the request was sent, as the SDK.
   */
  async updateStorageItem(
    item: { uuid: string; parent: string },
    patch: { name?: string; description?: string; clientMetadata?: Record<string, unknown> },
  ): Promise<StorageItem> {
    const path = `storage/folders/${seg(item.parent)}/items/${seg(item.uuid)}`
    const body: Record<string, unknown> = {}
    if (patch.name !== undefined) body.name = patch.name
    if (patch.description !== undefined) body.description = patch.description
    if (patch.clientMetadata !== undefined) body.clientMetadata = patch.clientMetadata
    const response = await this.#api.v2('updateStorageItem', 'PATCH', path, { body, retry: 'connect-only' })
    const call = v2Call('updateStorageItem', 'PATCH', path)
    if (response.status === 204 || response.bodyText.trim() === '') return this.getStorageItem(item.uuid)
    return toStorageItem(parseWith(V2StorageItem, parseJson(response, call), call, 'storage item'), call)
  }

  /** Stream a (signed) media URL to a file; no Encord credentials are sent. */
  async downloadToFile(
    url: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ bytes: number; contentType: string | null }> {
    return this.#api.transport.download(url, path, options)
  }
}

// ------------------------------------------------------------------------------------------------
// Small helpers

const PRIORITY_FLOAT_KEYS: ReadonlySet<string> = new Set(['priorities'])

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)]
}

function preview(items: readonly string[], max = 5): string {
  return items.slice(0, max).join(', ') + (items.length > max ? `, … (${items.length - max} more)` : '')
}

export type { EncordApiError }

/** Label row dicts from a `labelrow` reply: checked by hand when well-formed, by zod (its error) when not. */
function labelRows(response: unknown, call: EncordCall, what: string) {
  return isLabelRows(response) ? response : parseWith(LegacyLabelRowsResponse, response, call, what)
}
