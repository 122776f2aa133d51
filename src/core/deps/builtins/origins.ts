/**
 * Where each label row handed to a handler came from (project and label hash), so a label row the
 * handler returns is saved to the right project, once. A WeakMap: nothing is kept after the task.
 */
const origins = new WeakMap<object, { projectHash: string; labelHash: string }>()

export function registerLabelRowOrigin(row: object, projectHash: string, labelHash: string): void {
  origins.set(row, { projectHash, labelHash })
}

export function labelRowOrigin(row: object): { projectHash: string; labelHash: string } | undefined {
  return origins.get(row)
}

/**
 * Rows the label row dependency handed out in a dry run for data units that have no label row yet: a
 * dry run creates nothing, so they have no label hash. Returning one is fine (a dry run saves nothing).
 */
const uncreated = new WeakSet<object>()

export function registerUncreatedLabelRow(row: object): void {
  uncreated.add(row)
}

export function isUncreatedLabelRow(row: object): boolean {
  return uncreated.has(row)
}
