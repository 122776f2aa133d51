import { labelsFingerprint } from '../../encord/labels-fingerprint.js'
import type { AgentTask, EncordApi, LabelRowDict, Pathway, Stage } from '../../encord/types.js'
import type { TaskLogger } from '../deps/types.js'
import type { EffectJournal, JournalDecision, JournalEntry } from '../journal.js'
import type { FileEffectJournal } from '../journal-file.js'
import type { TaskOutcome } from './outcome.js'

/**
 * How the single-process runner uses an {@link EffectJournal} (write-ahead): the Flusher records each
 * decision before applying it, marks its saves and its move, and forgets it once settled; a later run
 * that lists a task with a decision still recorded applies what is left of it instead of calling the
 * handler again (this module), and drops entries of tasks that left their stage (`reconcileJournal`).
 */

/** The decision to record for an outcome, or undefined when it has nothing to apply. */
export function journalDecisionOf(outcome: TaskOutcome, stage: Stage): JournalDecision | undefined {
  const decidedAt = new Date().toISOString()
  if (outcome.kind === 'failed') {
    if (outcome.onFailure === undefined) return undefined
    return {
      stageUuid: stage.uuid,
      dataHash: outcome.task.dataHash,
      pathway: outcome.onFailure,
      effects: [],
      failure: outcome.error,
      decidedAt,
    }
  }
  const { pathway, priority } = outcome.decision
  if (pathway === null && priority === undefined && outcome.effects.length === 0) return undefined
  return {
    stageUuid: stage.uuid,
    dataHash: outcome.task.dataHash,
    pathway,
    ...(priority !== undefined ? { priority } : {}),
    effects: outcome.effects,
    decidedAt,
  }
}

/** The decision has label saves, storage updates or a priority to apply before the move. */
export function hasPreMoveEffects(decision: JournalDecision): boolean {
  return decision.effects.length > 0 || decision.priority !== undefined
}

/**
 * Split listed tasks into those whose handler must run and those with a decision recorded by an
 * earlier run that stopped before settling it: for these, an outcome that applies only what is left
 * (saves not yet done, the move), so the handler is not called again and nothing is applied twice.
 *
 * An entry is dropped (and the handler runs) when it cannot belong to this visit of the task: made in
 * another stage, already moved (the task came back through the workflow), a stay already saved, or a
 * pathway the stage no longer has.
 */
export async function planReplays(options: {
  journal: EffectJournal
  client: EncordApi
  stage: Stage
  tasks: readonly AgentTask[]
  log: TaskLogger
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>
}): Promise<{ fresh: AgentTask[]; replays: TaskOutcome[] }> {
  const { journal, stage, tasks, log } = options
  const entries = await Promise.all(tasks.map((t) => journal.get(t.uuid)))
  const fresh: AgentTask[] = []
  const pending: Array<{ task: AgentTask; entry: JournalEntry; pathway: Pathway | null }> = []
  for (const [index, task] of tasks.entries()) {
    const entry = entries[index]
    if (entry === undefined) {
      fresh.push(task)
      continue
    }
    const d = entry.decision
    const pathway = d.pathway === null ? null : (stage.pathways.find((p) => p.uuid === d.pathway?.uuid) ?? undefined)
    const settledStay = d.pathway === null && (entry.savedAt !== undefined || !hasPreMoveEffects(d))
    if (d.stageUuid !== stage.uuid || entry.proceededAt !== undefined || settledStay || pathway === undefined) {
      if (pathway === undefined && d.stageUuid === stage.uuid && entry.proceededAt === undefined) {
        log.warn(
          `The recorded decision for "${task.dataTitle}" takes pathway "${d.pathway?.name}", which stage "${stage.title}" no longer has: deciding the task again.`,
        )
      }
      await journal.forget(task.uuid)
      fresh.push(task)
      continue
    }
    pending.push({ task, entry, pathway })
  }
  if (pending.length === 0) return { fresh, replays: [] }
  log.info(
    `${pending.length} task${pending.length === 1 ? '' : 's'} of "${stage.title}" ha${pending.length === 1 ? 's' : 've'} a decision recorded in the run journal by a run that stopped before applying it: ` +
      'finishing what is left without calling the handler again.',
  )
  const landed = await landedSaves(
    pending.filter((p) => p.entry.savedAt === undefined).map((p) => p.entry.decision),
    options,
  )
  const replays = pending.map(({ task, entry, pathway }): TaskOutcome => {
    const d = entry.decision
    if (d.failure !== undefined && pathway !== null)
      return { kind: 'failed', task, error: d.failure, onFailure: pathway, replayed: true }
    const saved = entry.savedAt !== undefined
    return {
      kind: 'done',
      task,
      decision: { pathway, ...(!saved && d.priority !== undefined ? { priority: d.priority } : {}) },
      effects: saved
        ? []
        : d.effects.filter(
            (e) => e.kind !== 'saveLabelRow' || !landed.has(saveKey(e.projectHash, e.labelHash, e.labelRow)),
          ),
      durationMs: 0,
      replayed: true,
    }
  })
  return { fresh, replays }
}

/**
 * Label saves of recorded decisions that already landed: a crash between Encord acknowledging a save
 * and the journal marking it leaves it unmarked. A row whose labels on the server are exactly the
 * decision's is not saved again; when that cannot be checked, the save is sent again (it writes the
 * same labels, so nothing is doubled).
 */
async function landedSaves(
  decisions: JournalDecision[],
  options: { client: EncordApi; log: TaskLogger; retry: <T>(what: string, fn: () => Promise<T>) => Promise<T> },
): Promise<Set<string>> {
  const byProject = new Map<string, Set<string>>()
  for (const d of decisions) {
    for (const e of d.effects) {
      if (e.kind !== 'saveLabelRow') continue
      const set = byProject.get(e.projectHash) ?? new Set<string>()
      set.add(e.labelHash)
      byProject.set(e.projectHash, set)
    }
  }
  const landed = new Set<string>()
  for (const [projectHash, labelHashes] of byProject) {
    try {
      const rows = await options.retry('reading label rows', () =>
        options.client.getLabelRows(projectHash, [...labelHashes]),
      )
      for (const row of rows)
        if (typeof row.label_hash === 'string') landed.add(saveKey(projectHash, row.label_hash, row))
    } catch (error) {
      options.log.warn(
        `Could not check which label saves of an earlier run already landed (${(error as Error).message}); saving them again (same labels).`,
      )
    }
  }
  return landed
}

function saveKey(projectHash: string, labelHash: string, row: LabelRowDict): string {
  return `${projectHash}\u0000${labelHash}\u0000${labelsFingerprint(row)}`
}

/**
 * After a run that was not interrupted: drop the entries of tasks that are no longer in the stage
 * their decision was made in (moved by that decision before the crash let us mark it, or by someone
 * else): nothing is left to do for them. One listing request per stage with entries left.
 */
export async function reconcileJournal(
  journal: FileEffectJournal,
  client: EncordApi,
  projectHash: string,
  stages: readonly Stage[],
  log: TaskLogger,
): Promise<void> {
  const byStage = new Map<string, Array<{ taskUuid: string; dataHash: string }>>()
  for (const [taskUuid, entry] of journal.entries()) {
    const list = byStage.get(entry.decision.stageUuid) ?? []
    list.push({ taskUuid, dataHash: entry.decision.dataHash })
    byStage.set(entry.decision.stageUuid, list)
  }
  for (const [stageUuid, list] of byStage) {
    if (!stages.some((s) => s.uuid === stageUuid)) {
      for (const { taskUuid } of list) await journal.forget(taskUuid)
      continue
    }
    try {
      const inStage = new Set<string>()
      for await (const task of client.listTasks(projectHash, stageUuid, {
        dataHashes: [...new Set(list.map((x) => x.dataHash))],
      }))
        inStage.add(task.uuid)
      for (const { taskUuid } of list) if (!inStage.has(taskUuid)) await journal.forget(taskUuid)
    } catch (error) {
      log.warn(
        `Could not check the tasks of ${list.length} decision(s) left in the run journal (${(error as Error).message}); they are kept for the next run.`,
      )
    }
  }
}
