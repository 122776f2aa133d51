/**
 * Ground truth for the reliability tests, read from the emulator's state (never from what the runner
 * says about itself): where each task is, how often it was moved, what each label row holds and how
 * many saves changed it.
 */
import type { EmulatorState } from '../../src/emulator/state.js'

type Json = Record<string, any>

/** Canonical JSON (sorted keys): equal content, equal text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Json).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** Objects and classifications of a row, without hashes and timestamps (they differ between runs). */
export function labelContent(labels: Json | undefined): string[] {
  if (labels === undefined) return []
  const out: string[] = []
  for (const unit of Object.values((labels.data_units ?? {}) as Json)) {
    const l = (unit as Json).labels ?? {}
    for (const o of (l.objects ?? []) as Json[])
      out.push(`object ${o.featureHash} ${canonical(o.boundingBox ?? o.polygon ?? o.point ?? null)}`)
    for (const c of (l.classifications ?? []) as Json[]) out.push(`classification ${c.featureHash}`)
  }
  for (const c of Object.values((labels.classification_answers ?? {}) as Json)) {
    for (const a of ((c as Json).classifications ?? []) as Json[])
      out.push(`answer ${a.featureHash} ${canonical(a.answers)}`)
  }
  return out.sort()
}

export interface TaskState {
  stage: string
  proceeds: number
  priority: number | null
  labels: string[]
  /** Saves that changed the row (a save that wrote what the row already held changes nothing). */
  effectiveSaves: number
  /** Every save request applied to the row, including ones that rewrote the same labels. */
  saves: number
}

/** Per data unit: the task's stage, proceeds, priority and label content. */
export function projectState(
  state: EmulatorState,
  projectHash: string,
  proceedsByTask: Record<string, number>,
): Map<string, TaskState> {
  const project = state.project(projectHash)
  const stageTitle = new Map(project.stages.map((s) => [s.uuid, s.title]))
  const out = new Map<string, TaskState>()
  for (const task of project.tasks.values()) {
    const row = project.labelRowsByData.get(task.dataHash)?.get('main')
    const saves = project.history.filter((h) => h.kind === 'save' && h.dataHash === task.dataHash) as Array<Json>
    // Each save event keeps the labels as they were before it; the next event's `before` (or the row
    // now) is what it wrote.
    let effective = 0
    saves.forEach((event, i) => {
      const after = i + 1 < saves.length ? saves[i + 1].before : row?.labels
      if (canonical(event.before) !== canonical(after)) effective++
    })
    out.set(task.dataHash, {
      stage: stageTitle.get(task.stageUuid) ?? task.stageUuid,
      proceeds: proceedsByTask[task.uuid] ?? 0,
      priority: task.priority,
      labels: labelContent(row?.labels),
      effectiveSaves: effective,
      saves: saves.length,
    })
  }
  return out
}

/** Tasks whose move was applied before its label save, from the history order (must be none). */
export function movedBeforeSaved(state: EmulatorState, projectHash: string): string[] {
  const project = state.project(projectHash)
  const firstProceed = new Map<string, number>()
  const lastSave = new Map<string, number>()
  project.history.forEach((h, i) => {
    if (h.dataHash === undefined) return
    if (h.kind === 'proceed' && !firstProceed.has(h.dataHash)) firstProceed.set(h.dataHash, i)
    if (h.kind === 'save') lastSave.set(h.dataHash, i)
  })
  return [...firstProceed].filter(([data, at]) => (lastSave.get(data) ?? -1) > at).map(([data]) => data)
}
