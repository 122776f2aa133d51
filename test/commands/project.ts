import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The minimal template's demo project: "Agent 1" (pathways complete, needs review), Review, Complete; 6 tasks. */
export const AGENT_STAGE_UUID = '05a00000-0000-4000-8000-000000000001'
export const PROJECT_HASH = '0b000000-0000-4000-8000-000000000001'

/**
 * A throwaway project directory: the minimal template's fixture plus the files given (config,
 * handlers). A package.json stops the config search at this directory.
 */
export function makeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-cmd-'))
  writeFileSync(join(dir, 'package.json'), '{ "name": "agents-under-test", "private": true }\n')
  copyFileSync(join(ROOT, 'templates', 'minimal', 'fixture.json'), join(dir, 'fixture.json'))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
  return dir
}

/**
 * {@link makeProject} for one test file: call it at the top level; every project it makes is removed
 * after the file's tests.
 */
export function tempProjects(): (files: Record<string, string>) => string {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })
  return (files) => {
    const dir = makeProject(files)
    dirs.push(dir)
    return dir
  }
}

/** A config file text for the demo project with the given agents entries. */
export function configText(agents: string, extra = ''): string {
  return `import { defineConfig } from 'encord-agents'

export default defineConfig({
  local: './fixture.json',
  projectHash: '${PROJECT_HASH}',
  agents: [
${agents}
  ],${extra}
})
`
}

export const COMPLETE_AGENT = `import { defineAgent } from 'encord-agents'
export default defineAgent({ handler: () => 'complete' })
`

/** Tasks per stage title, read from the fixture file the emulator wrote back. */
export function tasksByStage(dir: string): Record<string, number> {
  const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as {
    projects: Array<{
      workflow: { stages: Array<{ uuid: string; title: string }> }
      tasks: Array<{ stageUuid: string }>
    }>
  }
  const project = fixture.projects[0]
  const out: Record<string, number> = {}
  for (const s of project.workflow.stages) out[s.title] = project.tasks.filter((t) => t.stageUuid === s.uuid).length
  return out
}
