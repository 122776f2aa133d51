import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configText, makeProject } from '../commands/project.js'
import { assertBuilt, ROOT, runBin } from './run-bin.js'

const dirs: string[] = []
beforeAll(() => assertBuilt())
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Every command the built CLI has (dist/commands/**.js → "emulator start"), so new ones are covered too. */
function builtCommands(dir = join(ROOT, 'dist', 'commands'), prefix: string[] = []): string[] {
  if (!existsSync(dir)) return [] // beforeAll's assertBuilt says what to do
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return builtCommands(join(dir, entry.name), [...prefix, entry.name])
    return entry.name.endsWith('.js') ? [[...prefix, entry.name.slice(0, -3)].join(' ')] : []
  })
}

describe('--help (built binary)', () => {
  it('the issue 3 commands are all there', () => {
    expect(builtCommands()).toEqual(
      expect.arrayContaining(['run', 'validate', 'init', 'list-stages', 'emulator start']),
    )
  })

  it.each(builtCommands())('%s has a description, examples, and the --json flag', async (command) => {
    const r = await runBin([...command.split(' '), '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('DESCRIPTION')
    expect(r.stdout).toContain('EXAMPLES')
    expect(r.stdout).toContain(`$ encord-agents ${command}`)
    expect(r.stdout).toContain('--json')
  })

  it('run --help lists the run options and the exit codes', async () => {
    const r = await runBin(['run', '--help'])
    for (const flag of [
      '--task-batch-size',
      '--max-tasks-per-stage',
      '--num-retries',
      '--refresh-every',
      '--concurrency',
      '--dry-run',
      '--task-timeout',
      '--data-title',
      '--data-hash',
      '--assignee',
      '--status',
      '--project-hash',
      '--local',
      '--ssh-key-file',
      '--domain',
      '--config',
      '--verbose',
    ]) {
      expect(r.stdout).toContain(flag)
    }
    expect(r.stdout).toContain('ENCORD_PROJECT_HASH')
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('130 interrupted')
  })

  it("enqueue --help: --refresh-every states one default, enqueue's own; run --help states the bounds of durations", async () => {
    const flagText = (help: string, flag: string) => {
      const from = help.indexOf(`${flag}=`)
      const rest = help.slice(from + flag.length)
      const next = rest.search(/\n\s+(-\w, )?--/)
      return rest.slice(0, next < 0 ? undefined : next).replace(/\s+/g, ' ')
    }
    const enqueue = await runBin(['enqueue', '--help'])
    const every = flagText(enqueue.stdout, '--refresh-every')
    expect(every.match(/default/g), every).toHaveLength(1)
    expect(every).toContain('else 60')
    expect(enqueue.stdout).not.toContain('run once')
    const run = await runBin(['run', '--help'])
    expect(flagText(run.stdout, '--task-timeout')).toContain('at most 2147483647')
    expect(flagText(run.stdout, '--refresh-every')).toContain('at most 2147483')
  })

  it('the root help lists the commands', async () => {
    const r = await runBin(['--help'])
    expect(r.code).toBe(0)
    for (const command of ['run', 'validate', 'list-stages', 'init'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
  })
})

describe('errors through the built binary', () => {
  it('a config error: exit 2, one JSON object on stdout under --json, a readable message otherwise', async () => {
    const dir = makeProject({
      'encord-agents.config.ts': configText(`    { stage: 'Agent 1', handler: './agent.ts', retries: 2 },`),
    })
    dirs.push(dir)
    const json = await runBin<{ error: { code: string; message: string; hint: string } }>(['validate', '--json'], {
      cwd: dir,
    })
    expect(json.code).toBe(2)
    expect(json.json!.error.code).toBe('ConfigInvalid')
    expect(json.json!.error.message).toContain('agents[0].retries  Unknown option "retries".')
    const human = await runBin(['validate'], { cwd: dir })
    expect(human.code).toBe(2)
    expect(human.stdout).toBe('')
    expect(human.stderr).toContain('✖ encord-agents.config.ts is not a valid encord-agents config (1 problem):')
    expect(human.stderr).toContain('Try: ')
  })

  it('an unknown command: exit 2 with the closest command, in our error format and under --json', async () => {
    const r = await runBin(['rnu'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('✖ "rnu" is not an encord-agents command.')
    expect(r.stderr).toContain('Try: Did you mean "encord-agents run"?')
    const topic = await runBin(['emulator', 'strat'])
    expect(topic.code).toBe(2)
    expect(topic.stderr).toContain('Did you mean "encord-agents emulator start"?')
    const json = await runBin<{ error: { code: string; data?: { suggestion: string } } }>(['list-stage', '--json'])
    expect(json.code).toBe(2)
    expect(json.json?.error.code).toBe('UnknownCommand')
    expect(json.json?.error.data?.suggestion).toBe('list-stages')
    const far = await runBin(['xyzzy'])
    expect(far.stderr).not.toContain('Did you mean')
  })

  it('an unknown flag: exit 2 with the closest flag of that command', async () => {
    const r = await runBin(['run', '--concurrenc', '3'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Nonexistent flag: --concurrenc')
    expect(r.stderr).toContain('Did you mean --concurrency?')
    const json = await runBin<{ error: { data?: { suggestion: string } } }>(['validate', '--confg', 'x', '--json'])
    expect(json.code).toBe(2)
    expect(json.json?.error.data?.suggestion).toBe('--config')
  })

  it('--config that is not a file says what it is', async () => {
    const device = await runBin(['validate', '--config', '/dev/null'])
    expect(device.code).toBe(2)
    expect(device.stderr).toContain('Config file /dev/null is a device, not a config file.')
    const dir = await runBin(['validate', '--config', 'src'], { cwd: ROOT })
    expect(dir.stderr).toContain('Config file src is a directory, not a config file.')
  })

  it.each(['run', 'validate', 'worker', 'enqueue'])(
    '%s --help lists exit code 10 as the README does',
    async (command) => {
      const r = await runBin([command, '--help'])
      expect(r.stdout.replace(/\s+/g, ' ')).toContain('10 a bug in encord-agents')
    },
  )
})
