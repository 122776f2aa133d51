import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadFixtureFile } from './fixture-load.js'
import { writeFixtureFile } from './fixture-write.js'
import { ENCORD_AGENTS_SUITE_WORKSPACE, generateWorkspace, workspaceIds } from './workspace-generate.js'

const SUITE_FILE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'workspaces', 'encord-agents-suite.json')
const dir = mkdtempSync(join(tmpdir(), 'workspace-generate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('generateWorkspace', () => {
  it('the committed encord-agents-suite.json is exactly what `npm run fixtures:suite` writes', async () => {
    const out = join(dir, 'suite.json')
    await writeFixtureFile(out, generateWorkspace(ENCORD_AGENTS_SUITE_WORKSPACE), { lines: true })
    const committed = readFileSync(SUITE_FILE, 'utf8')
    // Not `toBe` on 300 KB of text: a failure message that size helps nobody.
    expect(committed.length).toBe(readFileSync(out, 'utf8').length)
    expect(committed === readFileSync(out, 'utf8'), 'run `npm run fixtures:suite` and commit the file').toBe(true)
    // One storage item, data unit or task a line: small enough to commit and to diff.
    expect(committed.length).toBeLessThan(400_000)
  })

  it('holds what the suite’s fixtures ask for, by the suite’s hashes', () => {
    const f = loadFixtureFile(SUITE_FILE).fixture
    const ids = ENCORD_AGENTS_SUITE_WORKSPACE.ids
    expect(f.ontologies.map((o) => o.ontologyHash)).toEqual([ids.ontologyHash])
    const objects = f.ontologies[0].structure.objects as Array<{ featureNodeHash: string; shape: string }>
    expect(objects.find((o) => o.featureNodeHash === 'PXFZO2ra')?.shape).toBe('bounding_box')
    const unitsOf = (hash: string) =>
      [...f.datasets.flatMap((d) => d.dataUnits), ...f.projects.flatMap((p) => p.dataUnits)].filter(
        (u) => u.datasetHash === hash,
      )
    expect(unitsOf(ids.imagesDatasetHash)).toHaveLength(520)
    expect(new Set(unitsOf(ids.imagesDatasetHash).map((u) => u.dataType))).toEqual(new Set(['IMAGE']))
    const itemOf = (uuid: string | null) => f.storageItems.find((i) => i.uuid === uuid)!
    expect(unitsOf(ids.oneOfEachDatasetHash).map((u) => [u.dataType, itemOf(u.backingItemUuid).itemType])).toEqual([
      ['IMAGE', 'image'],
      ['IMG_GROUP', 'imageGroup'],
      ['IMG_GROUP', 'imageSequence'],
      ['PDF', 'pdf'],
      ['AUDIO', 'audio'],
      ['PLAIN_TEXT', 'plainText'],
      ['GROUP', 'group'],
      ['VIDEO', 'video'],
    ])
    // Client metadata of the form {"item_type": item.item_type, "a": "b"} (tests/fixtures.py).
    for (const u of unitsOf(ids.oneOfEachDatasetHash)) {
      const item = itemOf(u.backingItemUuid)
      expect(item.clientMetadata).toEqual({ item_type: item.itemType, a: 'b' })
    }
    const [template] = f.workflowTemplates
    expect(template.templateHash).toBe('a59b3190-09e2-432c-a8bb-f2925872e298')
    const agent = template.stages.find((s) => s.title === 'Agent 1')!
    expect(agent).toMatchObject({ uuid: ids.agentStageUuid, stageType: 'AGENT' })
    expect(agent.pathways).toEqual([
      { uuid: ids.completePathwayUuid, title: 'complete', destinationUuid: ids.completeStageUuid },
    ])
    expect(template.stages.find((s) => s.uuid === ids.completeStageUuid)).toMatchObject({
      title: 'Complete',
      stageType: 'DONE',
    })
  })

  it('is deterministic per seed; ids drawn unless given; the images dataset is as big as asked', () => {
    const a = generateWorkspace({ seed: 7, images: 3 })
    expect(generateWorkspace({ seed: 7, images: 3 })).toEqual(a)
    const b = generateWorkspace({ seed: 8, images: 3 })
    expect(b.ontologies[0].ontologyHash).not.toBe(a.ontologies[0].ontologyHash)
    expect(a.ontologies[0].ontologyHash).toBe(workspaceIds({ seed: 7 }).ontologyHash)
    expect(a.datasets.map((d) => [d.title, d.dataUnits.length])).toEqual([
      ['one of each', 0],
      ['3 images', 3],
    ])
    expect(a.projects[0].tasks).toHaveLength(8)
    expect(generateWorkspace({ seed: 7, images: 0 }).datasets[1].dataUnits).toEqual([])
    expect(() => generateWorkspace({ images: -1 })).toThrow(/0 to 100,000 images/)
    expect(() => generateWorkspace({ images: 1.5 })).toThrow(/got 1.5/)
  })
})
