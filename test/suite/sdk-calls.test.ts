import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { signedRequest, type SignedResponse } from '../../src/emulator/testing.js'
import {
  AGENT_STAGE_UUID,
  AGENT_TO_COMPLETE_TEMPLATE_HASH,
  BBOX_ONTOLOGY_HASH,
  ONE_OF_EACH_DATASET_HASH,
  ONTOLOGY_HASH,
  suiteProject,
  type SuiteProject,
} from './helpers/workspace.js'
import { METADATA_DEFAULTS } from '../../src/emulator/server.test-kit.js'

/**
 * The calls Encord's encord-agents v0.2.9 suite makes through Encord's Python SDK (v0.1.190) outside
 * the runner, sent here byte for byte as the SDK shapes them (raw signed requests, no client of ours):
 * its fixtures (tests/fixtures.py: create a project per test from the workspace's dataset, ontology and
 * workflow template, delete it afterwards), the reads its tests check results with, and what
 * `project.create_bundle()` batches (initialise_labels on every data type, on the main branch and on a
 * named one, save, priorities, storage items). The Python suite is run against the emulator separately;
 * this proves the emulator answers what it asks, in the shapes the SDK parses.
 */

let env: SuiteProject
const key = generateOpenSshKey('sdk calls test key')
const signing = parsePrivateKey(key.privateKeyText)
beforeAll(async () => {
  env = await suiteProject('one-of-each')
  env.emulator.allowKey(key.publicKeyHex)
})
afterAll(async () => {
  await env?.close()
})

/** A user-level call (`EncordUserClient.querier`): `POST /public/user`, no ResourceType/ResourceID. */
const userCall = (queryType: string, method: string, uid: unknown, payload: unknown) =>
  signedRequest(env.emulator.domain, signing, 'POST', '/public/user', {
    body: { query_type: queryType, query_method: method, values: { uid, payload } },
  })

/** A project-level legacy call (`EncordClientProject`'s querier). */
const projectCall = (projectHash: string, queryType: string, method: string, uid: unknown, payload: unknown) =>
  signedRequest(env.emulator.domain, signing, 'POST', '/public', {
    body: { query_type: queryType, query_method: method, values: { uid, payload } },
    resource: { type: 'project', id: projectHash },
  })

const v2 = (method: string, path: string, body?: unknown) =>
  signedRequest(env.emulator.domain, signing, method, `/v2/public/${path}`, { body })

/** The legacy envelope's `response` of a 200. */
function response(res: SignedResponse): any {
  expect(res.json).toMatchObject({ status: 200 })
  return res.json.response
}

/** `project.list_label_rows_v2(...)`: the payload `EncordClientProject.list_label_rows` sends. */
const listLabelRows = (projectHash: string, extra: Record<string, unknown> = {}) =>
  projectCall(projectHash, 'labelrowmetadata', 'GET', null, { ...METADATA_DEFAULTS, ...extra })

/** `user_client.create_project(...)` as `create_default_project` calls it. */
async function createDefaultProject(): Promise<string> {
  const res = await userCall('project', 'POST', null, {
    title: 'encord-agents test project',
    description: 'encord-agents test project description',
    dataset_hashes: [ONE_OF_EACH_DATASET_HASH],
    workflow_type: 'manual',
    ontology_hash: ONTOLOGY_HASH,
    workflow_template_id: AGENT_TO_COMPLETE_TEMPLATE_HASH,
  })
  expect(res.status).toBe(200)
  const projectHash = response(res)
  expect(typeof projectHash).toBe('string')
  return projectHash as string
}

describe('fixtures.py through the SDK', () => {
  it('create_default_project: a project from the dataset, ontology and template; get_project, get_ontology, list_label_rows_v2, get_storage_item; then basic_delete(Project)', async () => {
    const projectHash = await createDefaultProject()

    // user_client.get_project: GET /projects/{P}, then get_ontology of its ontology hash.
    const project = await v2('GET', `projects/${projectHash}`)
    expect(project.status).toBe(200)
    expect(project.json).toMatchObject({
      projectHash,
      title: 'encord-agents test project',
      ontologyHash: ONTOLOGY_HASH,
    })
    const ontology = await v2('GET', `ontologies/${ONTOLOGY_HASH}`)
    expect(ontology.status).toBe(200)
    const objects = ontology.json.editor.objects as Array<{ featureNodeHash: string; shape: string }>
    expect(objects.find((o) => o.featureNodeHash === BBOX_ONTOLOGY_HASH)?.shape).toBe('bounding_box')

    // list_label_rows_v2(): one row per data unit, uninitialised, each with its storage item.
    const rows = response(await listLabelRows(projectHash)) as Array<Record<string, any>>
    expect(rows).toHaveLength(env.size)
    expect(rows.every((r) => r.label_hash === null && r.branch_name === 'main')).toBe(true)
    expect(rows.every((r) => r.workflow_graph_node?.uuid === AGENT_STAGE_UUID)).toBe(true)
    // user_client.get_storage_item(first_label_row.backing_item_uuid) (test_dependency_resolution's context).
    const item = await v2('GET', `storage/items/${rows[0].backing_item_uuid}?signUrl=False`)
    expect(item.status).toBe(200)
    expect(item.json.uuid).toBe(rows[0].backing_item_uuid)

    // Teardown: user_client.querier.basic_delete(Project, uid=project_hash).
    expect(response(await userCall('project', 'DELETE', projectHash, null))).toBe(true)
    expect((await v2('GET', `projects/${projectHash}`)).status).toBe(404)
    const again = await userCall('project', 'DELETE', projectHash, null)
    expect(again.json).toMatchObject({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] })
  })

  it('refuses what it does not implement at the user level, and a delete without a project hash', async () => {
    const unknown = await userCall('dataset', 'DELETE', ONE_OF_EACH_DATASET_HASH, null)
    expect(unknown.json).toMatchObject({ status: 405, response: ['METHOD_NOT_ALLOWED_ERROR'] })
    const noUid = await userCall('project', 'DELETE', null, null)
    expect(noUid.json).toMatchObject({ status: 400 })
    expect(noUid.text).toContain('values.uid')
  })
})

describe('project.create_bundle(): the batched calls', () => {
  it('initialise_labels on every data type (one PUT per branch), get in one GET, save in one POST, priorities and storage items in one request each', async () => {
    const projectHash = await createDefaultProject()
    const before = env.requestsByEndpoint()
    const rows = response(await listLabelRows(projectHash)) as Array<Record<string, any>>
    const dataHashes = rows.map((r) => r.data_hash as string)
    const types = new Set(rows.map((r) => r.data_type))
    expect(types).toEqual(new Set(['IMAGE', 'IMG_GROUP', 'PDF', 'AUDIO', 'PLAIN_TEXT', 'GROUP', 'VIDEO']))

    // initialise_labels(bundle=...) on rows without a label hash: create_label_rows, all uids at once.
    // The SDK sends branch_name null when the row names none.
    const created = response(
      await projectCall(projectHash, 'labelrow', 'PUT', dataHashes, {
        multi_request: true,
        get_signed_url: false,
        branch_name: null,
      }),
    ) as Array<Record<string, any>>
    // The bundle hands each result to its row by data_hash.
    expect(created.map((r) => r.data_hash)).toEqual(dataHashes)
    expect(created.every((r) => typeof r.label_hash === 'string' && r.branch_name === 'main')).toBe(true)

    // The same on a named branch (label_row_metadata_include_args=LabelRowMetadataIncludeArgs(branch_name=...)).
    const onBranch = response(await listLabelRows(projectHash, { branch_name: 'BRANCH_NAME' })) as Array<
      Record<string, any>
    >
    expect(onBranch.map((r) => [r.branch_name, r.label_hash])).toEqual(dataHashes.map(() => ['BRANCH_NAME', null]))
    const branchRows = response(
      await projectCall(projectHash, 'labelrow', 'PUT', dataHashes, {
        multi_request: true,
        get_signed_url: false,
        branch_name: 'BRANCH_NAME',
      }),
    ) as Array<Record<string, any>>
    expect(branchRows.every((r) => r.branch_name === 'BRANCH_NAME')).toBe(true)
    const mainHashes = created.map((r) => r.label_hash as string)
    expect(branchRows.some((r) => mainHashes.includes(r.label_hash))).toBe(false)
    const all = response(await listLabelRows(projectHash, { include_all_label_branches: true })) as unknown[]
    expect(all).toHaveLength(2 * env.size)

    // initialise_labels(bundle=...) on initialised rows: get_label_rows, all label hashes at once.
    const fetched = response(
      await projectCall(projectHash, 'labelrow', 'GET', mainHashes, {
        get_signed_url: false,
        multi_request: true,
        include_object_feature_hashes: null,
        include_classification_feature_hashes: null,
        include_reviews: false,
        include_export_history: false,
        include_archived: false,
      }),
    ) as Array<Record<string, any>>
    // ...and hands each to its row by label_hash.
    expect(fetched.map((r) => r.label_hash)).toEqual(mainHashes)

    // save(bundle=...): save_label_rows with every row at once.
    const saved = await projectCall(projectHash, 'labelrow', 'POST', mainHashes, {
      multi_request: true,
      labels: fetched,
      validate_before_saving: false,
    })
    expect(response(saved)).toBe(true)

    // set_priority(bundle=...): workflow_set_priority with every pair at once.
    const priorities = await v2('POST', `projects/${projectHash}/priorities`, {
      priorities: dataHashes.map((h) => [h, 0.1337]),
    })
    expect(priorities.status).toBe(204)
    const after = response(await listLabelRows(projectHash)) as Array<Record<string, any>>
    expect(after.map((r) => r.priority)).toEqual(dataHashes.map(() => 0.1337))

    // initialise_storage_item(bundle=...) / user_client.get_storage_items: one get-bulk, in request order.
    const uuids = rows.map((r) => r.backing_item_uuid as string)
    const items = await v2('POST', 'storage/items/get-bulk', { itemUuids: uuids, signUrls: true })
    expect(items.status).toBe(200)
    expect((items.json.results as Array<{ uuid: string }>).map((i) => i.uuid)).toEqual(uuids)

    const counts = env.requestsByEndpoint()
    const delta = (id: string) => (counts[id] ?? 0) - (before[id] ?? 0)
    expect([delta('create-label-rows'), delta('get-label-rows'), delta('save-label-rows')]).toEqual([2, 1, 1])
    expect([delta('set-priorities'), delta('get-storage-items')]).toEqual([1, 1])
    expect(response(await userCall('project', 'DELETE', projectHash, null))).toBe(true)
  })
})
