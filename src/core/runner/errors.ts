import { describe } from '../../shared/error-catalogue/index.js'
import { EncordAgentsError } from '../../shared/errors.js'
import { DependencyError } from '../deps/resolver.js'
import { userLocation, userStack } from '../stack-frames.js'

/**
 * Throw this from a handler (or a dependency) to fail the task at once, without retries: for inputs
 * that will not get better by trying again (a corrupt image, a missing field). The task stays in its
 * stage (or takes the agent's `onFailure` pathway) and is reported with this message. The queue
 * worker fails the job at once too.
 *
 * @example
 * ```ts
 * if (!deps.item.mimeType?.startsWith('image/')) throw new NonRetryableError('Not an image')
 * ```
 */
export class NonRetryableError extends Error {
  /** A permanent code for reports. @default 'HandlerFailed' */
  readonly code: string
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'NonRetryableError'
    this.code = options.code ?? 'HandlerFailed'
  }
}

/** A handler returned something the runner cannot apply (bad type, unknown pathway). Not retried. */
export class HandlerResultError extends Error {
  readonly code: 'InvalidHandlerResult' | 'UnknownPathway'
  /** @param error the catalogue's text, e.g. `describe('InvalidHandlerResult.emptyObject')` */
  constructor(error: { code: 'InvalidHandlerResult' | 'UnknownPathway'; message: string }) {
    super(error.message)
    this.code = error.code
    this.name = error.code
  }
}

/** A task attempt took longer than `taskTimeout`. */
export class TaskTimeoutError extends Error {
  readonly code = 'TaskTimeout'
  /**
   * @param tookMs when the handler did return, but after its timeout (a synchronous loop the timer
   *   could not interrupt): how long it took. Its result is discarded.
   */
  constructor(
    readonly timeoutMs: number,
    readonly tookMs?: number,
  ) {
    super(
      tookMs === undefined
        ? describe('TaskTimeout.signalled', { timeoutMs }).message
        : describe('TaskTimeout.returnedLate', { timeoutMs, tookMs }).message,
    )
    this.name = 'TaskTimeout'
  }
}

/** True when retrying the task can help. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError || error instanceof HandlerResultError) return false
  if (error instanceof DependencyError) return error.retryable && isRetryable(error.cause)
  // A mistake the user must fix (a missing ffmpeg, a bad option) does not go away on retry.
  if (error instanceof EncordAgentsError && error.exitCode === 2) return false
  return true
}

/** A task's error as reported in the stage result (`errors[]` of `run --json`) and in `taskFailed` events. */
export interface TaskErrorReport {
  /** A permanent code (`HandlerFailed`, `TaskTimeout`, a NonRetryableError's code, ...). */
  code: string
  message: string
  /**
   * Where in the user's code it was thrown: the first stack frame in a user module, as
   * `agent.ts:12:9` (the TypeScript source, source-mapped; relative to the working directory).
   * Absent when no frame of the stack is user code (a timeout, an invalid return value).
   */
  at?: string
  /**
   * The stack from the user's point of view (`--verbose` prints it): user frames as they are, each run
   * of frames inside encord-agents or Node as one line. Absent when `at` is.
   */
  stack?: string[]
}

/** A task's error as reported in the stage result: a permanent code, one clear message, and where the user's code threw. */
export function describeTaskError(error: unknown): TaskErrorReport {
  const { code, message } = codeAndMessage(error)
  // A dependency's failure is reported through its cause: the user's resolve() that threw.
  const thrown = error instanceof DependencyError ? error.cause : error
  const stack = thrown instanceof Error ? thrown.stack : undefined
  const at = userLocation(stack)
  return at === undefined ? { code, message } : { code, message, at, stack: userStack(stack) }
}

function codeAndMessage(error: unknown): { code: string; message: string } {
  if (error instanceof DependencyError) {
    const inner = error.cause
    const code =
      inner instanceof EncordAgentsError || inner instanceof NonRetryableError ? inner.code : 'DependencyFailed'
    return { code, message: withHint(error.message, inner) }
  }
  if (error instanceof NonRetryableError || error instanceof HandlerResultError || error instanceof TaskTimeoutError) {
    return { code: error.code, message: error.message }
  }
  if (error instanceof EncordAgentsError) return { code: error.code, message: withHint(error.message, error) }
  if (error instanceof Error) return { code: 'HandlerFailed', message: error.message || error.name }
  return describe('HandlerFailed.nonErrorValue', { value: safeString(error) })
}

/** A user error's hint says what to do: keep it with the task's message. */
function withHint(message: string, error: unknown): string {
  if (error instanceof EncordAgentsError && error.hint !== undefined && !message.includes(error.hint))
    return `${message} ${error.hint}`
  return message
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
