import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import type { SigningKey } from '../encord/auth/keys.js'
import { signRequest } from '../encord/auth/sign.js'
import { pythonJson } from '../encord/python-json.js'
import { pick } from '../shared/records.js'
import { COMMON_FIELDS, FIXTURE_FORMAT, type FixtureInput } from './fixture.js'

/**
 * Test support: the spec's example project as an emulator fixture, and raw signed HTTP requests
 * (the way the Python SDK signs them) for tests that talk to the emulator without our client.
 */

type Json = Record<string, any>

/**
 * The consistent example project of the wire spec (`fixtures/*.json` of the spec folder: project,
 * ontology, three agent tasks, label rows for two of them, storage items) as a fixture. With
 * `pageSize: 2` the emulator answers the spec's task pages and vectors exactly.
 *
 * @param specDir the spec folder, e.g. `test/fixtures/encord-api`
 * @param publicKeyHex a key registered on the project @default the vectors' test key
 */
export function specFixture(specDir: string, publicKeyHex?: string): FixtureInput {
  const read = (name: string): Json => JSON.parse(readFileSync(join(specDir, 'fixtures', name), 'utf8')) as Json
  const vectors = JSON.parse(readFileSync(join(specDir, 'vectors.json'), 'utf8')) as Json
  const project = read('project.json')
  const ontology = read('ontology.json')
  const tasks = [...read('agent_tasks_page1.json').results, ...read('agent_tasks_page2.json').results] as Json[]
  const rows = read('legacy_label_row_metadata_response.json').response as Json[]
  const items = read('storage_items_get_bulk.json').results as Json[]
  const labelRows = [read('label_row_image.json'), read('label_row_video.json')]
  const agent = (project.workflow.stages as Json[]).find((s) => s.stageType === 'AGENT')!
  return {
    format: FIXTURE_FORMAT,
    users: [
      {
        email: 'agent@example.com',
        publicKeyHex: publicKeyHex ?? vectors.key.public_key_hex,
        projects: [project.projectHash],
      },
    ],
    ontologies: [
      {
        ontologyHash: ontology.ontologyUuid,
        title: ontology.title,
        description: ontology.description,
        createdAt: ontology.createdAt,
        lastEditedAt: ontology.lastEditedAt,
        structure: ontology.editor,
      },
    ],
    datasets: [{ datasetHash: rows[0].dataset_hash, title: rows[0].dataset_title }],
    storageItems: items.map((i) => ({
      uuid: i.uuid,
      parent: i.parent,
      itemType: i.itemType,
      name: i.name,
      description: i.description,
      clientMetadata: JSON.parse(i.clientMetadata),
      mimeType: i.mimeType,
      width: i.width,
      height: i.height,
      frameCount: i.frameCount,
      fps: i.fps,
      duration: i.duration,
      fileSize: i.fileSize,
      createdAt: i.createdAt,
      lastEditedAt: i.lastEditedAt,
      url: i.url,
      owner: i.owner,
      storageLocation: i.storageLocation,
      integrationHash: i.integrationHash,
      media: { generate: i.itemType === 'video' ? 'mp4' : 'png' },
    })),
    projects: [
      {
        ...pick(project, COMMON_FIELDS.project),
        createdAt: project.createdAt,
        lastEditedAt: project.lastEditedAt,
        workflowManagerUuid: project.workflowManagerUuid,
        workflow: {
          stages: (project.workflow.stages as Json[]).map((s) => ({
            uuid: s.uuid,
            title: s.title,
            stageType: s.stageType,
            pathways: s.pathways ?? [],
          })),
        },
        dataUnits: rows.map((r) => ({
          dataHash: r.data_hash,
          dataTitle: r.data_title,
          dataType: r.data_type,
          datasetHash: r.dataset_hash,
          backingItemUuid: r.backing_item_uuid,
          width: r.width,
          height: r.height,
          numberOfFrames: r.number_of_frames,
          fps: r.frames_per_second,
          duration: r.duration,
          fileType: r.file_type,
          dataLink: r.data_link,
        })),
        tasks: tasks.map((t) => ({
          uuid: t.uuid,
          dataHash: t.dataHash,
          stageUuid: agent.uuid,
          status: t.status,
          assignee: t.assignee,
          lastActionedBy: t.lastActionedBy,
          labelBranchName: t.labelBranchName,
          priority: rows.find((r) => r.data_hash === t.dataHash)?.priority ?? null,
          createdAt: t.createdAt,
          updatedAt: t.updatedAt,
        })),
        labelRows: labelRows.map((l) => ({
          labelHash: l.label_hash,
          dataHash: l.data_hash,
          branchName: l.branch_name,
          labelStatus: l.label_status,
          createdAt: l.created_at,
          lastEditedAt: l.last_edited_at,
          labels: {
            data_units: l.data_units,
            object_answers: l.object_answers,
            classification_answers: l.classification_answers,
            object_actions: l.object_actions,
            spaces: l.spaces,
          },
        })),
      },
    ],
  }
}

export interface SignedResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The JSON body, or undefined when the body is empty or not JSON. */
  json: any
}

/**
 * Send a request signed as Encord's SDK signs it: REST v2 (`/v2/public/...`) or legacy (`/public`,
 * then give `resource` for the ResourceType/ResourceID headers). JSON bodies are written with Python's
 * separators, like the SDK's.
 */
export async function signedRequest(
  domain: string,
  key: SigningKey,
  method: string,
  pathAndQuery: string,
  options: {
    body?: unknown
    rawBody?: Buffer | string
    resource?: { type: string; id: string }
    now?: number
    headers?: Record<string, string>
  } = {},
): Promise<SignedResponse> {
  const url = domain + pathAndQuery
  const body = options.rawBody ?? (options.body === undefined ? null : pythonJson(options.body))
  const headers: Record<string, string> = {}
  if (body !== null) headers['content-type'] = 'application/json'
  if (options.resource) {
    headers['ResourceType'] = options.resource.type
    headers['ResourceID'] = options.resource.id
  }
  for (const [name, value] of signRequest({ method, url, body, privateKey: key, now: options.now }))
    headers[name] = value
  Object.assign(headers, options.headers)
  const res = await request(url, { method: method as 'GET', headers, body: body ?? undefined })
  const text = await res.body.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, headers: res.headers, text, json }
}

/** A legacy RPC call: `POST /public` with the SDK's body shape. */
export function legacyCall(
  domain: string,
  key: SigningKey,
  projectHash: string,
  queryType: string,
  queryMethod: string,
  uid: unknown,
  payload: unknown,
  now?: number,
): Promise<SignedResponse> {
  return signedRequest(domain, key, 'POST', '/public', {
    body: { query_type: queryType, query_method: queryMethod, values: { uid, payload } },
    resource: { type: 'project', id: projectHash },
    now,
  })
}
