// `npm run bench -- --types`: how long `tsc` takes on a handler with the declaration file of a large
// ontology (500 objects, 50 attributes each, written by the real typegen code) as a ratio to the same
// handler without it; the handler uses the typed row (shape methods, addObject, addClassification) and
// typed instances (setAnswer/getAnswer, objects({ feature }) by hash) (issue 18; goal: under 3x). Best of 3 runs each, against dist/.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderTypes } from '../dist/typegen/generate.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const SHAPES = ['bounding_box', 'polygon', 'point', 'polyline', 'rotatable_bounding_box', 'bitmask', 'skeleton']
const TYPES = ['radio', 'checklist', 'text', 'numeric']
const attribute = (i) => {
  const type = TYPES[i % TYPES.length]
  const a = { name: `Attribute ${i}`, type }
  if (type === 'radio' || type === 'checklist')
    a.options = ['Option A', 'Option B', 'Option C'].map((label) => ({ label, attributes: [] }))
  return a
}
const model = {
  stages: [1, 2, 3].map((n) => ({
    title: `Agent ${n}`,
    uuid: `stage-${n}`,
    pathways: ['done', 'review'].map((p) => ({ name: `${p} ${n}`, uuid: `${p}-${n}` })),
  })),
  objects: Array.from({ length: 500 }, (_, o) => ({
    title: `Object ${String(o).padStart(3, '0')}`,
    featureHash: `obj${o}`,
    shape: SHAPES[o % SHAPES.length],
    attributes: Array.from({ length: 50 }, (_, i) => attribute(i)),
  })),
  classifications: Array.from({ length: 20 }, (_, c) => ({
    title: `Classification ${c}`,
    featureHash: `cls${c}`,
    attributes: [{ ...attribute(0), name: `Classification ${c}` }],
  })),
}

const dir = mkdtempSync(join(tmpdir(), 'ea-bench-types-'))
try {
  const gen = join(dir, 'encord-agents.gen.d.ts')
  writeFileSync(gen, renderTypes(model, 'bench/types-tsc.mjs'))
  const handler = join(dir, 'agent.ts')
  writeFileSync(
    handler,
    `import { defineAgent, labelRow } from 'encord-agents'
export default defineAgent({
  stage: 'Agent 1',
  deps: { row: labelRow() },
  pathways: ['done 1'],
  ontology: { objects: ['Object 000', 'obj7'], classifications: ['Classification 0'] },
  handler({ deps: { row } }) {
    const box = row.addBoundingBox('Object 000', { x: 0, y: 0, w: 1, h: 1 }, { answers: { 'Attribute 0': 'Option A', 'Attribute 2': 'x' } })
    box.setAnswer('Attribute 1', ['Option B'])
    const answer = box.getAnswer('Attribute 4')
    row.addObject('Object 001', [{ x: 0, y: 0 }])
    for (const o of row.objects({ feature: 'obj7' })) o.setAnswer('Attribute 8', 'Option C')
    row.objects()[0]?.setAnswer('Attribute 3', 1)
    const cls = row.addClassification('Classification 0', { answer: 'Option B' })
    void [answer, cls.getAnswer()]
    return { pathway: 'done 1', labelRow: row }
  },
})
`,
  )
  // The type tests' settings: strict NodeNext, `encord-agents` resolved to this build's dist.
  const against = join(root, 'test/types/tsconfig.against-dist.json')
  const time = (files) => {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: against, files }))
    let best = Infinity
    for (let i = 0; i < 3; i++) {
      const start = performance.now()
      execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { stdio: 'inherit' })
      best = Math.min(best, performance.now() - start)
    }
    return best
  }
  const without = time([handler])
  const withTypes = time([gen, handler])
  const ratio = withTypes / without
  process.stdout.write(
    `tsc on a handler, 500 objects x 50 attributes: ${Math.round(without)} ms without the generated file, ` +
      `${Math.round(withTypes)} ms with it: ${ratio.toFixed(2)}x (goal < 3x)\n`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
