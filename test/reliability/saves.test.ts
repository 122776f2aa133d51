/**
 * Label saves are applied once even when their answer is lost (issue 9): after a dropped connection or
 * a 5xx the client reads the rows back and sends again only those that do not hold the labels yet, so
 * the emulator's history shows exactly one save per row.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { FaultConfig } from '../../src/emulator/index.js'
import type { LabelRowDict } from '../../src/encord/types.js'
import { startRunnerEnv, type RunnerEnv } from '../helpers/runner-env.js'

let env: RunnerEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

/** Rows of the project with a caption answer added (so a save changes them). */
async function editedRows(e: RunnerEnv): Promise<Array<{ labelHash: string; labelRow: LabelRowDict }>> {
  const meta = await e.client.listLabelRowMetadata(e.projectHash)
  const rows = await e.client.getLabelRows(e.projectHash, meta.map((m) => m.labelHash!).filter(Boolean))
  return rows.map((row) => {
    const edited = structuredClone(row) as Record<string, any>
    const unit = Object.values(edited.data_units as Record<string, any>)[0]
    unit.labels.objects = [
      ...(unit.labels.objects ?? []),
      { ...unit.labels.objects[0], objectHash: `x${String(row.label_hash).slice(0, 7)}` },
    ]
    return { labelHash: row.label_hash as string, labelRow: edited }
  })
}

describe('label saves are applied once', () => {
  it.each([
    { name: 'the connection drops after the server wrote the rows', fault: 'reset-after' as const, sent: 1 },
    { name: 'a 503 before anything was written', fault: '5xx' as const, sent: 2 },
  ])('$name: one save per row in the history; sent $sent time(s)', async ({ fault, sent }) => {
    const faults: FaultConfig = {
      rules: [{ endpoint: 'save-label-rows', kind: fault, status: 503, rate: 1, times: 1 }],
    }
    const e = (env = await startRunnerEnv({ tasks: 5, labelledFraction: 1, seed: 3, faults }))
    const rows = await editedRows(e)
    e.client.resetStats()
    await e.client.saveLabelRows(e.projectHash, rows)
    expect(e.emulator.stats().faults.byEndpoint['save-label-rows']).toEqual({ [fault]: 1 })
    expect(e.client.stats().requests.saveLabelRows).toBe(sent)
    const saves = e.history('save')
    expect(saves).toHaveLength(rows.length)
    expect(new Set(saves.map((s) => s.labelHash)).size).toBe(rows.length)
  })
})
