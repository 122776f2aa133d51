import type { AgentTask, Pathway } from '../../encord/types.js'
import type { TaskEffect } from '../deps/types.js'
import type { TaskErrorReport } from './errors.js'
import type { TaskDecision } from './result.js'

/**
 * What became of one task before its effects are applied. `replayed`: the decision comes from the run
 * journal (an earlier run made it and stopped before settling it); the handler did not run again.
 */
export type TaskOutcome =
  | {
      kind: 'done'
      task: AgentTask
      decision: TaskDecision
      effects: TaskEffect[]
      durationMs: number
      replayed?: boolean
    }
  | { kind: 'failed'; task: AgentTask; error: TaskErrorReport; onFailure?: Pathway; replayed?: boolean }
