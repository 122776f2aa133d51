import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateOpenSshKey } from '../../../src/encord/auth/keys.js'
import { generateFixture } from '../../../src/emulator/index.js'
import type { Fixture } from '../../../src/emulator/fixture.js'
import { ROOT } from '../../e2e/run-bin.js'

/**
 * A private copy of the built package (dist/, bin/, package.json; node_modules linked), so a rebuild
 * elsewhere (which empties dist/) cannot pull the binary from under long-running worker processes.
 */
export function snapshotPackage(): { bin: string; dir: string; cleanup(): void } {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'worker.js')))
    throw new Error('dist/ is missing or stale: run `npm run build` first (npm test does it).')
  const dir = mkdtempSync(join(tmpdir(), 'ea-pkg-'))
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true })
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { bin: join(dir, 'bin', 'run.js'), dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The agent used by the queue CLI tests: a label save, a priority and a pathway per task, chosen from its title. */
export const AGENT_SOURCE = `import { defineAgent, labelRow, NonRetryableError } from 'encord-agents'

const failing = new Set((process.env.TEST_FAIL_TITLES ?? '').split(',').filter(Boolean))
const slowMs = Number(process.env.TEST_SLOW_MS ?? 0)

export default defineAgent({
  deps: { row: labelRow() },
  pathways: ['complete', 'needs review'],
  async handler({ task, deps }) {
    if (failing.has(task.dataTitle)) throw new NonRetryableError('cannot read ' + task.dataTitle, { code: 'Unreadable' })
    if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs))
    const n = Number(/(\\d+)/.exec(task.dataTitle)?.[1] ?? 0)
    deps.row.addClassification('Caption', { answer: 'checked ' + task.uuid })
    return { pathway: n % 3 === 0 ? 'needs review' : 'complete', priority: (n % 10) / 10 }
  },
})
`

/** The pathway the test agent chooses for a data title. */
export function expectedPathway(dataTitle: string): 'complete' | 'needs review' {
  const n = Number(/(\d+)/.exec(dataTitle)?.[1] ?? 0)
  return n % 3 === 0 ? 'needs review' : 'complete'
}

export interface QueueProject {
  dir: string
  fixture: Fixture
  fixtureFile: string
  projectHash: string
  keyFile: string
  publicKeyHex: string
  configFile: string
  cleanup(): void
}

/** A temporary directory with a fixture, a key, a config (no `local`) and the test agent. */
export function makeQueueProject(tasks: number, options: { seed?: number; local?: boolean } = {}): QueueProject {
  const dir = mkdtempSync(join(tmpdir(), 'ea-queue-'))
  mkdirSync(dir, { recursive: true })
  const fixture = generateFixture({ tasks, seed: options.seed ?? 7, labelledFraction: 0.3 })
  const fixtureFile = join(dir, 'fixture.json')
  writeFileSync(fixtureFile, JSON.stringify(fixture))
  const key = generateOpenSshKey('queue test key')
  const keyFile = join(dir, 'key')
  writeFileSync(keyFile, key.privateKeyText)
  chmodSync(keyFile, 0o600)
  const projectHash = fixture.projects[0].projectHash
  writeFileSync(join(dir, 'agent.ts'), AGENT_SOURCE)
  const configFile = join(dir, 'encord-agents.config.ts')
  writeFileSync(
    configFile,
    `import { defineConfig } from 'encord-agents'\n\nexport default defineConfig({\n  projectHash: '${projectHash}',\n${options.local ? "  local: './fixture.json',\n" : ''}  agents: [{ stage: 'Agent 1', handler: './agent.ts' }],\n  run: { numRetries: 2 },\n})\n`,
  )
  return {
    dir,
    fixture,
    fixtureFile,
    projectHash,
    keyFile,
    publicKeyHex: key.publicKeyHex,
    configFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
