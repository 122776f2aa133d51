import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateOpenSshKey, parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import { decodeImage, pdfInfo, probe } from '../helpers/media-check.js'
import { toolAvailable } from '../helpers/system-tools.js'
import {
  AGENT_STAGE_UUID,
  AGENT_TO_COMPLETE_TEMPLATE_HASH,
  BBOX_ONTOLOGY_HASH,
  IMAGES_520_DATASET_HASH,
  ONE_OF_EACH_DATASET_HASH,
  ONTOLOGY_HASH,
  SUITE_WORKSPACE_FILE,
} from '../suite/helpers/workspace.js'
import { startBinEmulator, type BinEmulator } from './kit.js'
import { assertBuilt } from './run-bin.js'

/**
 * Issue 16, item 3: `encord-agents emulator start test/fixtures/workspaces/encord-agents-suite.json
 * --allow-any-key` (the built binary) is the whole account Encord's encord-agents suite assumes: any
 * key finds its ontology, both datasets and the workflow template by the suite's hashes, creates
 * projects from them (one task per data unit in Agent 1, as the suite's fixtures do) and deletes them,
 * and every data type's media comes through the client's signed URLs and decodes.
 */
const withFfmpeg = toolAvailable('ffmpeg', 'the suite workspace’s video and audio decoding')

let tmp: string
let emulator: BinEmulator
let client: EncordClient
beforeAll(async () => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-suite-workspace-'))
  const file = join(tmp, 'encord-agents-suite.json')
  copyFileSync(SUITE_WORKSPACE_FILE, file)
  emulator = await startBinEmulator(file, ['--allow-any-key', '--in-memory'])
  // A key the fixture has never seen: --allow-any-key makes it the account's user.
  const key = generateOpenSshKey('a key the suite would use')
  client = new EncordClient({ key: parsePrivateKey(key.privateKeyText), domain: emulator.domain, retries: 0 })
})
afterAll(async () => {
  await client?.close()
  await emulator?.stop()
  rmSync(tmp, { recursive: true, force: true })
})

describe('the encord-agents suite workspace, served by the built emulator', () => {
  it('has the suite’s ontology, datasets and template by hash', async () => {
    const ws = client.workspace
    expect((await ws.listOntologies()).map((o) => o.ontologyUuid)).toEqual([ONTOLOGY_HASH])
    expect((await ws.getDataset(ONE_OF_EACH_DATASET_HASH)).dataUnits.map((d) => d.dataType)).toEqual([
      'IMAGE',
      'IMG_GROUP',
      'IMG_GROUP',
      'PDF',
      'AUDIO',
      'PLAIN_TEXT',
      'GROUP',
      'VIDEO',
    ])
    expect((await ws.getDataset(IMAGES_520_DATASET_HASH)).dataUnits).toHaveLength(520)
    const datasets = (await ws.listDatasets()).map((d) => d.datasetHash)
    expect(datasets).toEqual(expect.arrayContaining([ONE_OF_EACH_DATASET_HASH, IMAGES_520_DATASET_HASH]))
    const templates = await ws.listWorkflowTemplates()
    expect(templates.map((t) => t.templateHash)).toEqual([AGENT_TO_COMPLETE_TEMPLATE_HASH])
    expect(templates[0].stages.map((s) => s.uuid)).toContain(AGENT_STAGE_UUID)
  })

  it('creates a project per dataset as the suite’s fixtures do (ontology with the box, tasks in Agent 1), then deletes it', async () => {
    const ws = client.workspace
    for (const [datasetHash, size] of [
      [ONE_OF_EACH_DATASET_HASH, 8],
      [IMAGES_520_DATASET_HASH, 520],
    ] as const) {
      const projectHash = await ws.createProject({
        title: 'encord-agents test project',
        description: 'encord-agents test project description',
        datasetHashes: [datasetHash],
        ontologyHash: ONTOLOGY_HASH,
        workflowTemplateHash: AGENT_TO_COMPLETE_TEMPLATE_HASH,
      })
      const project = await client.getProject(projectHash)
      const objects = project.ontology.structure.objects as Array<{ featureNodeHash: string; shape: string }>
      expect(objects.find((o) => o.featureNodeHash === BBOX_ONTOLOGY_HASH)?.shape).toBe('bounding_box')
      expect(await emulator.stageCounts(projectHash)).toMatchObject({ 'Agent 1': size, Complete: 0 })
      expect(await client.listLabelRowMetadata(projectHash)).toHaveLength(size)
      await ws.deleteProject(projectHash)
      expect((await ws.listProjects()).map((p) => p.projectHash)).not.toContain(projectHash)
    }
  })

  it('every data type’s media comes through the client’s signed URLs and decodes', async () => {
    const units = (await client.workspace.getDataset(ONE_OF_EACH_DATASET_HASH)).dataUnits
    const items = await client.getStorageItems(
      units.map((u) => u.backingItemUuid!),
      { signUrls: true },
    )
    const download = async (url: string) => {
      const res = await fetch(url)
      expect(res.status, url).toBe(200)
      return { type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) }
    }
    const byType = new Map(items.map((i) => [i.itemType, i]))
    const image = byType.get('image')!
    expect(decodeImage((await download(image.signedUrl!)).bytes)).toMatchObject({
      format: 'jpeg',
      width: image.width,
      height: image.height,
    })
    const pdf = byType.get('pdf')!
    expect((await pdfInfo((await download(pdf.signedUrl!)).bytes)).pages).toBe(pdf.frameCount)
    const text = await download(byType.get('plainText')!.signedUrl!)
    expect(text.type).toMatch(/^text\/plain/)
    expect(text.bytes.toString('utf8')).toMatch(/^text-000006\.txt\n/)
    // Items without a file of their own: their frames / members have one each.
    for (const type of ['imageGroup', 'group', 'imageSequence'] as const) {
      const parent = byType.get(type)!
      if (type !== 'imageSequence') expect(parent.signedUrl ?? null).toBeNull()
      const children = await client.workspace.listChildItems(parent, { signUrls: true })
      expect(children.length).toBeGreaterThan(1)
      for (const child of children) expect((await download(child.signedUrl!)).bytes.length).toBeGreaterThan(0)
    }
    if (!withFfmpeg) return
    const video = byType.get('video')!
    expect(probe((await download(video.signedUrl!)).bytes, 'v.mp4')).toMatchObject({
      codec_name: 'h264',
      width: video.width,
      height: video.height,
      r_frame_rate: `${video.fps}/1`,
      nb_read_frames: String(video.frameCount),
    })
    const sequence = byType.get('imageSequence')!
    expect(probe((await download(sequence.signedUrl!)).bytes, 's.mp4')).toMatchObject({
      codec_name: 'h264',
      nb_read_frames: String(sequence.frameCount),
    })
    const audio = byType.get('audio')!
    const stream = probe((await download(audio.signedUrl!)).bytes, 'a.mp3')
    expect(stream).toMatchObject({
      codec_type: 'audio',
      codec_name: 'mp3',
      sample_rate: String(audio.raw.audioSampleRate),
    })
    expect(Math.abs(Number(stream.duration) - audio.duration!)).toBeLessThan(0.1)
  })
})
