/**
 * Issue 6, "Running": run options in the config and as flags (flags win), retries with backoff and
 * onFailure, concurrency (default 1), dry runs, task filters, progress (listr2 on a terminal, plain
 * lines in CI or when piped), the summary table, `--json` = only the RunResult, exit codes 0 and 1.
 * Through the built binary against the emulator (`emulator start` where requests are counted).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import { generateOpenSshKey } from '../../src/encord/auth/keys.js'
import { screenOf } from '../helpers/screen.js'
import {
  agentProject,
  cleanUp,
  config,
  generatedFixture,
  readFixture,
  reports,
  startBinEmulator,
  tasksPerStage,
  titlesByTask,
  writeFixture,
  type BinEmulator,
} from './kit.js'
import { assertBuilt, BIN, runBin } from './run-bin.js'

beforeAll(() => assertBuilt())
const emulators: BinEmulator[] = []
afterAll(async () => {
  for (const e of emulators) await e.stop()
  cleanUp()
})

const head = `import { defineAgent, labelRow } from 'encord-agents'
const report = (value: unknown) => process.stderr.write('@@' + JSON.stringify(value) + '\\n')
`
const sleep = `const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))\n`

describe('run options (built binary)', () => {
  it("taskBatchSize and maxTasksPerStage from the config's run block, flags winning (proceeds counted per request)", async () => {
    const fixture = await generatedFixture(['--tasks', '10'])
    const projectHash = (JSON.parse(readFileSync(fixture, 'utf8')) as { projects: Array<{ projectHash: string }> })
      .projects[0].projectHash
    const emulator = await startBinEmulator(fixture, ['--allow-any-key', '--in-memory'])
    emulators.push(emulator)
    const env = { ENCORD_SSH_KEY: generateOpenSshKey('e2e options').privateKeyText, ENCORD_DOMAIN: emulator.domain }
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        local: '',
        projectHash: `'${projectHash}'`,
        run: `{ taskBatchSize: 3, maxTasksPerStage: 5 }`,
      }),
      'agent.ts': `${head}export default defineAgent({ handler: () => 'complete' })\n`,
    })
    const fromConfig = await runBin<RunResult>(['run', '--json'], { cwd: dir, env })
    expect(fromConfig.code, fromConfig.stderr).toBe(0)
    expect(fromConfig.json!.stages[0].processed).toBe(5)
    const afterConfig = await emulator.requests()
    // 3 + 2: one proceed per batch, or one for both when the second is decided within the tail hold
    // (TAIL_HOLD_MS) of the first, as it usually is here (issue 21).
    expect(afterConfig['proceed']).toBeGreaterThanOrEqual(1)
    expect(afterConfig['proceed']).toBeLessThanOrEqual(2)

    const fromFlags = await runBin<RunResult>(
      ['run', '--json', '--task-batch-size', '2', '--max-tasks-per-stage', '4'],
      { cwd: dir, env },
    )
    expect(fromFlags.code, fromFlags.stderr).toBe(0)
    expect(fromFlags.json!.stages[0].processed).toBe(4)
    const flagProceeds = (await emulator.requests())['proceed'] - afterConfig['proceed']
    expect(flagProceeds).toBeGreaterThanOrEqual(1) // 2 + 2, one or two proceeds as above
    expect(flagProceeds).toBeLessThanOrEqual(2)
    expect(await emulator.stageCounts(projectHash)).toMatchObject({ 'Agent 1': 1, Complete: 9 })
  })

  it('numRetries: a failing handler is retried with backoff; then its task stays (exit 1), or takes the onFailure pathway', async () => {
    const files = {
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        run: `{ numRetries: 1, concurrency: 6 }`,
      }),
      'agent.ts': `${head}export default defineAgent({
  onFailure: process.env.ON_FAILURE,
  handler({ task, attempt }) {
    report({ title: task.dataTitle, attempt, at: Date.now() })
    if (task.dataTitle === 'street.png') throw new Error('the model cannot read this image')
    if (task.dataTitle === 'bridge.png' && attempt === 0) throw new Error('model warming up')
    return 'complete'
  },
})
`,
    }
    const dir = agentProject(files)
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(1)
    expect(r.json!.stages[0]).toMatchObject({ processed: 6, moved: { complete: 5 }, failed: 1 })
    // `at`: where in agent.ts the handler threw (the `new Error` of line 7).
    expect(r.json!.stages[0].errors).toEqual([
      {
        taskUuid: expect.any(String),
        dataTitle: 'street.png',
        code: 'HandlerFailed',
        message: 'the model cannot read this image',
        at: 'agent.ts:7:48',
        stack: ['at Object.handler (agent.ts:7:48)', expect.stringMatching(/^at … \d+ frames? in encord-agents$/)],
      },
    ])
    const seen = reports<{ title: string; attempt: number; at: number }>(r.stderr)
    const attempts = (title: string) => seen.filter((s) => s.title === title)
    expect(attempts('bridge.png').map((s) => s.attempt)).toEqual([0, 1])
    expect(attempts('street.png').map((s) => s.attempt)).toEqual([0, 1])
    expect(attempts('highway.png').map((s) => s.attempt)).toEqual([0])
    // Backoff: the first retry waits between half and all of the base delay (1 s).
    const [first, second] = attempts('bridge.png')
    expect(second.at - first.at).toBeGreaterThanOrEqual(450)
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Agent 1': 1, Review: 0, Complete: 5 })

    // Without retries the failing task is tried once; with onFailure it goes along that pathway.
    const again = await runBin<RunResult>(['run', '--json', '--num-retries', '0'], {
      cwd: dir,
      env: { ON_FAILURE: 'needs review' },
    })
    expect(again.code).toBe(1)
    expect(again.json!.stages[0]).toMatchObject({ processed: 1, failed: 1, moved: {} })
    expect(reports<{ attempt: number }>(again.stderr).map((s) => s.attempt)).toEqual([0])
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Agent 1': 0, Review: 1, Complete: 5 })
  })

  it('concurrency: one task at a time by default (like the Python Runner), N at once with --concurrency N', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': `${head}${sleep}let running = 0
export default defineAgent({
  async handler() {
    running++
    report({ running })
    await sleep(60)
    running--
    return process.env.MOVE ? 'complete' : undefined
  },
})
`,
    })
    const serial = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(serial.code, serial.stderr).toBe(0)
    expect(Math.max(...reports<{ running: number }>(serial.stderr).map((s) => s.running))).toBe(1)
    const parallel = await runBin<RunResult>(['run', '--json', '--concurrency', '3'], { cwd: dir, env: { MOVE: '1' } })
    expect(parallel.code, parallel.stderr).toBe(0)
    expect(Math.max(...reports<{ running: number }>(parallel.stderr).map((s) => s.running))).toBe(3)
    expect(parallel.json!.stages[0].moved).toEqual({ complete: 6 })
  })

  it('dryRun: decide and report, move, save and prioritise nothing (config dryRun, --no-dry-run wins)', async () => {
    const dir = agentProject(
      {
        'encord-agents.config.ts': config([`{ stage: 'Pre-label', handler: './agent.ts' }`], {
          run: `{ dryRun: true }`,
        }),
        'agent.ts': `${head}export default defineAgent({
  deps: { row: labelRow() },
  handler({ deps }) {
    deps.row.addBoundingBox('Car', { x: 0.1, y: 0.1, w: 0.2, h: 0.2 })
    return { pathway: 'to review', labelRow: deps.row, priority: 0.5 }
  },
})
`,
      },
      'label-writer',
    )
    const before = readFileSync(`${dir}/fixture.json`, 'utf8')
    const dry = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(dry.code, dry.stderr).toBe(0)
    // A dry run reports what would have been written: every row saved, every priority set.
    expect(dry.json).toMatchObject({
      ok: true,
      dryRun: true,
      tasksProcessed: 6,
      stages: [
        { processed: 6, moved: { 'to review': 6 }, saved: 6, priorities: 6, storageUpdated: 0, interrupted: false },
      ],
    })
    const fixture = readFixture(dir)
    expect(tasksPerStage(fixture)).toEqual({ 'Pre-label': 6, Review: 0, Complete: 0 })
    expect(fixture.projects[0].labelRows).toEqual([])
    expect(fixture.projects[0].history).toEqual([])
    expect(fixture.projects[0].tasks.every((t) => (t.priority ?? null) === null)).toBe(true)
    expect(JSON.parse(readFileSync(`${dir}/fixture.json`, 'utf8'))).toEqual(JSON.parse(before))
    const human = await runBin(['run'], { cwd: dir })
    expect(human.stdout + human.stderr).not.toMatch(/\bmoved\b/)
    expect(human.stdout).toContain(
      '6 tasks decided: 6 would move, 0 would stay, 0 failed; 6 label rows would be saved, 6 priorities would be set in',
    )
    expect(human.stdout).toContain('Dry run: nothing was applied; the project is as it was.')

    const real = await runBin<RunResult>(['run', '--json', '--no-dry-run'], { cwd: dir })
    expect(real.json).toMatchObject({ dryRun: false, stages: [{ moved: { 'to review': 6 }, saved: 6, priorities: 6 }] })
    expect(tasksPerStage(readFixture(dir))).toEqual({ 'Pre-label': 0, Review: 6, Complete: 0 })
  })

  it('task filters as flags: --data-title, --data-hash, --assignee, --status (a flag replaces the same filter of the config)', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`], {
        run: `{ dryRun: true, filters: { statuses: ['NEW'] } }`,
      }),
      'agent.ts': `${head}export default defineAgent({ handler: ({ task }) => { report(task.dataTitle); return 'complete' } })\n`,
    })
    const fixture = readFixture(dir)
    const titles = titlesByTask(fixture)
    const people: Record<string, [string, string | null]> = {
      'street.png': ['NEW', 'alice@example.com'],
      'parking-lot.png': ['ASSIGNED', 'bob@example.com'],
      'highway.png': ['RELEASED', null],
      'crossing.png': ['NEW', 'alice@example.com'],
      'garage.png': ['REOPENED', 'bob@example.com'],
      'bridge.png': ['NEW', null],
    }
    for (const t of fixture.projects[0].tasks) [t.status, t.assignee] = people[titles.get(t.uuid)!]
    writeFixture(dir, fixture)
    const hashOf = (title: string) => fixture.projects[0].tasks.find((t) => titles.get(t.uuid) === title)!.dataHash
    const decided = async (args: string[]) => {
      const r = await runBin<RunResult>(['run', '--json', ...args], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      return reports<string>(r.stderr).sort()
    }
    expect(await decided([])).toEqual(['bridge.png', 'crossing.png', 'street.png']) // the config's NEW
    expect(await decided(['--status', 'ASSIGNED', '--status', 'REOPENED'])).toEqual(['garage.png', 'parking-lot.png'])
    expect(await decided(['--data-title', 'ing'])).toEqual(['crossing.png']) // NEW and "ing"
    expect(await decided(['--status', 'NEW', '--status', 'ASSIGNED', '--data-title', 'ing'])).toEqual([
      'crossing.png',
      'parking-lot.png',
    ])
    expect(await decided(['--assignee', 'alice@example.com'])).toEqual(['crossing.png', 'street.png'])
    expect(await decided(['--data-hash', hashOf('bridge.png'), '--data-hash', hashOf('highway.png')])).toEqual([
      'bridge.png',
    ])
    expect(await decided(['--status', 'RELEASED', '--data-hash', hashOf('highway.png')])).toEqual(['highway.png'])
  })
})

describe('progress, summary and --json (built binary)', () => {
  const slowAgent = `${head}${sleep}export default defineAgent({ async handler({ task }) { await sleep(task.dataTitle === 'street.png' ? 300 : 5); return 'complete' } })\n`

  it('plain lines on stderr in CI or when piped (each naming its stage: done, moved per pathway, rate), the summary table on stdout', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': slowAgent,
    })
    for (const env of [{ CI: '1' }, { CI: undefined }]) {
      const r = await runBin(['run', '--max-tasks-per-stage', '3'], { cwd: dir, env })
      expect(r.code, r.stderr).toBe(0)
      // A short stage: its final line only (a long one adds a line every few seconds).
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^\[Agent 1\] ✔ 3 processed · moved complete 3 · [\d.]+ tasks\/s$/),
      ])
      expect(r.stdout).toMatch(/│ Stage +│ Processed +│ Moved +│ Stayed +│ Failed +│/)
      expect(r.stdout).toMatch(/│ Agent 1 +│ 3 +│ complete: 3 +│ 0 +│ 0 +│/)
      expect(r.stdout).not.toContain('[Agent 1]')
    }
  })

  it('--json: stdout holds only the RunResult, and no progress is printed', async () => {
    const dir = agentProject({
      'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
      'agent.ts': `${head}export default defineAgent({ handler: () => 'complete' })\n`,
    })
    const r = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(Object.keys(r.json!).sort()).toEqual([
      'dryRun',
      'durationMs',
      'interrupted',
      'ok',
      'projectHash',
      'stages',
      'tasksProcessed',
    ])
    expect(Object.keys(r.json!.stages[0]).sort()).toEqual([
      'errors',
      'failed',
      'interrupted',
      'moved',
      'priorities',
      'processed',
      'saved',
      'stayed',
      'storageUpdated',
      'title',
      'uuid',
    ])
    expect(JSON.parse(r.stdout)).toEqual(r.json)
    expect(r.stderr).not.toContain('[Agent 1]')
  })

  const script = existsSync('/usr/bin/script') ? '/usr/bin/script' : undefined
  it.runIf(script !== undefined)(
    'on a terminal, the stage line is updated in place and ends with its counters (also for a fast run)',
    () => {
      const dir = agentProject({
        'encord-agents.config.ts': config([`{ stage: 'Agent 1', handler: './agent.ts' }`]),
        'agent.ts': `${head}export default defineAgent({ handler: () => 'complete' })\n`,
      })
      // util-linux `script` gives the CLI a pseudo-terminal (its size set, as a real terminal has one).
      const env = { ...process.env, FORCE_COLOR: '1' } as NodeJS.ProcessEnv
      for (const k of Object.keys(env))
        if (
          k === 'CI' ||
          k === 'NO_COLOR' ||
          k.startsWith('VITEST') ||
          k === 'NODE_ENV' ||
          k === 'NODE_OPTIONS' ||
          k.startsWith('ENCORD_')
        )
          delete env[k]
      const out = execFileSync(
        script!,
        ['-qec', `stty cols 120 rows 40; "${process.execPath}" "${BIN}" run`, '/dev/null'],
        { cwd: dir, env, encoding: 'utf8', timeout: 60_000 },
      )
      const text = out.replace(/\r/g, '')
      expect(text).not.toContain('[Agent 1]') // not plain lines
      expect(text).toMatch(/\x1b\[\d*A/) // cursor moves: the line is redrawn in place
      const screen = screenOf(out)
      expect(screen[0]).toMatch(/^✔ Agent 1: 6 processed · moved complete 6 · [\d.]+ tasks\/s$/)
      expect(screen.filter((l) => l.includes('Agent 1') && !l.includes('│'))).toHaveLength(1)
      expect(text).toContain('6 tasks processed: 6 moved, 0 stayed, 0 failed')
    },
  )
})
