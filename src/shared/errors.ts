// Type-only (erased at run time): the catalogue builds these classes, and these constructors take its codes.
import type { ErrorCode } from './error-catalogue/index.js'
import { kernelErrors } from './error-catalogue/kernel.js'
import { ExitCode } from './exit-codes.js'

/**
 * Every user-facing error has a permanent PascalCase `code`, a message that says what happened and why,
 * and a hint that says what to do. Deep code throws these; only the CLI's BaseCommand prints them and
 * picks the exit code.
 */
export interface ErrorDetails {
  /** What to do about it. */
  hint?: string
  /** Where it happened, e.g. `encord-agents.config.ts:14:5`. */
  location?: string
  cause?: unknown
  /** Extra structured data for `--json` output (never secrets). */
  data?: Record<string, unknown>
}

export class EncordAgentsError extends Error {
  readonly code: string
  readonly exitCode: ExitCode
  readonly hint?: string
  readonly location?: string
  readonly data?: Record<string, unknown>

  constructor(code: string, message: string, exitCode: ExitCode, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = code
    this.code = code
    this.exitCode = exitCode
    this.hint = details.hint
    this.location = details.location
    this.data = details.data
  }

  toJSON(): { code: string; message: string; hint?: string; location?: string; data?: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint, location: this.location, data: this.data }
  }
}

/** A mistake the user can fix: configuration, usage, validation, bad input. Exit code 2. */
export class UserError extends EncordAgentsError {
  /** @param code a code of the error catalogue (src/shared/error-catalogue): throw sites use `fail()` */
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, ExitCode.Config, details)
  }
}

/** Authentication, authorisation or connection failure (after retries). Exit code 3. */
export class ConnectionError extends EncordAgentsError {
  /** @param code a code of the error catalogue (src/shared/error-catalogue): throw sites use `fail()` */
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, ExitCode.Connection, details)
  }
}

/** Something that should never happen: a bug in encord-agents. Exit code 10. */
export class BugError extends EncordAgentsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('Bug', message, ExitCode.Bug, { hint: kernelErrors.Bug.hint, ...details })
  }
}

/** The run was interrupted (SIGINT/SIGTERM). Exit code 130. */
export class InterruptedError extends EncordAgentsError {
  constructor(message = kernelErrors.Interrupted.messages.default.message(), details: ErrorDetails = {}) {
    super('Interrupted', message, ExitCode.Interrupted, details)
  }
}

/** Wrap any throwable as an EncordAgentsError (unknown ones become bugs). */
export function toEncordAgentsError(error: unknown): EncordAgentsError {
  if (error instanceof EncordAgentsError) return error
  if (error instanceof Error) return new BugError(error.message, { cause: error })
  return new BugError(String(error))
}
