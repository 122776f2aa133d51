/**
 * `--log-format json`: one JSON object per line on stderr, for log pipelines (pino). Every line has
 * `time` (ISO 8601), `level` and `msg`; task lines carry `stage`, `taskUuid`, `dataHash`, `attempt`,
 * `durationMs`, and failures an `error` with its code and, where there is one, the user-code location.
 * Handler lines (`ctx.log`) arrive as the engine's `log` events, so they carry the task's fields too.
 * Everything goes through the key redaction that guards the other outputs.
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import type { EventStage, EventTask, RunEvent } from '../core/runner/events.js'
import type { WorkerEvent } from '../queue/worker.js'
import { redactJson } from '../ui/redact.js'

export type LogFormat = 'pretty' | 'json'
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json']

/** `ENCORD_AGENTS_LOG_FORMAT`, read where no flag was given. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat | undefined {
  const value = env.ENCORD_AGENTS_LOG_FORMAT?.trim().toLowerCase()
  return value === 'json' || value === 'pretty' ? value : undefined
}

export interface JsonLogOptions {
  /** `debug` with --verbose; `info` otherwise. */
  level?: 'debug' | 'info'
  /** Where lines go: stderr (fd 2, written synchronously so nothing is lost at exit) by default. */
  destination?: DestinationStream
  /** Fields on every line (e.g. `{ command: 'worker' }`). */
  base?: Record<string, unknown>
}

export function createJsonLogger(options: JsonLogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? {},
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Strings are scrubbed of key material before they are written (same rule as the terminal).
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => redactJson(arg)) as Parameters<typeof method>)
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  )
}

type Fields = Record<string, unknown>

function stageFields(stage: EventStage | undefined): Fields {
  return stage === undefined ? {} : { stage: stage.title, stageUuid: stage.uuid }
}

function taskFields(task: EventTask | undefined): Fields {
  return task === undefined ? {} : { taskUuid: task.uuid, dataHash: task.dataHash, dataTitle: task.dataTitle }
}

/** The user-code location of a failure (`agent.ts:12:7`) when the engine found one. */
function errorFields(code: string, message: string, at: unknown): Fields {
  return { error: { code, message, ...(typeof at === 'string' ? { at } : {}) } }
}

/** Writes the engine's events as log lines (the JSON counterpart of the progress view). */
export function logRunEvent(log: Logger, event: RunEvent): void {
  switch (event.type) {
    case 'stageStarted':
      return log.info({ ...stageFields(event.stage) }, 'stage started')
    case 'batchLoaded':
      return log.debug(
        { ...stageFields(event.stage), batch: event.batch, tasks: event.tasks, durationMs: event.durationMs },
        'batch loaded',
      )
    case 'taskStarted':
      return log.debug(
        { ...stageFields(event.stage), ...taskFields(event.task), attempt: event.attempt },
        'task started',
      )
    case 'taskDone':
      return log.info(
        {
          ...stageFields(event.stage),
          ...taskFields(event.task),
          outcome: event.outcome,
          pathway: event.pathway,
          ...(event.attempt !== undefined ? { attempt: event.attempt } : {}),
          durationMs: event.durationMs,
          ...(event.replayed === true ? { replayed: true } : {}),
        },
        event.outcome === 'moved' ? `task moved to "${event.pathway ?? ''}"` : 'task stayed',
      )
    case 'taskFailed':
      return log.error(
        {
          ...stageFields(event.stage),
          ...taskFields(event.task),
          ...(event.attempt !== undefined ? { attempt: event.attempt } : {}),
          ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
          ...errorFields(event.code, event.message, event.at),
          onFailure: event.onFailure,
        },
        `task failed: ${event.message}`,
      )
    case 'taskRetry':
      return log.warn(
        {
          ...stageFields(event.stage),
          ...taskFields(event.task),
          // The try that failed (0 for the first), as on the worker's lines; the next one runs after delayMs.
          attempt: event.attempt - 1,
          delayMs: event.delayMs,
          ...errorFields(event.code, event.message, event.at),
        },
        `task will be retried: ${event.message}`,
      )
    case 'flushed':
      return log.info(
        {
          ...stageFields(event.stage),
          saved: event.saved,
          priorities: event.priorities,
          moved: event.moved,
          stale: event.stale,
          failed: event.failed,
          dryRun: event.dryRun,
        },
        'decisions applied',
      )
    case 'stageDone': {
      const r = event.result
      return log.info(
        { ...stageFields(event.stage), processed: r.processed, moved: r.moved, stayed: r.stayed, failed: r.failed },
        'stage done',
      )
    }
    case 'refreshWaiting':
      return log.info({ seconds: event.seconds, pass: event.pass }, `waiting ${event.seconds} s before the next pass`)
    case 'log':
      return log[event.level](
        {
          ...stageFields(event.stage),
          ...taskFields(event.task),
          ...(event.data !== undefined ? { data: event.data } : {}),
        },
        event.message,
      )
    default:
      return undefined
  }
}

/** Writes a worker's events as log lines. */
export function logWorkerEvent(log: Logger, event: WorkerEvent): void {
  switch (event.type) {
    case 'started':
      return log.info({ stages: event.stages.map((s) => s.title), concurrency: event.concurrency }, 'worker started')
    case 'job': {
      const r = event.report
      const fields: Fields = {
        stage: event.stage.title,
        stageUuid: event.stage.uuid,
        taskUuid: r.taskUuid,
        dataHash: r.dataHash,
        dataTitle: r.dataTitle,
        attempt: event.attempt,
        durationMs: r.durationMs,
        outcome: event.willRetry ? 'retried' : r.status,
        ...(r.pathway !== undefined ? { pathway: r.pathway.name } : {}),
        ...(r.replayed ? { replayed: true } : {}),
        ...(r.error !== undefined ? errorFields(r.error.code, r.error.message, (r.error as { at?: unknown }).at) : {}),
      }
      if (r.error !== undefined)
        return event.willRetry
          ? log.warn(fields, `task will be retried: ${r.error.message}`)
          : log.error(fields, `task failed: ${r.error.message}`)
      return log.info(fields, r.status === 'moved' ? `task moved to "${r.pathway?.name ?? ''}"` : `task ${r.status}`)
    }
    case 'flushed':
      return log.info(
        { stage: event.stage.title, stageUuid: event.stage.uuid, tasks: event.tasks, durationMs: event.durationMs },
        'decisions applied',
      )
    case 'stopping':
      return log.info({ reason: event.reason }, 'worker stopping')
    case 'error':
      return log.error({ error: { message: event.message } }, event.message)
    case 'log':
      return logRunEvent(log, event.event)
    default:
      return undefined
  }
}
