import { defineErrors } from './define.js'

const EXPECTED =
  'A handler returns a pathway name or UUID, nothing (to leave the task in the stage), or { pathway?, labelRow?, priority? }.'

const EXIT_RULE = 'A handler must return a pathway (or nothing) or throw; process.exit would end the whole run.'

/** What a handler passed to process.exit. */
type ExitArgument = number | string | null | undefined

/**
 * How one task fails (exit class `task`: the task is reported with its code in `errors[]` of `run --json`
 * and the run exits 1), and the run's interruption. The runner's error classes take their texts from here.
 */
export const runnerErrors = defineErrors({
  HandlerFailed: {
    exit: 'task',
    messages: {
      /** Any other thrown error is reported with its own message under this code. */
      nonErrorValue: {
        message: (p: { value: string }) => `The handler threw a non-error value: ${p.value}`,
      },
    },
  },
  HandlerCalledExit: {
    exit: 'task',
    messages: {
      /** In the handler's own call chain: the task fails (core/runner/exit-guard.ts). */
      inHandler: {
        message: (p: { who: string; requestedCode: ExitArgument }) =>
          `${p.who} called process.exit(${p.requestedCode ?? ''}) while deciding this task. ${EXIT_RULE} The task was failed instead.`,
      },
      /** From a callback the handler left behind: the run stops (printed to stderr, one line each). */
      fromCallback: {
        message: (p: { who: string; requestedCode: ExitArgument }) =>
          `${p.who} called process.exit(${p.requestedCode ?? ''}) from a callback outside its task (a timer or an event). ${EXIT_RULE}\n` +
          'The run stops here (exit 1). Decisions recorded in the run journal are finished by the next run; the other tasks are decided again.',
        hint: 'remove process.exit from the handler; return a pathway, return nothing, or throw.',
      },
    },
  },
  DependencyFailed: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { dependency: string; message: string }) => `Dependency ${p.dependency} failed: ${p.message}`,
      },
    },
  },
  TaskTimeout: {
    exit: 'task',
    messages: {
      signalled: {
        message: (p: { timeoutMs: number }) =>
          `The task took longer than taskTimeout (${p.timeoutMs} ms); its handler was signalled to stop.`,
      },
      returnedLate: {
        message: (p: { tookMs: number; timeoutMs: number }) =>
          `The task's handler returned after ${Math.round(p.tookMs)} ms, longer than taskTimeout (${p.timeoutMs} ms); its result is discarded.`,
      },
    },
  },
  // What applying a decision can fail on (core/runner/flush.ts): the task is reported failed and stays in
  // its stage (ProceedFailed: its labels were saved). `error` is the failed request's own message.
  JournalFailed: {
    exit: 'task',
    messages: {
      /** Write-ahead: a decision that cannot be recorded is not applied (also a failed task's onFailure). */
      notRecorded: {
        message: (p: { error: string }) =>
          `The decision could not be written to the run journal (${p.error}), so nothing of it was applied; the task stays in its stage.`,
      },
    },
  },
  SaveFailed: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { error: string }) => `Saving the label row failed, so the task was not moved: ${p.error}`,
      },
    },
  },
  StorageUpdateFailed: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { error: string }) => `Updating the storage item failed, so the task was not moved: ${p.error}`,
      },
    },
  },
  PriorityFailed: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { error: string }) => `Setting the priority failed, so the task was not moved: ${p.error}`,
      },
    },
  },
  /** Someone else moved (or deleted) the task first: not ours to fail, but reported; `reason` is Encord's. */
  StaleTask: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { stage: string; reason: string }) =>
          `The task was no longer in stage "${p.stage}" when it was to be moved: ${p.reason}`,
      },
    },
  },
  ProceedFailed: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { error: string }) => `Moving the task failed (its labels were saved): ${p.error}`,
      },
    },
  },
  /** The queue's worker (queue/executor.ts): the task of a queued message is no longer in the stage. */
  TaskNotInStage: {
    exit: 'task',
    messages: {
      /** Before its handler ran: nothing to do. */
      gone: {
        message: (p: { stage: string }) =>
          `The task is no longer in stage "${p.stage}" (moved or deleted): nothing to do.`,
      },
      /** Replaying a journaled decision. */
      leftBeforeApplied: {
        message: (p: { stage: string }) =>
          `The task left stage "${p.stage}" before its decision was applied (moved by someone else or deleted).`,
      },
    },
  },
  UnknownPathway: {
    exit: 'task',
    messages: {
      default: {
        message: (p: { value: string; stage: string; suggestion: string | undefined; pathways: string }) =>
          `Unknown pathway ${JSON.stringify(p.value)} for stage "${p.stage}".` +
          (p.suggestion !== undefined ? ` Did you mean ${JSON.stringify(p.suggestion)}?` : '') +
          ` ${p.pathways}`,
      },
    },
  },
  InvalidHandlerResult: {
    exit: 'task',
    messages: {
      notAResult: {
        message: (p: { value: string; pathways: string }) =>
          `The handler returned ${p.value}. ${EXPECTED} ${p.pathways}`,
      },
      unknownKeys: {
        message: (p: { count: number; keys: string; suggestion: string | undefined }) =>
          `The handler returned an object with unknown key${p.count > 1 ? 's' : ''} ${p.keys}` +
          (p.suggestion !== undefined ? ` (did you mean "${p.suggestion}"?)` : '') +
          `. ${EXPECTED}`,
      },
      emptyObject: {
        message: () =>
          `The handler returned an empty object. ${EXPECTED} Return undefined to leave the task in the stage.`,
      },
      pathway: {
        message: (p: { value: string; pathways: string }) =>
          `The handler returned pathway ${p.value}; expected a pathway name or UUID. ${p.pathways}`,
      },
      priority: {
        message: (p: { value: string }) =>
          `The handler returned priority ${p.value}; a priority is a number from 0 (lowest) to 1 (highest).`,
      },
      labelRow: {
        message: (p: { value: string }) =>
          `The handler returned labelRow ${p.value}; expected a label row (for example the labelRow() dependency's value).`,
      },
    },
  },
})
