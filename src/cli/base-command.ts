import { fail } from '../shared/error-catalogue/index.js'
import { Command, Errors } from '@oclif/core'
import type { Logger } from 'pino'
import { BugError, EncordAgentsError } from '../shared/errors.js'
import { ExitCode } from '../shared/exit-codes.js'
import { formatError, toErrorJson } from '../ui/error-output.js'
import { redact, redactJson } from '../ui/redact.js'
import { isDebugEnabled, pickProgressMode, progressSituation, type ProgressMode } from '../ui/renderer.js'
import { theme } from '../ui/theme.js'
import { closest } from '../shared/suggest.js'
import { commonFlags } from './flags.js'

/**
 * Base of every encord-agents command (STYLE C1/C2).
 *
 * - `--json`: whatever `run()` returns is printed to stdout as JSON and nothing else is (progress and
 *   logs go to stderr or nowhere); on failure stdout holds `{ error: { code, message, hint, ... } }`.
 * - `catch` is the only place that turns a failure into an exit code and prints it. Deep code throws
 *   `EncordAgentsError`s; oclif's parse errors become usage errors (2); anything else is a bug (10).
 * - Nothing printed from here contains key material: every line goes through `redact`.
 *
 * `T` is the command's result type, i.e. its `--json` contract.
 */
export abstract class BaseCommand<T> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = commonFlags

  /** Set by a command run with `--log-format json`: its messages and its failure become JSON log lines. */
  protected jsonLog: Logger | undefined

  /** Print the result of `run()` as JSON (the `--json` contract). */
  protected override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(redactJson(json), null, 2) + '\n')
  }

  /** Stack traces and debug output: `--verbose` or `DEBUG=encord-agents*`. */
  protected isVerbose(): boolean {
    const end = this.argv.indexOf('--')
    const args = end === -1 ? this.argv : this.argv.slice(0, end)
    return args.includes('--verbose') || isDebugEnabled()
  }

  /**
   * `--verbose` is `DEBUG=encord-agents*` (README): our debug namespaces (HTTP requests, the journal)
   * print to stderr, added to whatever DEBUG already enables.
   */
  override async init(): Promise<void> {
    await super.init()
    if (this.isVerbose() && !isDebugEnabled()) {
      const { default: createDebug } = await import('debug')
      createDebug.enable([process.env.DEBUG, 'encord-agents*'].filter(Boolean).join(','))
    }
  }

  /** How progress shows on stderr: nothing under --json, live on a terminal, plain lines otherwise (ui/renderer.ts). */
  protected progressMode(): ProgressMode {
    return pickProgressMode(progressSituation({ json: this.jsonEnabled(), debug: this.isVerbose() }))
  }

  /** Human output for the user (stderr, so stdout stays clean for results). Quiet under --json. */
  protected info(message: string): void {
    if (this.jsonLog !== undefined) this.jsonLog.info(message)
    else if (!this.jsonEnabled()) process.stderr.write(redact(message) + '\n')
  }

  /** A notice the user must see even under --json (e.g. "stopping" after Ctrl-C); stderr. */
  protected notice(message: string): void {
    if (this.jsonLog !== undefined) this.jsonLog.info(message)
    else process.stderr.write(redact(message) + '\n')
  }

  /** A warning on stderr (also under --json: stdout holds only the result). */
  protected warnUser(message: string): void {
    if (this.jsonLog !== undefined) return void this.jsonLog.warn(message)
    process.stderr.write(`${theme.warn('!')} ${redact(message)}\n`)
  }

  /**
   * End the command with a result and a non-zero exit code that is not an error of the command itself
   * (e.g. `run` finished but some tasks failed: exit 1 with the summary, or 130 when interrupted).
   * Under `--json` the result is still printed.
   */
  protected finishWith(result: T, exitCode: number): never {
    if (this.jsonEnabled()) this.logJson(result)
    // ExitError is oclif's way to end with a code without printing anything; `catch` lets it through.
    throw new Errors.ExitError(exitCode)
  }

  /** The one place that prints failures and picks the exit code. */
  override async catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err
    const error = toCommandError(err)
    if (this.jsonEnabled()) {
      this.logJson(toErrorJson(error))
    } else if (this.jsonLog !== undefined) {
      this.jsonLog.error(toErrorJson(error), error.message)
    } else {
      process.stderr.write(formatError(error, { theme, verbose: this.isVerbose() }) + '\n')
    }
    throw new Errors.ExitError(error.exitCode)
  }
}

/**
 * Classify any throwable: our own errors keep their code; oclif's argument/flag parse errors are usage
 * errors (exit 2); anything else is a bug (exit 10).
 */
export function toCommandError(err: unknown): EncordAgentsError {
  if (err instanceof EncordAgentsError) return err
  if (isOclifParseError(err)) {
    const lines = err.message.split('\n').filter((l) => !/^See more help with --help$/.test(l.trim()))
    const suggestion = flagSuggestion(err)
    return fail(
      'UsageError',
      { parserSaid: lines.join('\n').trim(), suggestion },
      { data: suggestion ? { suggestion } : undefined },
    )
  }
  if (err instanceof Error) return new BugError(err.message, { cause: err })
  return new BugError(String(err))
}

function isOclifParseError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false
  // CLIParseError subclasses carry `parse`; flag `parse` functions throwing land here too (exit 2).
  const e = err as Error & { parse?: unknown; oclif?: { exit?: number } }
  return e.parse !== undefined || (err instanceof Errors.CLIError && e.oclif?.exit === ExitCode.Config)
}

/** "did you mean --concurrency" for oclif's NonExistentFlagsError (it names the flags, we know the rest). */
function flagSuggestion(err: Error): string | undefined {
  const e = err as Error & { flags?: unknown; parse?: { input?: { flags?: Record<string, unknown> } } }
  const known = Object.keys(e.parse?.input?.flags ?? {})
  if (!Array.isArray(e.flags) || known.length === 0) return undefined
  const guesses = e.flags
    .map((flag) => String(flag).replace(/^-+/, '').split('=')[0])
    .map((name) => closest(name, known))
    .filter((guess): guess is string => guess !== undefined)
  return guesses.length > 0 ? guesses.map((guess) => `--${guess}`).join(', ') : undefined
}
