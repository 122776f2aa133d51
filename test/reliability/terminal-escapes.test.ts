/**
 * Strings from a server or a fixture are data, not terminal output (issue 14, item 6). A fixture whose
 * project, stage, pathway and data titles hold escape sequences (retitle the terminal, clear it, make
 * text blink), control characters and a 100,000-character title: `list-stages` and `run` print them
 * without any escape or control character and cut to a sane width; `--json` keeps them whole.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import type { ListStagesResult } from '../../src/services/list-stages.js'
import { AGENT_STAGE_UUID, configText, tempProjects } from '../commands/project.js'
import { assertBuilt, runBin } from '../e2e/run-bin.js'

beforeAll(() => assertBuilt())
const project = tempProjects()

const RETITLE = '\u001b]0;pwned\u0007'
const CLEAR = '\u001b[2J\u001b[H'
const BLINK = '\u001b[5m'
const C1_CSI = '\u009b31m'
const hostile = (text: string) => `${BLINK}${text}${RETITLE}${CLEAR}\r${C1_CSI}\u202e!`
const LONG_TITLE = hostile('long-') + 'x'.repeat(100_000) + '.png'

// Anything a terminal would act on: ESC, BEL, CR, the other C0 controls but the line feed, DEL, C1, bidi overrides.
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

function hostileProject(): string {
  const dir = project({
    'encord-agents.config.ts': configText(
      `    { stage: '${AGENT_STAGE_UUID}', handler: './agent.ts' },`,
      `\n  run: { numRetries: 0 },`,
    ),
    // Even data units move along the (hostile) "complete" pathway; odd ones fail quoting their title.
    'agent.ts': `import { defineAgent } from 'encord-agents'
export default defineAgent({
  handler: ({ task }) => {
    if (Number(task.dataHash.slice(-1)) % 2 === 0) return '0aa00000-0000-4000-8000-000000000001'
    throw new Error('cannot read ' + task.dataTitle)
  },
})
`,
  })
  const file = join(dir, 'fixture.json')
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as {
    projects: Array<{
      title: string
      workflow: { stages: Array<{ title: string; pathways: Array<{ title: string }> }> }
      dataUnits: Array<{ dataTitle: string }>
    }>
  }
  const p = fixture.projects[0]
  p.title = hostile('Project')
  p.workflow.stages[0].title = hostile('Agent 1')
  p.workflow.stages[0].pathways[0].title = hostile('complete')
  p.workflow.stages[2].title = hostile('Complete')
  p.dataUnits[0].dataTitle = LONG_TITLE
  for (const unit of p.dataUnits.slice(1)) unit.dataTitle = hostile(unit.dataTitle)
  writeFileSync(file, JSON.stringify(fixture))
  return dir
}

function expectPrintable(output: string, what: string): void {
  const active = ACTIVE.exec(output)
  expect(
    active,
    `${what} holds ${JSON.stringify(active?.[0])} at ${active?.index}: ${JSON.stringify(output.slice(Math.max(0, (active?.index ?? 0) - 40), (active?.index ?? 0) + 40))}`,
  ).toBeNull()
  const longest = Math.max(...output.split('\n').map((l) => l.length))
  expect(longest, `${what}: a line of ${longest} characters`).toBeLessThan(1000)
}

describe('terminal escapes from server data', () => {
  it('list-stages prints titles without escapes or control characters, cut to a sane width; --json keeps them whole', async () => {
    const dir = hostileProject()
    const human = await runBin(['list-stages'], { cwd: dir, timeoutMs: 30_000 })
    expect(human.code, human.stderr).toBe(0)
    expectPrintable(human.stdout + human.stderr, 'list-stages')
    expect(human.stdout).toContain('Agent 1')
    expect(human.stdout).toContain('complete')

    const json = await runBin<ListStagesResult>(['list-stages', '--json'], { cwd: dir, timeoutMs: 30_000 })
    expect(json.code, json.stderr).toBe(0)
    expect(json.json![0].title).toBe(hostile('Agent 1'))
    expect(json.json![0].pathways[0].name).toBe(hostile('complete'))
  })

  it('run: progress, summary and failed-task list are printable; --json keeps the titles and messages whole', async () => {
    const dir = hostileProject()
    const human = await runBin(['run'], { cwd: dir, timeoutMs: 60_000 })
    expect(human.code, human.stderr).toBe(1)
    expectPrintable(human.stdout + human.stderr, 'run')
    expect(human.stdout).toContain('Failed tasks (3)')
    expect(human.stdout).toContain('cannot read')

    const json = await runBin<RunResult>(['run', '--json'], { cwd: hostileProject(), timeoutMs: 60_000 })
    expect(json.code, json.stderr).toBe(1)
    const stage = json.json!.stages[0]
    expect(stage.title).toBe(hostile('Agent 1'))
    expect(Object.keys(stage.moved)).toEqual([hostile('complete')])
    expect(stage.errors.map((e) => e.message)).toContain(`cannot read ${LONG_TITLE}`)
    expect(stage.errors.find((e) => e.message === `cannot read ${LONG_TITLE}`)?.dataTitle).toBe(LONG_TITLE)
  })

  it('an error that quotes a server answer is printed without its escapes', async () => {
    // A config naming a stage that does not exist: the message lists the project's (hostile) stage titles.
    const dir = hostileProject()
    writeFileSync(join(dir, 'encord-agents.config.ts'), configText(`    { stage: 'Agent 2', handler: './agent.ts' },`))
    const r = await runBin(['validate'], { cwd: dir, timeoutMs: 30_000 })
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('Agent 2')
    expectPrintable(r.stdout + r.stderr, 'validate')
  })
})
