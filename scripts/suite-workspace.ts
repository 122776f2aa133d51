// Rewrite test/fixtures/workspaces/encord-agents-suite.json, the workspace Encord's encord-agents suite
// assumes, from src/emulator/workspace-generate.ts: `npm run fixtures:suite`. Deterministic: the
// emulator's workspace-generate.test.ts fails while the committed file differs from what this writes.
import { join } from 'node:path'
import { writeFixtureFile } from '../src/emulator/fixture-write.js'
import { ENCORD_AGENTS_SUITE_WORKSPACE, generateWorkspace } from '../src/emulator/workspace-generate.js'

const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'workspaces', 'encord-agents-suite.json')
const bytes = await writeFixtureFile(out, generateWorkspace(ENCORD_AGENTS_SUITE_WORKSPACE), { lines: true })
console.log(`Wrote ${out} (${(bytes / 1024).toFixed(0)} KiB)`)
