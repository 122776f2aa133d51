/**
 * Script mode: a `Runner` built in code, run from its own script with the `run` command's flags
 * (`node agent.ts --project-hash … --concurrency 8`), as Python's `runner.run()` reads its CLI.
 */
import { Flags, Parser } from '@oclif/core'
import { projectFlags, runOptionFlags, runOverridesFromFlags } from './flags.js'
import { toCommandError } from './base-command.js'
import type { Runner } from '../core/runner/runner.js'
import type { RunResult } from '../core/types.js'
import { ExitCode } from '../shared/exit-codes.js'
import { createClient } from '../encord/credentials.js'
import { formatRunSummary } from '../ui/summary.js'

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** The command line. @default process.argv.slice(2) */
  argv?: string[]
  /** Where the summary (or `--json` result) goes. @default process.stdout */
  stdout?: { write(text: string): unknown }
  /** Where errors go. @default process.stderr */
  stderr?: { write(text: string): unknown }
}

/** The flags of `encord-agents run` that make sense for a runner built in code (its stages are its own). */
const SCRIPT_FLAGS = {
  'project-hash': projectFlags['project-hash'],
  'ssh-key-file': projectFlags['ssh-key-file'],
  domain: projectFlags.domain,
  ...runOptionFlags,
  json: Flags.boolean({ summary: 'Print only the RunResult as JSON.', default: false }),
  help: Flags.boolean({ char: 'h', summary: 'Show the flags.', default: false }),
}

function usage(): string {
  const lines = ["Runs this script's agents (a Runner built in code) with the flags of `encord-agents run`:", '']
  for (const [name, flag] of Object.entries(SCRIPT_FLAGS)) {
    const f = flag as { summary?: string; helpValue?: string; type: string; allowNo?: boolean; char?: string }
    const value = f.type === 'option' ? ` ${f.helpValue ?? 'VALUE'}` : ''
    lines.push(
      `  ${f.char ? `-${f.char}, ` : ''}--${f.allowNo ? `[no-]` : ''}${name}${value}`.padEnd(34) + (f.summary ?? ''),
    )
  }
  lines.push(
    '',
    'Exit codes: 0 all done, 1 some tasks failed, 2 usage or validation error, 3 authentication or connection failure, 10 a bug in encord-agents, 130 interrupted.',
  )
  return `${lines.join('\n')}\n`
}

/**
 * Run a `Runner` as a command-line program: parse the same flags as `encord-agents run` (project
 * hash, key, domain, run options, task filters, `--json`, `--help`), run, print the summary (or the
 * RunResult as JSON) and set `process.exitCode` as the CLI does (0 done, 1 some tasks failed, 2
 * usage or validation error, 3 authentication or connection failure, 130 interrupted). Ctrl-C stops
 * the run as in the CLI: running handlers finish and their decisions are applied.
 *
 * @example
 * ```ts
 * // agent.ts — run with: node agent.ts --project-hash <hash> --concurrency 8
 * const runner = new Runner().stage('Agent 1', defineAgent({ handler: () => 'complete' }))
 * await runScript(runner)
 * ```
 */
export async function runScript(runner: Runner, options: RunScriptOptions = {}): Promise<RunResult | undefined> {
  const stdout = options.stdout ?? process.stdout
  const stderr = options.stderr ?? process.stderr
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  try {
    const { flags } = await Parser.parse(options.argv ?? process.argv.slice(2), { flags: SCRIPT_FLAGS, strict: true })
    if (flags.help) {
      stdout.write(usage())
      process.exitCode = ExitCode.Ok
      return undefined
    }
    // The same layer `run` puts over the config: run options and task filters, from the one declaration of them.
    const layer = runOverridesFromFlags(flags)
    // A key or domain on the command line makes the client; else the Runner's own (or the environment's).
    const client =
      flags['ssh-key-file'] !== undefined || flags.domain !== undefined
        ? createClient({ sshKeyFile: flags['ssh-key-file'], domain: flags.domain })
        : undefined
    const result = await runner.run({
      ...layer,
      ...(flags['project-hash'] !== undefined ? { projectHash: flags['project-hash'] } : {}),
      ...(client !== undefined ? { client } : {}),
      signal: controller.signal,
    })
    stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${formatRunSummary(result)}\n`)
    process.exitCode = result.interrupted ? ExitCode.Interrupted : result.ok ? ExitCode.Ok : ExitCode.TasksFailed
    return result
  } catch (err) {
    const e = toCommandError(err)
    stderr.write(`${e.message}${e.hint ? `\n${e.hint}` : ''}\n`)
    process.exitCode = e.exitCode
    return undefined
  } finally {
    process.removeListener('SIGINT', onSigint)
  }
}
