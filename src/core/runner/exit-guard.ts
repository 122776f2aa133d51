import { describe } from '../../shared/error-catalogue/index.js'
import { NonRetryableError } from './errors.js'

/**
 * `process.exit` from a handler, while the CLI runs handlers (issue 14). A script habit such as
 * `process.exit(0)` at the end of a handler used to end the whole run with exit 0, an empty `--json`,
 * no summary and nothing moved: the worst kind of failure, one that looks like success.
 *
 * While the guard is on, `process.exit` throws a {@link HandlerExitError} instead. Called in the
 * handler's own call chain (directly, or after an `await`), that rejects the handler, so the task fails
 * at once with this error (not retried: it would do the same again), the other tasks go on and the
 * run ends with exit 1. Called from a callback the handler left behind (a timer), the error has no
 * handler to reject: the run is stopped there with exit 1 and a message naming the handler, without
 * a stack trace; the decisions already recorded in the run journal are finished by the next run.
 *
 * The CLI's `run` and `worker` services turn the guard on; the library leaves `process.exit` alone
 * (an application that embeds the Runner owns its process).
 */

/** `process.exit` as it was before any guard: for the one exit that must really happen (a second Ctrl-C). */
export const exitProcess: (code?: number) => never = process.exit.bind(process)

/** A handler called `process.exit` while the guard was on. */
export class HandlerExitError extends NonRetryableError {
  constructor(
    readonly requestedCode: number | string | null | undefined,
    /** Which handler called it, as {@link ExitGuardOptions.describe} says. */
    readonly who: string,
  ) {
    super(describe('HandlerCalledExit.inHandler', { who, requestedCode }).message, { code: 'HandlerCalledExit' })
    this.name = 'HandlerCalledExit'
  }
}

export interface ExitGuardOptions {
  /** Which handler is running, for messages: e.g. `The handler of stage "Agent 1" (agent.ts:4:16)`. */
  describe: () => string
  /** Where the message of an exit from a detached callback goes. @default process.stderr */
  write?: (text: string) => void
}

let active: ExitGuardOptions | undefined

/**
 * Turn the guard on; returns the function that turns it off. Guards do not nest: the CLI runs one
 * run (or one worker) per process.
 */
export function guardProcessExit(options: ExitGuardOptions): () => void {
  if (active !== undefined) throw new Error('guardProcessExit: a guard is already on')
  active = options
  const original = process.exit
  process.exit = (code?: number | string | null) => {
    throw new HandlerExitError(code, options.describe())
  }
  const onUncaught = (error: Error): void => {
    if (!(error instanceof HandlerExitError)) {
      // Not ours: let Node handle it as it would have without this listener.
      release()
      process.nextTick(() => {
        throw error
      })
      return
    }
    const write = options.write ?? ((text: string) => process.stderr.write(text))
    const { message, hint } = describe('HandlerCalledExit.fromCallback', {
      who: error.who,
      requestedCode: error.requestedCode,
    })
    write(`✖ ${message.replaceAll('\n', '\n  ')}\n  Try: ${hint ?? ''}\n`)
    release()
    exitProcess(1)
  }
  process.on('uncaughtException', onUncaught)
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    process.off('uncaughtException', onUncaught)
    process.exit = original
    active = undefined
  }
  return release
}
