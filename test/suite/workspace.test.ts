import { describe, expect, it } from 'vitest'
import { defineAgent, Runner } from '../../src/index.js'
import {
  AGENT_STAGE_NAME,
  AGENT_STAGE_UUID,
  AGENT_TO_COMPLETE_TEMPLATE_HASH,
  COMPLETE_STAGE_UUID,
  ONE_OF_EACH_DATASET_HASH,
  ONTOLOGY_HASH,
  suiteProject,
} from './helpers/workspace.js'
import { closeAfterEach } from '../helpers/close-after.js'

/**
 * The suite's fixtures (encord-agents v0.2.9 tests/fixtures.py): a fresh project per test, created from
 * the workspace's ontology, dataset and "agent → complete" template through the client, run, then deleted.
 */

const open = closeAfterEach()

describe('workspace calls (the suite fixtures)', () => {
  it('creates a project from dataset + ontology + template, runs the Runner on it, deletes it', async () => {
    const e = open(await suiteProject('one-of-each'))
    const ws = e.client.workspace
    const dataset = await ws.getDataset(ONE_OF_EACH_DATASET_HASH)
    expect(dataset.dataUnits).toHaveLength(e.size)
    expect((await ws.listOntologies()).map((o) => o.ontologyUuid)).toContain(ONTOLOGY_HASH)
    expect((await ws.listWorkflowTemplates()).map((t) => t.templateHash)).toEqual([AGENT_TO_COMPLETE_TEMPLATE_HASH])
    const before = (await ws.listProjects()).length

    const projectHash = await ws.createProject({
      title: 'created by the test',
      description: 'suite fixture',
      datasetHashes: [ONE_OF_EACH_DATASET_HASH],
      ontologyHash: ONTOLOGY_HASH,
      workflowTemplateHash: AGENT_TO_COMPLETE_TEMPLATE_HASH,
    })
    expect(await ws.listProjects()).toHaveLength(before + 1)
    const project = await e.client.getProject(projectHash)
    expect(project.title).toBe('created by the test')
    // One task per data unit, all in the template's first stage; label rows not yet initialised.
    const rows = await e.client.listLabelRowMetadata(projectHash)
    expect(rows).toHaveLength(e.size)
    expect(rows.every((r) => r.labelHash === null)).toBe(true)

    const seen: string[] = []
    const runner = new Runner({ projectHash, client: e.client }).stage(
      AGENT_STAGE_NAME,
      defineAgent({
        handler: (ctx) => {
          seen.push(ctx.task.dataHash)
          return 'complete'
        },
      }),
    )
    const result = await runner.run()
    expect(result.ok).toBe(true)
    expect(result.tasksProcessed).toBe(e.size)
    expect(new Set(seen)).toEqual(new Set(dataset.dataUnits.map((u) => u.dataHash)))
    const after = await e.client.listLabelRowMetadata(projectHash)
    expect(after.every((r) => r.workflowGraphNode?.uuid === COMPLETE_STAGE_UUID)).toBe(true)
    expect(AGENT_STAGE_UUID).not.toBe(COMPLETE_STAGE_UUID)

    // Child items of the image group, in frame order, with signed URLs that serve the bytes.
    const group = dataset.dataUnits.find((u) => u.dataType === 'IMG_GROUP' && u.backingItemUuid !== null)!
    const parent = await e.client.getStorageItem(group.backingItemUuid!)
    const children = await ws.listChildItems(parent, { signUrls: true })
    expect(children.length).toBeGreaterThan(1)
    expect(children.every((c) => c.itemType === 'image' && c.signedUrl !== null)).toBe(true)
    expect((await fetch(children[0].signedUrl!)).status).toBe(200)

    await ws.deleteProject(projectHash)
    expect(await ws.listProjects()).toHaveLength(before)
    await expect(e.client.getProject(projectHash)).rejects.toThrow()
  })

  it('refuses a project from an unknown template or dataset, with 404', async () => {
    const e = open(await suiteProject('one-of-each'))
    const base = {
      title: 't',
      datasetHashes: [ONE_OF_EACH_DATASET_HASH],
      ontologyHash: ONTOLOGY_HASH,
      workflowTemplateHash: AGENT_TO_COMPLETE_TEMPLATE_HASH,
    }
    await expect(
      e.client.workspace.createProject({ ...base, workflowTemplateHash: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toThrow(/Workflow template/)
    await expect(
      e.client.workspace.createProject({ ...base, datasetHashes: ['00000000-0000-4000-8000-000000000001'] }),
    ).rejects.toThrow(/Dataset/)
  })
})
