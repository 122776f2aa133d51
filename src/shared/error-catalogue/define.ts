/**
 * How an entry of the error catalogue is written. Each code has an exit class and one or more messages
 * (a code raised in several situations has one named message per situation; a code raised in one has
 * `default`). A message is a template over the facts the throw site knows, plus a hint that says what to
 * do (text, or a template over the same facts).
 */
export type ExitClass = 'user' | 'connection' | 'bug' | 'interrupted' | 'task'

export interface MessageSpec<P = any> {
  message: (p: P) => string
  hint?: string | ((p: P) => string | undefined)
}

export interface ErrorSpec {
  /**
   * `user` exits 2, `connection` 3, `bug` 10, `interrupted` 130 (src/shared/exit-codes.ts); `task` fails one
   * task (reported by its code; the run exits 1) and is never thrown with fail().
   */
  exit: ExitClass
  /** The hint of every message of this code that has none of its own. */
  hint?: string
  messages: Record<string, MessageSpec>
}

/** Declare catalogue entries: returns its argument, keeping every template's parameter types. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(entries: T): T {
  return entries
}
