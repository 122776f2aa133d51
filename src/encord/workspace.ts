/**
 * The user-level calls of {@link EncordClient} (`client.workspace`): projects, datasets, ontologies and
 * workflow templates of the account, creating and deleting projects. The wire shapes follow Encord's SDK
 * where it has the call; docs/emulator.md lists them and says where the emulator chose.
 */
import { z } from 'zod'
import { seg, v2Call, type ApiChannel } from './api-channel.js'
import { V2StorageItem } from './models.js'
import { toStorageItem } from './to-model.js'
import type { StorageItem } from './types.js'

const Results = <S extends z.ZodType>(item: S) => z.object({ results: z.array(item) })
const ProjectSummary = z.looseObject({ projectHash: z.string(), title: z.string(), description: z.string().optional() })
const DatasetSummary = z.looseObject({ datasetHash: z.string(), title: z.string(), description: z.string().optional() })
const Dataset = DatasetSummary.extend({
  dataUnits: z.array(
    z.looseObject({
      dataHash: z.string(),
      dataTitle: z.string(),
      dataType: z.string(),
      backingItemUuid: z.string().nullable(),
    }),
  ),
})
const OntologySummary = z.looseObject({ ontologyUuid: z.string(), title: z.string() })
const WorkflowTemplate = z.looseObject({
  templateHash: z.string(),
  title: z.string(),
  stages: z.array(z.looseObject({ uuid: z.string(), title: z.string(), stageType: z.string() })),
})

export type ProjectSummary = z.infer<typeof ProjectSummary>
export type DatasetSummary = z.infer<typeof DatasetSummary>
export type DatasetInfo = z.infer<typeof Dataset>
export type OntologySummary = z.infer<typeof OntologySummary>
export type WorkflowTemplateInfo = z.infer<typeof WorkflowTemplate>

/** What {@link EncordWorkspace.createProject} takes (the SDK's `create_project` arguments). */
export interface CreateProjectOptions {
  title: string
  description?: string
  datasetHashes: string[]
  ontologyHash: string
  workflowTemplateHash: string
}

export class EncordWorkspace {
  constructor(readonly api: ApiChannel) {}

  /** Every project the key can see. */
  async listProjects(): Promise<ProjectSummary[]> {
    return (await this.api.v2Json('listProjects', 'GET', 'projects', Results(ProjectSummary))).results
  }

  async listDatasets(): Promise<DatasetSummary[]> {
    return (await this.api.v2Json('listDatasets', 'GET', 'datasets', Results(DatasetSummary))).results
  }

  /** A dataset with its data units. */
  async getDataset(datasetHash: string): Promise<DatasetInfo> {
    return this.api.v2Json('getDataset', 'GET', `datasets/${seg(datasetHash)}`, Dataset)
  }

  async listOntologies(): Promise<OntologySummary[]> {
    return (await this.api.v2Json('listOntologies', 'GET', 'ontologies', Results(OntologySummary))).results
  }

  async listWorkflowTemplates(): Promise<WorkflowTemplateInfo[]> {
    return (await this.api.v2Json('listWorkflowTemplates', 'GET', 'workflow-templates', Results(WorkflowTemplate)))
      .results
  }

  /**
   * Create a project (user-level legacy `project` POST to `/public/user`, as the SDK's `create_project`);
   * resolves with its hash. Not retried after sending: a repeat could create a second project.
   */
  async createProject(options: CreateProjectOptions): Promise<string> {
    const payload = {
      title: options.title,
      description: options.description ?? '',
      dataset_hashes: options.datasetHashes,
      workflow_type: 'manual',
      ontology_hash: options.ontologyHash,
      workflow_template_id: options.workflowTemplateHash,
    }
    const response = await this.api.legacy('createProject', null, 'project', 'POST', null, payload, 'connect-only')
    return z.string().parse(response)
  }

  /**
   * Delete a project (its tasks and label rows with it): the user-level legacy `project` DELETE, the call
   * Encord's own suite makes (`user_client.querier.basic_delete(Project, uid=...)`).
   */
  async deleteProject(projectHash: string): Promise<void> {
    await this.api.legacy('deleteProject', null, 'project', 'DELETE', projectHash, null, 'connect-only')
  }

  /**
   * The child items of a storage item (an image group's or sequence's images in frame order, a data
   * group's members), with signed URLs when asked. `item` is the parent as `getStorageItem` returns it.
   */
  async listChildItems(
    item: { uuid: string; parent: string },
    options: { signUrls?: boolean } = {},
  ): Promise<StorageItem[]> {
    const path = `storage/folders/${seg(item.parent)}/items/${seg(item.uuid)}/child-items`
    const page = await this.api.v2Json('listChildItems', 'GET', path, Results(V2StorageItem), {
      query: [['signUrls', options.signUrls ?? false]],
    })
    return page.results.map((child) => toStorageItem(child, v2Call('listChildItems', 'GET', path)))
  }
}
