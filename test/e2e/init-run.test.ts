import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResult } from '../../src/core/types.js'
import type { InitResult } from '../../src/services/init.js'
import type { ListStagesResult } from '../../src/services/list-stages.js'
import type { ValidateResult } from '../../src/services/validate.js'
import { assertBuilt, ROOT, runBin } from './run-bin.js'

let tmp: string

beforeAll(() => {
  assertBuilt()
  tmp = mkdtempSync(join(tmpdir(), 'ea-e2e-init-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function counts(stages: ListStagesResult): Record<string, number> {
  return Object.fromEntries(stages.map((s) => [s.title, s.taskCount]))
}

describe('init, then run in the new directory (built binary, local emulator)', () => {
  it('minimal: init writes a runnable project; run moves every task; a second run finds none', async () => {
    const dir = join(tmp, 'minimal')
    const init = await runBin<InitResult>(['init', dir, '--json', '--no-install'])
    expect(init.code, init.stderr).toBe(0)
    expect(init.json!.files.map((f) => [f.path, f.status])).toEqual([
      ['.encord-agents/local-key', 'created'],
      ['agent.test.ts', 'created'],
      ['agent.ts', 'created'],
      ['encord-agents.config.ts', 'created'],
      ['fixture.json', 'created'],
      ['package.json', 'created'],
      ['tsconfig.json', 'created'],
      ['.gitignore', 'created'],
      ['encord-agents.gen.d.ts', 'created'],
    ])
    expect(init.json!.install).toEqual({
      packageManager: 'npm',
      command: 'npm install',
      status: 'skipped',
      durationMs: 0,
    })
    // The key: private, git-ignored, registered in the fixture; never printed.
    const keyFile = join(dir, '.encord-agents/local-key')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toContain('.encord-agents/')
    const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as {
      users: Array<{ publicKeyHex: string }>
    }
    expect(fixture.users.map((u) => u.publicKeyHex)).toEqual([init.json!.key.publicKeyHex])
    expect(init.stdout + init.stderr).not.toContain('OPENSSH PRIVATE KEY')

    const validate = await runBin<ValidateResult>(['validate', '--json'], { cwd: dir })
    expect(validate.code, validate.stderr).toBe(0)
    expect(validate.json!.stages.map((s) => s.title)).toEqual(['Agent 1'])

    const first = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(first.code, first.stderr).toBe(0)
    expect(first.json).toMatchObject({ ok: true, dryRun: false, interrupted: false })
    expect(first.json!.stages).toEqual([
      {
        uuid: expect.any(String),
        title: 'Agent 1',
        processed: 6,
        moved: { complete: 5, 'needs review': 1 },
        stayed: 0,
        failed: 0,
        saved: 0,
        priorities: 0,
        storageUpdated: 0,
        interrupted: false,
        errors: [],
      },
    ])

    const second = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(second.code).toBe(0)
    expect(second.json!.stages[0].processed).toBe(0)

    const stages = await runBin<ListStagesResult>(['list-stages', '--json'], { cwd: dir })
    expect(stages.code, stages.stderr).toBe(0)
    expect(counts(stages.json!)).toEqual({ 'Agent 1': 0, Review: 1, Complete: 5 })
    expect(stages.json![0]).toEqual({
      uuid: '05a00000-0000-4000-8000-000000000001',
      title: 'Agent 1',
      type: 'AGENT',
      taskCount: 0,
      pathways: [
        { uuid: '0aa00000-0000-4000-8000-000000000001', name: 'complete', destination: 'Complete' },
        { uuid: '0aa00000-0000-4000-8000-000000000002', name: 'needs review', destination: 'Review' },
      ],
    })
  })

  it('human output: progress on stderr, the summary table on stdout, numbered next steps from init', async () => {
    const dir = join(tmp, 'human')
    const init = await runBin(['init', dir, '--no-install'])
    expect(init.code).toBe(0)
    expect(init.stdout).toContain('Next steps:')
    expect(init.stdout).toMatch(/1\. cd .*human/)
    expect(init.stdout).toMatch(/2\. npm install /)
    expect(init.stdout).toMatch(/3\. npm run agent:run /)
    expect(init.stdout).toMatch(/4\. npm test /)
    const run = await runBin(['run'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/│ Agent 1 +│ 6 +│ complete: 5/)
    expect(run.stdout).toContain('6 tasks processed: 6 moved, 0 stayed, 0 failed')
    // A run under a second says how many milliseconds, never "0.0s".
    expect(run.stdout).toMatch(/0 failed in (\d{1,3} ms|\d+(\.\d)?s)\./)
    expect(run.stdout).not.toContain('0.0s')
    expect(run.stderr).toContain('Agent 1')
    expect(run.stderr).toMatch(/moved complete 5, needs review 1/)
    expect(run.stdout).not.toContain('tasks/s')
  })

  it('multi-stage: tasks triage sends on are finished by the second agent in the same run', async () => {
    const dir = join(tmp, 'multi')
    expect((await runBin(['init', dir, '--template', 'multi-stage', '--no-install'])).code).toBe(0)
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages.map((s) => [s.title, s.processed, s.moved])).toEqual([
      ['Triage', 6, { auto: 5, manual: 1 }],
      ['Finish', 5, { done: 5 }],
    ])
    const stages = await runBin<ListStagesResult>(['list-stages', '--json'], { cwd: dir })
    expect(counts(stages.json!)).toEqual({ Triage: 0, Finish: 0, Review: 1, Complete: 5 })
  })

  it('label-writer: every task gets a Car box and the Weather saved in its label row, then goes to review', async () => {
    const dir = join(tmp, 'labels')
    expect((await runBin(['init', dir, '--template', 'label-writer', '--no-install'])).code).toBe(0)
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages.map((s) => [s.title, s.processed, s.moved])).toEqual([['Pre-label', 6, { 'to review': 6 }]])
    type Row = {
      dataHash: string
      labels: {
        data_units: Record<
          string,
          { labels: { objects: Array<Record<string, unknown>>; classifications: Array<Record<string, unknown>> } }
        >
        classification_answers: Record<string, { classifications: Array<{ answers: Array<{ name: string }> }> }>
      }
    }
    const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as {
      projects: Array<{ labelRows: Row[] }>
    }
    const rows = fixture.projects[0].labelRows
    expect(rows).toHaveLength(6)
    for (const row of rows) {
      const labels = row.labels.data_units[row.dataHash].labels
      expect(labels.objects).toEqual([
        expect.objectContaining({
          name: 'Car',
          shape: 'bounding_box',
          featureHash: 'carBox01',
          boundingBox: { x: 0.25, y: 0.4, w: 0.3, h: 0.2 },
          confidence: 0.8,
        }),
      ])
      expect(labels.classifications).toEqual([expect.objectContaining({ name: 'Weather', featureHash: 'weathr01' })])
      const answers = Object.values(row.labels.classification_answers).flatMap((c) =>
        c.classifications[0].answers.map((a) => a.name),
      )
      expect(answers).toEqual([expect.stringMatching(/^(Sunny|Rainy)$/)])
    }
  })

  it('vision: the detector finds the car in every image (decoded from the served PNG) and writes it as a box with its confidence', async () => {
    const dir = join(tmp, 'vision')
    expect((await runBin(['init', dir, '--template', 'vision', '--no-install'])).code).toBe(0)
    const run = await runBin<RunResult>(['run', '--json'], { cwd: dir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.json!.stages.map((s) => [s.title, s.processed, s.moved])).toEqual([
      ['Detect cars', 6, { 'to review': 6 }],
    ])
    type Row = {
      dataHash: string
      labels: {
        data_units: Record<
          string,
          {
            labels: {
              objects: Array<{ boundingBox: { x: number; w: number }; confidence: number; manualAnnotation: boolean }>
            }
          }
        >
      }
    }
    const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as {
      projects: Array<{ labelRows: Row[] }>
    }
    const rows = fixture.projects[0].labelRows
    expect(rows).toHaveLength(6)
    for (const row of rows) {
      const [car, ...more] = row.labels.data_units[row.dataHash].labels.objects
      expect(more).toEqual([])
      // The demo images' dark block is their middle third.
      expect(car.boundingBox.x).toBeCloseTo(1 / 3, 1)
      expect(car.boundingBox.w).toBeCloseTo(1 / 3, 1)
      expect(car.confidence).toBeGreaterThan(0.5)
      expect(car.manualAnnotation).toBe(false)
    }
  })

  it('never overwrites: a second init reports every file as already there and changes nothing', async () => {
    const dir = join(tmp, 'again')
    expect((await runBin(['init', dir, '--no-install'])).code).toBe(0)
    writeFileSync(join(dir, 'agent.ts'), '// mine\n')
    const before = readFileSync(join(dir, 'fixture.json'), 'utf8')
    const again = await runBin<InitResult>(['init', dir, '--json', '--no-install'])
    expect(again.code).toBe(0)
    expect(again.json!.files.every((f) => f.status === 'alreadyExisted')).toBe(true)
    expect(readFileSync(join(dir, 'agent.ts'), 'utf8')).toBe('// mine\n')
    expect(readFileSync(join(dir, 'fixture.json'), 'utf8')).toBe(before)
  })

  it('appends the key lines to an existing .gitignore instead of replacing it', async () => {
    const dir = join(tmp, 'gitignore')
    mkdirSync(dir)
    writeFileSync(join(dir, '.gitignore'), 'node_modules/')
    const init = await runBin<InitResult>(['init', dir, '--json', '--no-install'])
    expect(init.json!.files.find((f) => f.path === '.gitignore')?.status).toBe('updated')
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe(
      'node_modules/\n# encord-agents: installed packages, and the local key (a secret)\n.encord-agents/\n*.local-key\n',
    )
  })

  it('writes only inside DIR: unknown templates are refused, symlinks leading out are not followed', async () => {
    const bad = await runBin(['init', join(tmp, 'bad'), '--template', '../../etc', '--no-install'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      'Expected --template=../../etc to be one of: minimal, label-writer, multi-stage, vision',
    )
    expect(existsSync(join(tmp, 'bad'))).toBe(false)

    const outside = join(tmp, 'outside')
    mkdirSync(outside)
    const dir = join(tmp, 'with-link')
    mkdirSync(dir)
    symlinkSync(outside, join(dir, 'agents'))
    const escaped = await runBin(['init', dir, '--template', 'multi-stage', '--no-install'])
    expect(escaped.code).toBe(2)
    expect(escaped.stderr).toContain('Refusing to write agents/finish.ts: agents leads outside')
    expect(readdirSync(outside)).toEqual([])
  })

  it('a TypeScript project: package.json (ESM, this copy of encord-agents, the tools, the scripts), a strict tsconfig.json, the ignore lines', async () => {
    const dir = join(tmp, 'Typed Agent')
    const init = await runBin<InitResult>(['init', dir, '--json', '--no-install'])
    expect(init.code, init.stderr).toBe(0)
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
    // Run from the clone: the dependency is the clone itself.
    expect(init.json!.dependency).toBe(`file:${realpathSync(ROOT)}`)
    expect(pkg).toEqual({
      name: 'typed-agent',
      version: '0.0.0',
      private: true,
      type: 'module',
      scripts: {
        'agent:run': 'encord-agents run',
        'agent:validate': 'encord-agents validate',
        test: 'vitest run',
        typecheck: 'tsc --noEmit',
      },
      dependencies: { 'encord-agents': `file:${realpathSync(ROOT)}` },
      devDependencies: {
        '@types/node': own.devDependencies['@types/node'],
        typescript: own.devDependencies.typescript,
        vitest: own.devDependencies.vitest,
      },
    })
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: Record<string, unknown>
    }
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, module: 'NodeNext', noEmit: true })
    expect(readFileSync(join(dir, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['node_modules/', '.encord-agents/', '*.local-key']),
    )
    expect(readFileSync(join(dir, 'encord-agents.config.ts'), 'utf8')).toMatch(
      /^\/\/ Made by `encord-agents init --template minimal`/,
    )
    // The template's own manifest is not copied.
    expect(existsSync(join(dir, 'template.json'))).toBe(false)
  })

  it('init . into a project of another template refuses and writes nothing; the same template restores a missing file', async () => {
    const dir = join(tmp, 'mixed')
    expect((await runBin(['init', dir, '--no-install'])).code).toBe(0)
    const before = readdirSync(dir).sort()
    const mixed = await runBin(['init', '.', '--template', 'multi-stage', '--no-install'], { cwd: dir })
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toContain(
      'already holds an agent project made from the minimal template; writing the multi-stage template into it would mix the two. Nothing was written.',
    )
    expect(mixed.stderr).toContain('init . --template minimal')
    expect(readdirSync(dir).sort()).toEqual(before)
    const json = await runBin(['init', '.', '--template', 'label-writer', '--json', '--no-install'], { cwd: dir })
    expect(json.code).toBe(2)
    expect(json.json).toMatchObject({ error: { code: 'InitWouldMixProjects' } })

    // A config init did not write (no marker) is refused too.
    const own = join(tmp, 'own-config')
    mkdirSync(own)
    writeFileSync(join(own, 'encord-agents.config.ts'), 'export default { agents: [] }\n')
    const refused = await runBin(['init', own, '--no-install'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('already holds an agent project of its own (encord-agents.config.ts)')

    rmSync(join(dir, 'fixture.json'))
    const restored = await runBin<InitResult>(['init', '.', '--json', '--no-install'], { cwd: dir })
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.json!.files.filter((f) => f.status === 'created').map((f) => f.path)).toEqual(['fixture.json'])
  })

  it('an existing package.json gets the missing scripts and dependencies, keeps its own values, and is told to be ESM', async () => {
    const dir = join(tmp, 'existing-package')
    mkdirSync(dir)
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'mine', scripts: { test: 'node --test' }, dependencies: { zod: '^4.0.0' } }, null, 4) +
        '\n',
    )
    const init = await runBin<InitResult>(['init', dir, '--json', '--no-install'])
    expect(init.code, init.stderr).toBe(0)
    expect(init.json!.files.find((f) => f.path === 'package.json')?.status).toBe('updated')
    expect(init.json!.warnings).toEqual([expect.stringContaining('package.json has no "type": "module"')])
    const text = readFileSync(join(dir, 'package.json'), 'utf8')
    expect(text).toMatch(/^\{\n {4}"name"/) // its indentation kept
    const pkg = JSON.parse(text) as {
      name: string
      scripts: Record<string, string>
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
    }
    expect(pkg.name).toBe('mine')
    expect(pkg.scripts).toEqual({
      test: 'node --test',
      'agent:run': 'encord-agents run',
      'agent:validate': 'encord-agents validate',
      typecheck: 'tsc --noEmit',
    })
    expect(Object.keys(pkg.dependencies)).toEqual(['zod', 'encord-agents'])
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@types/node', 'typescript', 'vitest'])
  })

  it('installs with the package manager init was run with; a failed install is a warning: the project is written, the next steps say to install', async () => {
    const dir = join(tmp, 'with-pnpm')
    const path = join(tmp, 'no-pnpm-bin')
    mkdirSync(path)
    // Run by pnpm (its user agent), on a machine where pnpm is not on PATH.
    const init = await runBin<InitResult>(['init', dir, '--json'], {
      env: { npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v20.19.0 linux x64', PATH: path },
    })
    expect(init.code, init.stderr).toBe(0)
    expect(init.json!.install).toMatchObject({
      packageManager: 'pnpm',
      command: 'pnpm install',
      status: 'failed',
      error: 'pnpm was not found on PATH',
    })
    expect(init.json!.warnings).toEqual([
      expect.stringContaining('Installing the dependencies failed (pnpm was not found on PATH)'),
    ])
    expect(init.json!.nextSteps).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pnpm install /),
        expect.stringMatching(/^pnpm agent:run /),
        expect.stringMatching(/^pnpm test /),
      ]),
    )
    expect(existsSync(join(dir, 'package.json'))).toBe(true)
    const human = await runBin(['init', join(tmp, 'with-pnpm-human')], {
      env: { npm_config_user_agent: 'pnpm/9.12.0', PATH: path },
    })
    expect(human.code).toBe(0)
    expect(human.stderr).toContain('Installing the dependencies (pnpm install)')
    expect(human.stdout).toMatch(/! Installing the dependencies with pnpm failed after/)
  })
})
