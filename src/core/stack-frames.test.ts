import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { importUserModule } from './config/module-loader.js'
import { originOf, parseStack, userLocation, userStack } from './stack-frames.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'ea-stack-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const STACK = [
  'Error: model server down',
  `    at callModel (${dir}/agent.ts:4:9)`,
  `    at Object.handler (file://${dir}/agent.ts:9:27)`,
  `    at decideTask (${ROOT}dist/core/runner/engine.ts:400:20)`,
  `    at runTask (${ROOT}dist/core/runner/engine.ts:360:11)`,
  '    at new Promise (<anonymous>)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  `    at Object.create (${dir}/node_modules/openai/index.js:10:3)`,
  `    at async ${ROOT}dist/core/runner/engine.ts:230:9`,
].join('\n')

describe('stack frames', () => {
  it('tell user code from encord-agents, Node and other packages', () => {
    expect(parseStack(STACK).map((f) => f.origin)).toEqual([
      'user',
      'user',
      'encord-agents',
      'encord-agents',
      'node',
      'node',
      'dependency',
      'encord-agents',
    ])
    expect(originOf(`${ROOT}src/core/runner/engine.test.ts`)).toBe('user') // tests define agents
    expect(originOf(`${ROOT}node_modules/jiti/dist/jiti.cjs`)).toBe('encord-agents') // our loader
  })

  it('the first user frame, relative to the working directory', () => {
    expect(userLocation(STACK, dir)).toBe('agent.ts:4:9')
    expect(userLocation(STACK, '/elsewhere')).toBe(`${dir}/agent.ts:4:9`)
    expect(userLocation('Error: x\n    at run (node:internal/x:1:1)', dir)).toBeUndefined()
  })

  it('the user-code stack: frames in encord-agents and Node collapsed to one line per run', () => {
    expect(userStack(STACK, dir)).toEqual([
      'at callModel (agent.ts:4:9)',
      'at Object.handler (agent.ts:9:27)',
      'at … 2 frames in encord-agents',
      'at … 2 frames in Node',
      `at Object.create (node_modules/openai/index.js:10:3)`,
      'at … 1 frame in encord-agents',
    ])
  })

  it('a TypeScript module loaded by jiti: LINE:COL of the source, not of the transpiled code', async () => {
    // Types removed before the call and the throw shift the transpiled columns.
    writeFileSync(
      join(dir, 'typed.ts'),
      `export function run(): void {\n  const label: string = detect('x'); void label\n}\nfunction detect(x: string): string { throw new Error(x) }\n`,
    )
    const mod = (await importUserModule(join(dir, 'typed.ts'))) as { run: () => void }
    let stack: string | undefined
    try {
      mod.run()
    } catch (error) {
      stack = (error as Error).stack
    }
    expect(userStack(stack, dir)?.slice(0, 2)).toEqual(['at detect (typed.ts:4:44)', 'at Proxy.run (typed.ts:2:25)'])
  })
})
