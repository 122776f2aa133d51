import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { runInPty, shellQuote } from '../helpers/pty.js'
import { screenOf, withoutEscapes } from '../helpers/screen.js'
import { agentProject, cleanUp, config, generatedFixture } from './kit.js'
import { assertBuilt, BIN, runBin } from './run-bin.js'

/**
 * Issue 17, items 2, 4, 5 and 8 through the built binary: where the user's handler threw (summary,
 * progress, `--json` `errors[].at`, `--verbose` stacks), progress on a terminal, a pipe and a 0×0
 * terminal, and a summary that says everything that happened.
 */
beforeAll(() => assertBuilt())
afterAll(() => cleanUp())

const THROWING_AGENT = `import { defineAgent } from 'encord-agents'

function callModel(title: string): string {
  throw new Error('model server down for ' + title)
}

export default defineAgent({
  handler({ task }) {
    const label: string = callModel(task.dataTitle)
    return label
  },
})
`
/** Line and column of `new Error` in THROWING_AGENT (the frame V8 records for the throw), and of the call. */
const THROW_AT = 'agent.ts:4:9'
const CALL_AT = 'agent.ts:9:27'

function ptyEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('ENCORD_') ||
      k.startsWith('VITEST') ||
      k === 'NODE_OPTIONS' ||
      k === 'NODE_ENV' ||
      k === 'DEBUG' ||
      k === 'CI' ||
      k === 'NO_COLOR' ||
      k === 'FORCE_COLOR'
    )
      continue
    env[k] = v
  }
  return { ...env, TERM: 'xterm-256color' }
}

const node = `${shellQuote(process.execPath)} ${shellQuote(BIN)}`

describe('users find their own bug (built binary)', () => {
  it('--json errors[].at, the summary and the progress name agent.ts:LINE:COL of the TypeScript source', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], { run: '{ numRetries: 0 }' }),
      'agent.ts': THROWING_AGENT,
    })
    const json = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(json.code, json.stderr).toBe(1)
    const errors = json.json!.stages[0].errors
    expect(errors).toHaveLength(6)
    for (const e of errors) {
      expect(e).toMatchObject({ code: 'HandlerFailed', at: THROW_AT })
      expect(e.message).toMatch(/^model server down for /)
    }
    // The user's frames as written, ours collapsed to one line each.
    expect(errors[0].stack![0]).toBe(`at callModel (${THROW_AT})`)
    expect(errors[0].stack![1]).toBe(`at Object.handler (${CALL_AT})`)
    expect(errors[0].stack!.some((l) => /^at … \d+ frames? in encord-agents$/.test(l))).toBe(true)
    expect(errors[0].stack!.every((l) => !l.includes('/dist/') && !l.includes('node:internal'))).toBe(true)

    const human = await runBin(['run'], { cwd: dir })
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(
      new RegExp(`✖ Agent 1 / \\S+ \\([0-9a-f-]+\\): HandlerFailed: model server down for \\S+ \\(${THROW_AT}\\)`),
    )
    expect(human.stderr).toContain(`HandlerFailed: model server down for `)
    expect(human.stderr).toContain(`(${THROW_AT})`)
    // Without --verbose no stack.
    expect(human.stdout).not.toContain('frames in encord-agents')
  })

  it("--verbose prints the user-code stack under each failed task, ours and Node's collapsed", async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        run: '{ numRetries: 0, maxTasksPerStage: 1 }',
      }),
      'agent.ts': THROWING_AGENT,
    })
    const r = await runBin(['run', '--verbose'], { cwd: dir })
    expect(r.code).toBe(1)
    const block = r.stdout.slice(r.stdout.indexOf('Failed tasks (1):'))
    expect(block).toContain(
      `(${THROW_AT})\n      at callModel (${THROW_AT})\n      at Object.handler (${CALL_AT})\n      at … `,
    )
    expect(block).toMatch(/ {6}at … \d+ frames? in encord-agents/)
    expect(block).not.toMatch(/\/dist\/|node:internal/)
    // --verbose is DEBUG=encord-agents*: the HTTP debug log shows too.
    expect(r.stderr).toMatch(/encord-agents:http/)
  })
})

describe('progress on a terminal, a pipe and a 0×0 terminal', () => {
  let dir: string
  beforeAll(async () => {
    const fixture = await generatedFixture(['--tasks', '120', '--stages', 'Agent 1,Agent 2'])
    const agent = `import { defineAgent } from 'encord-agents'
export default defineAgent({ async handler() { await new Promise((r) => setTimeout(r, 15)); return undefined } })
`
    dir = agentProject(
      {
        'encord-agents.config.ts': config(
          [`{ stage: 'Agent 1', handler: './agent.ts' }`, `{ stage: 'Agent 2', handler: './agent.ts' }`],
          { run: '{ dryRun: true, taskBatchSize: 20 }' },
        ),
        'agent.ts': agent,
      },
      { file: fixture },
    )
  })

  it('stdout redirected on a terminal: the view updates in place on stderr, the file gets no colour codes', async () => {
    const r = await runInPty(`${node} run > summary.txt`, { env: ptyEnv(), cwd: dir, cols: 100, rows: 30 })
    expect(r.code, r.output).toBe(0)
    const file = readFileSync(join(dir, 'summary.txt'), 'utf8')
    expect(file).not.toContain('\u001b')
    expect(file).toContain('120 tasks decided')
    // Redrawn: cursor moves up; what stays on screen is one row per stage, not a row per update.
    expect(r.output).toContain('\u001b[1A')
    const screen = screenOf(r.output)
    expect(screen).toHaveLength(2)
    expect(screen[0]).toMatch(/^✔ Agent 1: 120 processed · would stay 120 · [\d.]+ tasks\/s$/)
    expect(screen[1]).toMatch(/^✔ Agent 2: no tasks waiting$/)
    expect(r.output).toContain('\u001b[32m✔') // colour on the terminal
  })

  it('a 0×0 terminal gets plain lines, each naming its stage', async () => {
    const r = await runInPty(`${node} run > summary.txt`, { env: ptyEnv(), cwd: dir })
    expect(r.code, r.output).toBe(0)
    expect(r.output).not.toContain('\u001b[1A')
    const lines = withoutEscapes(r.output)
      .split(/\r?\n/)
      .filter((l) => l !== '')
    expect(lines.every((l) => /^\[Agent [12]\] /.test(l))).toBe(true)
    expect(lines).toContain('[Agent 2] ✔ no tasks waiting')
  })

  it('piped: at most one line per stage every few seconds (not a line per task), each naming its stage', async () => {
    const r = await runBin(['run'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines.every((l) => /^\[Agent [12]\] /.test(l))).toBe(true)
    // 120 tasks at ~15 ms: a couple of seconds, so a final line and at most one progress line or two.
    expect(lines.filter((l) => l.startsWith('[Agent 1] ')).length).toBeLessThanOrEqual(3)
    expect(lines.at(-2)).toMatch(/^\[Agent 1\] ✔ 120 processed · would stay 120/)
    expect(r.stdout).not.toContain('\u001b')
  })
})

describe('the summary says everything that happened', () => {
  it('multi-stage: the total counts each task once; stages and effects in --json', async () => {
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([
          `{ stage: 'Triage', handler: './triage.ts' }`,
          `{ stage: 'Finish', handler: './finish.ts' }`,
        ]),
        'triage.ts': `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: ({ task }) => (task.dataTitle.includes('garage') ? 'manual' : { pathway: 'auto', priority: 0.5 }) })\n`,
        'finish.ts': `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => 'done' })\n`,
      },
      'multi-stage',
    )
    const human = await runBin(['run', '--dry-run'], { cwd: dir })
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(
      /✔ 6 tasks decided: 6 would move, 0 would stay, 0 failed; 5 priorities would be set in/,
    )
    const json = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(json.code, json.stderr).toBe(0)
    expect(json.json!.tasksProcessed).toBe(6)
    expect(json.json!.stages.map((s) => [s.title, s.processed, s.priorities, s.saved, s.interrupted])).toEqual([
      ['Triage', 6, 5, 0, false],
      ['Finish', 5, 0, 0, false],
    ])
  })

  it('multi-stage, human: "6 tasks processed in 2 stages", priorities in the table', async () => {
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([
          `{ stage: 'Triage', handler: './triage.ts' }`,
          `{ stage: 'Finish', handler: './finish.ts' }`,
        ]),
        'triage.ts': `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: ({ task }) => (task.dataTitle.includes('garage') ? 'manual' : { pathway: 'auto', priority: 0.5 }) })\n`,
        'finish.ts': `import { defineAgent } from 'encord-agents'\nexport default defineAgent({ handler: () => 'done' })\n`,
      },
      'multi-stage',
    )
    const r = await runBin(['run'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('✔ 6 tasks processed in 2 stages: 11 moves, 0 stayed, 0 failed; 5 priorities set in')
    expect(r.stdout).toMatch(/│ Stage +│ Processed │ Moved +│ Stayed │ Failed │ Priorities set │/)
  })

  it('an interrupted stage is shown as interrupted, not ✔', async () => {
    const fixture = await generatedFixture(['--tasks', '200', '--stages', 'Agent 1,Agent 2'])
    // The handler says when it first runs; Ctrl-C then, while the first stage is at work.
    const slow = `import { defineAgent } from 'encord-agents'\nlet told = false\nexport default defineAgent({ async handler() { if (!told) { told = true; process.stderr.write('@@started\\n') } await new Promise((r) => setTimeout(r, 50)) } })\n`
    const dir = agentProject(
      {
        'encord-agents.config.ts': config(
          [`{ stage: 'Agent 1', handler: './agent.ts' }`, `{ stage: 'Agent 2', handler: './agent.ts' }`],
          { run: '{ taskBatchSize: 10 }' },
        ),
        'agent.ts': slow,
      },
      { file: fixture },
    )
    let sent = false
    const interruptOnStart = (chunk: string, child: import('node:child_process').ChildProcess) => {
      if (!sent && chunk.includes('@@started')) {
        sent = true
        setTimeout(() => child.kill('SIGINT'), 300)
      }
    }
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir, onStderr: interruptOnStart })
    expect(sent).toBe(true)
    expect(r.code, r.stderr).toBe(130)
    expect(r.json!.interrupted).toBe(true)
    expect(r.json!.stages.map((s) => s.interrupted)).toEqual([true, true])
    expect(r.json!.stages[0].processed).toBeLessThan(200)
    sent = false
    const human = await runBin(['run'], { cwd: dir, onStderr: interruptOnStart })
    expect(human.code).toBe(130)
    expect(human.stdout).toMatch(/\(interrupted\)/)
    expect(human.stdout).toMatch(/■ Interrupted after/)
    expect(human.stdout).not.toMatch(/✔/)
    expect(human.stderr).toMatch(/\[Agent 1\] ■ interrupted after \d+ tasks/)
  })
})
