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
