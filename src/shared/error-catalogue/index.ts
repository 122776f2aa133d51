import { BugError, ConnectionError, InterruptedError, UserError, type ErrorDetails } from '../errors.js'
import { cliErrors } from './cli.js'
import { coreErrors } from './core.js'
import type { ErrorSpec, MessageSpec } from './define.js'
import { emulatorErrors } from './emulator.js'
import { encordErrors } from './encord.js'
import { kernelErrors } from './kernel.js'
import { labelsErrors } from './labels.js'
import { runnerErrors } from './runner.js'
import { testingErrors } from './testing.js'
import { validationErrors } from './validation.js'
import { visionErrors } from './vision.js'

/**
 * The error catalogue: every code encord-agents throws, with its exit class, message templates and
 * hints (like Astro's errors-data.ts). Codes and texts are public API (`--json` prints `code`, tests and
 * users match messages), so an entry changes only on purpose. Throw sites never write a message: they
 * name an entry and pass its facts, `throw fail('KeyFileNotFound', { path, source })`, and the compiler
 * rejects an unknown code, an unknown situation or a missing fact.
 *
 * The entries live in one file per layer that raises them (encord.ts, labels.ts, ...), all in this
 * kernel so that every layer can throw them; a code raised by two layers sits with the lower one.
 */
export const errorCatalogue = {
  ...kernelErrors,
  ...encordErrors,
  ...labelsErrors,
  ...visionErrors,
  ...emulatorErrors,
  ...coreErrors,
  ...validationErrors,
  ...runnerErrors,
  ...cliErrors,
  ...testingErrors,
}

type Catalogue = typeof errorCatalogue
/** Every error code. */
export type ErrorCode = keyof Catalogue
type Messages<C extends ErrorCode> = Catalogue[C]['messages']

/** An entry's message: `Code` for its only (`default`) message, `Code.situation` for one of several. */
export type ErrorRef = {
  [C in ErrorCode]: {
    [V in keyof Messages<C> & string]: V extends 'default' ? C : `${C}.${V}`
  }[keyof Messages<C> & string]
}[ErrorCode]

type SpecOf<R extends string> = R extends `${infer C extends ErrorCode}.${infer V}`
  ? Messages<C>[V & keyof Messages<C>]
  : R extends ErrorCode
    ? Messages<R>['default' & keyof Messages<R>]
    : never
/** The code of a reference: `CodeOf<'TaskTimeout.signalled'>` is `'TaskTimeout'`. */
export type CodeOf<R extends string> = R extends `${infer C extends ErrorCode}.${string}` ? C : R & ErrorCode
type Template<R extends string> = SpecOf<R> extends { message: infer T } ? T : never
/** The facts a message needs. */
export type ErrorParams<R extends ErrorRef> =
  Template<R> extends () => string ? Record<string, never> : Template<R> extends (p: infer P) => string ? P : never
type ClassOf<R extends string> = (
  R extends `${infer C extends ErrorCode}.${string}`
    ? Catalogue[C]['exit']
    : R extends ErrorCode
      ? Catalogue[R]['exit']
      : never
) extends infer E
  ? E extends 'user'
    ? UserError
    : E extends 'connection'
      ? ConnectionError
      : E extends 'bug'
        ? BugError
        : InterruptedError
  : never
/** What a throw site adds besides the facts (the hint comes from the catalogue). */
export type FailDetails = Omit<ErrorDetails, 'hint'>

function lookup(ref: string): { code: ErrorCode; spec: MessageSpec; entry: ErrorSpec } {
  const dot = ref.indexOf('.')
  const code = (dot === -1 ? ref : ref.slice(0, dot)) as ErrorCode
  const entry: ErrorSpec = errorCatalogue[code]
  return { code, spec: entry.messages[dot === -1 ? 'default' : ref.slice(dot + 1)], entry }
}

/** The message and hint of a catalogue entry, for errors that are not EncordAgentsErrors (task errors). */
export function describe<R extends ErrorRef>(
  ref: R,
  ...[params]: Template<R> extends () => string ? [params?: ErrorParams<R>] : [params: ErrorParams<R>]
): { code: CodeOf<R>; message: string; hint?: string } {
  const found = lookup(ref)
  const { spec, entry } = found
  const code = found.code as CodeOf<R>
  const hint = (typeof spec.hint === 'function' ? spec.hint(params) : spec.hint) ?? entry.hint
  return hint === undefined ? { code, message: spec.message(params) } : { code, message: spec.message(params), hint }
}

/**
 * The error of catalogue entry `ref` with these facts: `throw fail('ProjectHashMissing.runner', {})`.
 * Its class (and so its exit code) is the entry's.
 */
export function fail<R extends ErrorRef>(
  ref: R,
  ...[params, details]: Template<R> extends () => string
    ? [params?: ErrorParams<R>, details?: FailDetails]
    : [params: ErrorParams<R>, details?: FailDetails]
): ClassOf<R> {
  const { exit } = lookup(ref).entry
  const { code, message, hint } = describe(ref, params as never)
  const full: ErrorDetails = { ...details, ...(hint === undefined ? {} : { hint }) }
  switch (exit) {
    case 'user':
      return new UserError(code, message, full) as ClassOf<R>
    case 'connection':
      return new ConnectionError(code, message, full) as ClassOf<R>
    case 'bug':
      return new BugError(message, full) as ClassOf<R>
    default:
      return new InterruptedError(message, full) as ClassOf<R>
  }
}
