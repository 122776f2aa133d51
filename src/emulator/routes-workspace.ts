/**
 * The workspace calls (user level, not inside one project): list projects, delete a project, get a dataset,
 * list datasets, ontologies and workflow templates; and the legacy `project` POST that creates a project.
 */
import { z } from 'zod'
import { canAccessProject } from './auth.js'
import { badRequest, EmulatorHttpError } from './http-error.js'
import { parseWith, type Call, type RouteContext } from './server-pipeline.js'
import { createProject, datasetDataUnits } from './state-workspace.js'
import { wireOntology, wireProject } from './wire.js'

/** The SDK's `create_project` payload (legacy `project` POST). */
const CreateProjectPayload = z.object({
  title: z.string().min(1),
  description: z.string().default(''),
  dataset_hashes: z.array(z.string()),
  ontology_hash: z.string().optional(),
  workflow_template_id: z.string().optional(),
})

/** Create a project from the legacy `project` POST payload; answers the new project hash. */
export function legacyCreateProject(ctx: RouteContext, call: Call, payload: unknown): string {
  const p = parseWith(CreateProjectPayload, payload ?? {}, 'payload')
  if (p.ontology_hash === undefined)
    throw new EmulatorHttpError(
      400,
      'The emulator needs ontology_hash to create a project (it makes no empty ontology)',
    )
  if (p.workflow_template_id === undefined)
    throw new EmulatorHttpError(
      400,
      'The emulator needs workflow_template_id to create a project (it has no default workflow)',
    )
  if (call.principal!.projects !== '*')
    throw new EmulatorHttpError(
      403,
      'Only a key with access to every project can create one (start the emulator with --allow-key <your key> or --allow-any-key)',
    )
  const project = createProject(ctx.state, {
    title: p.title,
    description: p.description,
    datasetHashes: p.dataset_hashes,
    ontologyHash: p.ontology_hash,
    workflowTemplateHash: p.workflow_template_id,
  })
  return project.projectHash
}

/**
 * Delete a project (user-level legacy `project` DELETE, `uid` its hash: what Encord's suite sends through
 * `user_client.querier.basic_delete(Project, uid=...)`); answers `true` (what Encord answers is unknown:
 * the SDK returns it unread).
 */
export function legacyDeleteProject(ctx: RouteContext, call: Call, uid: unknown): boolean {
  if (typeof uid !== 'string' || uid === '') throw badRequest('values.uid must be the hash of the project to delete')
  ctx.state.removeProject(ctx.projectFor(call, uid).projectHash)
  return true
}

export function registerWorkspaceRoutes(ctx: RouteContext): void {
  const { route, state, projectFor } = ctx
  const visible = (call: Call) =>
    [...state.projects.values()].filter((p) => canAccessProject(call.principal!, p.projectHash))

  route('GET', '/v2/public/projects', 'list-projects', 'v2', (call) => ({
    status: 200,
    body: { results: visible(call).map((p) => wireProject(state, p)) },
  }))

  route('DELETE', '/v2/public/projects/:projectHash', 'delete-project', 'v2', (call) => {
    state.removeProject(projectFor(call, call.params.projectHash).projectHash)
    return { status: 204 }
  })

  route('GET', '/v2/public/ontologies', 'list-ontologies', 'v2', () => ({
    status: 200,
    body: { results: [...state.ontologies.values()].map(wireOntology) },
  }))

  route('GET', '/v2/public/datasets', 'list-datasets-all', 'v2', () => ({
    status: 200,
    body: {
      results: [...state.datasets.values()].map((d) => ({
        datasetHash: d.datasetHash,
        title: d.title,
        description: d.description,
      })),
    },
  }))

  route('GET', '/v2/public/datasets/:datasetHash', 'get-dataset', 'v2', (call) => {
    const d = state.datasets.get(call.params.datasetHash)
    if (!d) throw new EmulatorHttpError(404, `Dataset ${call.params.datasetHash} not found`)
    const units = datasetDataUnits(state, d.datasetHash)
    return {
      status: 200,
      body: {
        datasetHash: d.datasetHash,
        title: d.title,
        description: d.description,
        dataUnits: units.map((u) => ({
          dataHash: u.dataHash,
          dataTitle: u.dataTitle,
          dataType: u.dataType,
          backingItemUuid: u.backingItemUuid,
        })),
      },
    }
  })

  route('GET', '/v2/public/workflow-templates', 'list-workflow-templates', 'v2', () => ({
    status: 200,
    body: {
      results: [...state.workflowTemplates.values()].map((t) => ({
        templateHash: t.templateHash,
        title: t.title,
        description: t.description,
        stages: t.stages.map((s) => ({ uuid: s.uuid, title: s.title, stageType: s.stageType })),
      })),
    },
  }))
}
