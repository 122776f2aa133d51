import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect } from 'vitest'
import { parsePrivateKey } from '../encord/auth/keys.js'
import { generateFixture } from './generate.js'
import { startEmulator, type EmulatorHandle } from './index.js'
import { legacyCall, signedRequest } from './testing.js'

/**
 * What server.test.ts and server-more.test.ts share: one generated project with a twin, the test key,
 * signed request helpers, and an emulator started per test file by `useEmulator()`.
 */

export const key = parsePrivateKey(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/encord-api/test-key', import.meta.url)), 'utf8'),
)
export const fixture = generateFixture({
  tasks: 35,
  seed: 3,
  stages: ['Pre-label', 'QA'],
  users: [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }],
  twin: true,
})
export const main = fixture.projects[0]
export const P = main.projectHash
export const stage = (title: string) => main.workflow.stages.find((s) => s.title === title)!
export const PRE = stage('Pre-label')
export const QA = stage('QA')
export const REVIEW = stage('Review 1')
export const DONE = stage('Complete')
export const pathway = (s: typeof PRE, title: string) => s.pathways.find((p) => p.title === title)!

// A live binding: importers see the emulator once useEmulator's beforeAll has started it.
export let emulator: EmulatorHandle
export const v2 = (method: string, path: string, body?: unknown) =>
  signedRequest(emulator.domain, key, method, path, { body })
export const legacy = (type: string, method: string, uid: unknown, payload: unknown, project = P) =>
  legacyCall(emulator.domain, key, project, type, method, uid, payload)
export const tasksPath = (s: { uuid: string }, query = '') =>
  `/v2/public/projects/${P}/workflow/stages/${s.uuid}/tasks${query}`
export const actionsPath = (s: { uuid: string }) => `/v2/public/projects/${P}/workflow/stages/${s.uuid}/actions`
export const proceed = (s: typeof PRE, taskUuid: string, pathwayName: string) =>
  v2('POST', actionsPath(s), [{ taskUuid, action: 'PATHWAY_ACTION', pathwayName }])

export async function listAll(s: { uuid: string }, query = ''): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = []
  let token: string | undefined
  do {
    const sep = query === '' ? '?' : '&'
    const res = await v2('GET', tasksPath(s, query + (token ? `${query === '' ? '?' : sep}pageToken=${token}` : '')))
    expect(res.status).toBe(200)
    out.push(...res.json.results)
    token = res.json.nextPageToken
  } while (token)
  return out
}

export const METADATA_DEFAULTS: Record<string, unknown> = {
  edited_before: null,
  edited_after: null,
  label_statuses: null,
  shadow_data_state: null,
  include_uninitialised_labels: true,
  data_hashes: null,
  label_hashes: null,
  data_title_eq: null,
  data_title_like: null,
  workflow_graph_node_title_eq: null,
  workflow_graph_node_title_like: null,
  include_client_metadata: false,
  include_images_data: false,
  include_children: false,
  include_workflow_graph_node: true,
  include_all_label_branches: false,
  branch_name: null,
}
export const metadata = (payload: Record<string, unknown>, project = P) =>
  legacy('labelrowmetadata', 'GET', null, { ...METADATA_DEFAULTS, ...payload }, project)

/** Start the emulator on the shared fixture before the file's tests, and stop it after. */
export function useEmulator(): void {
  beforeAll(async () => {
    emulator = await startEmulator({ fixture, pageSize: 4, requestLog: 50 })
  })
  afterAll(() => emulator.stop())
}
