import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { parsePrivateKey } from '../../src/encord/auth/keys.js'
import { EncordClient } from '../../src/encord/client.js'
import type { LabelRowDict } from '../../src/encord/types.js'
import { generateFixture, startEmulator, type EmulatorHandle, type FixtureInput } from '../../src/emulator/index.js'
import { specFixture } from '../../src/emulator/testing.js'
import { LabelRow } from '../../src/labels/label-row.js'

/**
 * Label rows as the emulator serves them (images, videos, image groups; fetched and created through
 * the client) load into LabelRow and serialise back to the same JSON; saving them unchanged changes
 * nothing on the server. Complements the round trips over the spec's fixture files
 * (src/labels/label-row.test.ts).
 */
const specDir = fileURLToPath(new URL('../fixtures/encord-api', import.meta.url))
const key = parsePrivateKey(readFileSync(`${specDir}/test-key`, 'utf8'))
const users = [{ email: 'agent@example.com', publicKeyHex: key.publicKeyHex }]

const open: Array<EmulatorHandle | EncordClient> = []
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await (x instanceof EncordClient ? x.close() : x.stop())
})

/** A generated project plus one image group (two images) among its data units. */
function withImageGroup(): FixtureInput {
  const f = generateFixture({ tasks: 4, seed: 8, users, labelledFraction: 0.5 })
  const children = f.storageItems.slice(0, 2)
  const group = {
    ...f.storageItems[2],
    uuid: '6a000000-0000-4000-8000-000000000001',
    itemType: 'imageGroup',
    name: 'group',
    mimeType: null,
    media: undefined,
    children: children.map((c) => c.uuid),
  }
  f.storageItems.push(group)
  const project = f.projects[0]
  project.dataUnits.push({
    ...project.dataUnits[0],
    dataHash: '6b000000-0000-4000-8000-000000000001',
    dataTitle: 'group',
    dataType: 'IMG_GROUP',
    backingItemUuid: group.uuid,
    numberOfFrames: 2,
  })
  return f
}

const CASES: Array<{ name: string; fixture: () => FixtureInput }> = [
  {
    name: 'generated images with labels of every kind the generator writes',
    fixture: () => generateFixture({ tasks: 12, seed: 31, users, labelledFraction: 0.6 }),
  },
  {
    name: 'generated videos',
    fixture: () => generateFixture({ tasks: 6, seed: 32, users, dataType: 'video', labelledFraction: 0.6 }),
  },
  { name: 'image groups', fixture: withImageGroup },
  {
    name: "the spec's example project (SDK-written image and video rows)",
    fixture: () => specFixture(specDir, key.publicKeyHex),
  },
]

describe('label rows served by the emulator round-trip through LabelRow', () => {
  for (const { name, fixture } of CASES) {
    it(name, async () => {
      const emulator = await startEmulator({ fixture: fixture() })
      const client = new EncordClient({ domain: emulator.domain, key, backoffBaseMs: 5 })
      open.push(emulator, client)
      const projectHash = [...emulator.state.projects.keys()][0]
      const project = await client.getProject(projectHash)
      const meta = await client.listLabelRowMetadata(projectHash)
      const labelled = meta.filter((m) => m.labelHash !== null)
      const unlabelled = meta.filter((m) => m.labelHash === null)
      expect(labelled.length).toBeGreaterThan(0)
      const fetched = await client.getLabelRows(
        projectHash,
        labelled.map((m) => m.labelHash as string),
      )
      const created =
        unlabelled.length > 0
          ? await client.createLabelRows(
              projectHash,
              unlabelled.map((m) => m.dataHash),
            )
          : []
      const dicts: LabelRowDict[] = [...fetched, ...created]
      const metaOf = new Map(meta.map((m) => [m.dataHash, m]))
      const types = new Set<string>()
      const saves: Array<{ labelHash: string; labelRow: LabelRowDict }> = []
      for (const dict of dicts) {
        const row = new LabelRow(dict, { ontology: project.ontology, metadata: metaOf.get(String(dict.data_hash)) })
        types.add(row.dataType)
        expect(row.isDirty).toBe(false)
        expect(row.toDict()).toEqual(dict)
        saves.push({ labelHash: String(dict.label_hash), labelRow: row.toDict() })
      }
      // Saved unchanged, the server holds the same rows as before (only the edit time moves on).
      await client.saveLabelRows(projectHash, saves)
      const again = await client.getLabelRows(
        projectHash,
        saves.map((s) => s.labelHash),
      )
      const edited = ({ last_edited_at: _, ...rest }: LabelRowDict) => rest
      expect(again.map(edited)).toEqual(dicts.map(edited))
      if (name.startsWith('image groups')) expect(types).toContain('img_group')
      if (name.startsWith('generated videos')) expect(types).toEqual(new Set(['video']))
    })
  }
})
