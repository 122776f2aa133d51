/**
 * Where each label row handed to a handler came from (project and label hash), so a label row the
 * handler returns is saved to the right project, once. Kept on the row itself under a symbol of this
 * module (not enumerable, so never copied or serialised): not a WeakMap, because every scavenge walks
 * a WeakMap's entries whose keys are young, and the runner hands out one row per task (issue 21).
 */
const ORIGIN = Symbol('encord-agents.labelRowOrigin')

interface Origin {
  projectHash: string
  labelHash: string
}

/** What {@link ORIGIN} holds: where the row came from, or `uncreated` (see registerUncreatedLabelRow). */
type Marked = { [ORIGIN]?: Origin | 'uncreated' }

function mark(row: object, value: Origin | 'uncreated'): void {
  Object.defineProperty(row, ORIGIN, { value, configurable: true })
}

export function registerLabelRowOrigin(row: object, projectHash: string, labelHash: string): void {
  mark(row, { projectHash, labelHash })
}

export function labelRowOrigin(row: object): Origin | undefined {
  const origin = (row as Marked)[ORIGIN]
  return origin === 'uncreated' ? undefined : origin
}

/**
 * Rows the label row dependency handed out in a dry run for data units that have no label row yet: a
 * dry run creates nothing, so they have no label hash. Returning one is fine (a dry run saves nothing).
 */
export function registerUncreatedLabelRow(row: object): void {
  mark(row, 'uncreated')
}

export function isUncreatedLabelRow(row: object): boolean {
  return (row as Marked)[ORIGIN] === 'uncreated'
}
