import { Errors, type Command } from '@oclif/core'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { recordOutput, recordSecretsOfInvocation } from '../helpers/output-scan.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface CommandResult<T> {
  /** The exit code the process would end with (0 when the command returned). */
  exitCode: number
  stdout: string
  stderr: string
  /** What run() returned (undefined when it failed). */
  result: T | undefined
  /** stdout parsed as JSON, when it is JSON. */
  json: unknown
}

type CommandClass = { run(argv?: string[], opts?: string): Promise<unknown> } & typeof Command

/**
 * Run an oclif command class in this process (oclif/test's `runCommand` idea, without the package):
 * stdout and stderr are captured, environment changes are undone, and the exit code is read from the
 * ExitError that BaseCommand.catch throws. `cwd` is entered for the duration (vitest runs files in forks).
 */
export async function runCommand<T>(
  Cmd: CommandClass,
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CommandResult<T>> {
  const out: string[] = []
  const err: string[] = []
  const origOut = process.stdout.write.bind(process.stdout)
  const origErr = process.stderr.write.bind(process.stderr)
  const savedEnv = { ...process.env }
  const savedCwd = process.cwd()
  for (const k of Object.keys(process.env)) if (k.startsWith('ENCORD_') || k === 'DEBUG') delete process.env[k]
  // As installed: NODE_ENV=test (vitest's) makes oclif look for TypeScript sources of its commands.
  process.env.NODE_ENV = 'production'
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  process.stdout.write = (chunk: string | Uint8Array) => (out.push(String(chunk)), true)
  process.stderr.write = (chunk: string | Uint8Array) => (err.push(String(chunk)), true)
  if (options.cwd) process.chdir(options.cwd)
  let exitCode = 0
  let result: T | undefined
  try {
    result = (await Cmd.run(argv, ROOT)) as T
  } catch (error) {
    if (error instanceof Errors.ExitError) exitCode = error.oclif.exit ?? 1
    else throw error
  } finally {
    process.stdout.write = origOut
    process.stderr.write = origErr
    process.chdir(savedCwd)
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k]
    Object.assign(process.env, savedEnv)
  }
  const stdout = out.join('')
  // For the suite-wide key-material scan (test/helpers/output-scan.ts).
  recordSecretsOfInvocation(argv, options.env, options.cwd ?? ROOT)
  recordOutput(`${Cmd.name} ${argv.join(' ')} (in-process)`, stdout, err.join(''))
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch {
    json = undefined
  }
  return { exitCode, stdout, stderr: err.join(''), result, json }
}
