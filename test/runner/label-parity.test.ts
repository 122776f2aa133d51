import { afterEach, describe, expect, it } from 'vitest'
import { defineAgent } from '../../src/core/agent.js'
import { labelRow, twinLabelRow } from '../../src/core/deps/builtins/label-row.js'
import { Runner } from '../../src/core/runner/runner.js'
import type { Fixture } from '../../src/emulator/fixture.js'
import { generateFixture } from '../../src/emulator/generate.js'
import type { LabelRow } from '../../src/labels/label-row.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'
import { readBack } from '../helpers/vision-media.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

type Json = Record<string, unknown>

/** What a label instance says, without its hash: for comparing a copy with its source. */
function objectsOf(row: LabelRow): unknown[] {
  return row.objects().map((o) => ({
    title: o.title,
    frames: o.frames(),
    coordinates: o.frames().map((f) => o.coordinates(f)),
    meta: o.annotations().map((a) => [a.confidence, a.createdBy, a.manualAnnotation]),
    answers: o.answers().map((a) => [a.name, a.wire, a.frames]),
  }))
}

function classificationsOf(row: LabelRow): unknown[] {
  return row.classifications().map((c) => ({
    title: c.title,
    frames: c.frames(),
    ranges: c.ranges,
    answers: c.answers().map((a) => [a.name, a.wire]),
  }))
}

describe('label API parity, end to end on the emulator', () => {
  it('copy(): every label of the twin project copied into the project, saved and read back the same (new hashes)', async () => {
    const e = (env = await startRunnerEnv({ tasks: 3, twin: true }))
    const twin = e.fixture.projects[1]
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { row: labelRow(), twin: twinLabelRow({ twinProjectHash: twin.projectHash }) },
        handler: ({ deps }) => {
          for (const o of deps.twin!.labelRow.objects()) deps.row.addObjectInstance(o.copy())
          for (const c of deps.twin!.labelRow.classifications()) deps.row.addClassificationInstance(c.copy())
          return { pathway: 'complete', labelRow: deps.row }
        },
      }),
    )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages[0].errors).toEqual([])
    expect(result.stages[0].moved).toEqual({ complete: 3 })
    for (const unit of e.fixture.projects[0].dataUnits) {
      const copied = await readBack(e.client, e.projectHash, unit.dataHash)
      const source = await readBack(e.client, twin.projectHash, unit.dataHash)
      expect(source.objects().length).toBeGreaterThan(0)
      expect(objectsOf(copied)).toEqual(objectsOf(source))
      expect(classificationsOf(copied)).toEqual(classificationsOf(source))
      const hashes = new Set(source.objects().map((o) => o.objectHash))
      expect(copied.objects().some((o) => hashes.has(o.objectHash))).toBe(false)
    }
  })

  it('range labels on audio, plain text and HTML: written by a handler, read back identical', async () => {
    const audio = rangeFixture('audio')
    const text = rangeFixture('text')
    // One text item is an HTML document: its ranges are XPath ranges.
    text.storageItems[1].mimeType = 'text/html'
    text.projects[0].dataUnits[1].fileType = 'text/html'
    for (const [fixture, objects] of [
      [
        audio,
        {
          first: [
            [0, 1500],
            [2000, 2600],
          ],
          second: [[100, 200]],
        },
      ],
      [
        text,
        {
          first: [[0, 4]],
          second: [{ start: { xpath: '/html/body/p[1]', offset: 0 }, end: { xpath: '/html/body/p[2]', offset: 5 } }],
        },
      ],
    ] as const) {
      const e = (env = await startRunnerEnv({ fixture }))
      const written = new Map<string, Json>()
      const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
        'Agent 1',
        defineAgent({
          deps: { row: labelRow() },
          handler: ({ task, deps }) => {
            const html = deps.row.fileType === 'text/html'
            const ranges =
              task.dataTitle === fixture.projects[0].dataUnits[0].dataTitle ? objects.first : objects.second
            const shape = fixture === audio ? 'Speech' : 'Span'
            const inst = deps.row.addRangeObject(shape, ranges, {
              confidence: 0.9,
              answers: { Note: html ? 'html' : 'plain' },
            })
            deps.row.addClassification('Weather', { answer: 'Sunny' })
            written.set(
              task.dataHash,
              (deps.row.toDict() as { object_answers: Json }).object_answers[inst.objectHash] as Json,
            )
            return { pathway: 'complete', labelRow: deps.row }
          },
        }),
      )
      const result = await runner.run({ numRetries: 0 })
      expect(result.stages[0].errors).toEqual([])
      for (const unit of fixture.projects[0].dataUnits.slice(0, 2)) {
        const row = await readBack(e.client, e.projectHash, unit.dataHash)
        const [obj] = row.objects()
        const saved = (row.toDict() as { object_answers: Json }).object_answers[obj.objectHash]
        expect(saved).toEqual(written.get(unit.dataHash))
        expect(obj.isRangeBased).toBe(true)
        if (unit.fileType === 'text/html') expect(obj.htmlRanges).toEqual(objects.second)
        else expect(obj.ranges).toEqual(unit === fixture.projects[0].dataUnits[0] ? objects.first : objects.second)
        expect(obj.getAnswer('Note')).toBe(unit.fileType === 'text/html' ? 'html' : 'plain')
        expect(classificationsOf(row)).toEqual([
          {
            title: 'Weather',
            frames: [],
            ranges: [],
            answers: [['Weather', [{ name: 'Sunny', value: 'sunny', featureHash: 'sUnNy7o8' }]]],
          },
        ])
        if (fixture === audio) expect(row.fileType).toMatch(/^audio\//)
      }
      await e.close()
      env = undefined
    }
  })
})

/** Two tasks of audio or text, with an audio ("Speech") or text ("Span") object in the ontology. */
function rangeFixture(kind: 'audio' | 'text'): Fixture {
  const fixture = generateFixture({ tasks: 2, dataType: kind, labelledFraction: 0 })
  const structure = fixture.ontologies[0].structure as { objects: Json[] }
  structure.objects.push({
    id: '9',
    name: kind === 'audio' ? 'Speech' : 'Span',
    color: '#00AA00',
    shape: kind,
    featureNodeHash: kind === 'audio' ? 'sPeEcH01' : 'sPaN0001',
    required: false,
    archived: false,
    attributes: [
      {
        id: '9.1',
        name: 'Note',
        type: 'text',
        featureNodeHash: 'nOtE9001',
        required: false,
        archived: false,
        dynamic: false,
      },
    ],
  })
  return fixture
}

describe('encordClient(): the escape hatch', () => {
  it('reads another project, its label rows and a storage item with a signed URL, signed with the run key', async () => {
    const { encordClient } = await import('../../src/core/deps/builtins/encord-client.js')
    const { storageItem } = await import('../../src/core/deps/builtins/storage-item.js')
    const e = (env = await startRunnerEnv({ tasks: 2, twin: true }))
    const twin = e.fixture.projects[1]
    const seen: unknown[] = []
    const runner = new Runner({ projectHash: e.projectHash, client: e.client }).stage(
      'Agent 1',
      defineAgent({
        deps: { client: encordClient(), item: storageItem() },
        handler: async ({ task, deps }) => {
          const other = await deps.client.getProject(twin.projectHash)
          const [meta] = await deps.client.listLabelRowMetadata(twin.projectHash, { dataHashes: [task.dataHash] })
          const [dict] = await deps.client.getLabelRows(twin.projectHash, [meta.labelHash!])
          const signed = await deps.client.getStorageItem(deps.item.uuid, { signUrl: true })
          seen.push({ title: other.title, rowData: dict['data_hash'], url: signed.signedUrl?.startsWith('http') })
          return 'complete'
        },
      }),
    )
    const result = await runner.run({ numRetries: 0 })
    expect(result.stages[0].errors).toEqual([])
    const byData = (a: unknown, b: unknown) =>
      String((a as { rowData: string }).rowData).localeCompare(String((b as { rowData: string }).rowData))
    expect(seen.sort(byData)).toEqual(
      e.fixture.projects[0].tasks.map((t) => ({ title: twin.title, rowData: t.dataHash, url: true })).sort(byData),
    )
  })
})
