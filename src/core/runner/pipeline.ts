import type { AgentTask, EncordApi, Project, Stage, Workflow } from '../../encord/types.js'
import { describe } from '../../shared/error-catalogue/index.js'
import { findTypesFiles, typesFileState } from '../../typegen/drift.js'
import { displayPath } from '../config/issues.js'
import type { ResolvedRunOptions } from '../config/options.js'
import type { resolveRunTuning } from '../config/resolve.js'
import { RunScope } from '../deps/resolver.js'
import type { TaskLogger } from '../deps/types.js'
import type { EffectJournal } from '../journal.js'
import { openRunJournal } from '../journal-file.js'
import type { RunResult, RunSettings, StageResult } from '../types.js'
import { providerRegistered, setUpTracing } from '../../shared/tracing.js'
import { sleep } from './backoff.js'
import { listStagePages, runStage, windowsInFlight } from './engine.js'
import type { RunEvent } from './events.js'
import { emptyStageResult, eventStage, eventTask } from './flush.js'
import { reconcileJournal } from './journal-replay.js'
import { ListingHeadStart } from './listing-head-start.js'
import { tracePass, traceStage } from './spans.js'
import {
  firstStageToRun,
  validateProject,
  validationError,
  type ResolvedBinding,
  type StageBinding,
  type UserValidateHook,
  type ValidationIssue,
  type ValidationResult,
} from './validate.js'

/**
 * The one run pipeline, shared by `run`, `validate`, `enqueue`, `worker`, the library's `Runner` and
 * `QueueRunner`: (config and handlers loaded, settings resolved by the caller) → open the project
 * (fetched once) → validate (once, `validateProject`) → run. What a caller does between validation and
 * running (the CLI starts its progress view) it does with the {@link PreparedRun} in hand; nothing is
 * fetched or validated again.
 */

/** The project fetched once and the agents checked against it: every issue, nothing thrown for them. */
export interface InspectedProject {
  project: Project
  validation: ValidationResult
  /** The bindings that passed, matched to their stages (in run order). */
  bindings: ResolvedBinding[]
  /** One line each, for the caller to show; the run goes on (a stale types file when `types.stale` is `warning`). */
  warnings: string[]
}

/**
 * The declaration file of `encord-agents types` (issue 18) to compare with the project: when it exists,
 * its fingerprint must be the live workflow's and ontology's.
 */
export interface TypesFileCheck {
  /** The generated file's default place (absolute); checked when it exists. */
  file: string
  /**
   * Also check every file `encord-agents types --out` wrote for this project under this directory (the
   * config's): its header names the project. `node_modules` and dot-directories are not searched.
   */
  searchUnder?: string
  /** A stale file is a validation issue (`TypesStale`, as `validate` reports it) or one warning line (`run`). */
  stale: 'issue' | 'warning'
  /** Where paths in messages are shown relative to. @default process.cwd() */
  cwd?: string
}

/** Fetch the project (once) and validate the agents against it (once). Throws only when the project cannot be fetched. */
export async function inspectProject(input: {
  client: EncordApi
  projectHash: string
  bindings: readonly StageBinding[]
  validate?: UserValidateHook
  types?: TypesFileCheck
  /** Called with the workflow as soon as the project's record is in (before its ontology). */
  onWorkflow?: (workflow: Workflow) => void
}): Promise<InspectedProject> {
  const project = await input.client.getProject(input.projectHash, { onWorkflow: input.onWorkflow })
  const { bindings, ...validation } = await validateProject(project, input.bindings, input.validate, {
    client: input.client,
  })
  const warnings: string[] = []
  const types = input.types
  const files =
    types === undefined
      ? []
      : [
          ...new Set([
            types.file,
            ...(types.searchUnder !== undefined ? findTypesFiles(types.searchUnder, input.projectHash) : []),
          ]),
        ]
  for (const file of files) {
    const stale = staleTypesIssue(file, types?.cwd, project)
    if (stale !== undefined && types?.stale === 'issue') {
      validation.issues.push(stale)
      validation.ok = false
    } else if (stale !== undefined) {
      warnings.push(`${stale.message} Run \`encord-agents types\` to update it.`)
    }
  }
  return { project, validation, bindings, warnings }
}

/** A `TypesStale` issue when the generated file exists and was made from another workflow or ontology. */
function staleTypesIssue(file: string, cwd: string | undefined, project: Project): ValidationIssue | undefined {
  const state = typesFileState(file, project)
  if (state.state !== 'stale') return undefined
  const shown = displayPath(file, cwd)
  const facts = { file: shown, project: project.title }
  const described =
    state.written === undefined ? describe('TypesStale.noFingerprint', facts) : describe('TypesStale.changed', facts)
  return { ...described, location: shown }
}

/** What {@link prepareRun} takes. */
export interface PrepareRunInput {
  client: EncordApi
  projectHash: string
  bindings: readonly StageBinding[]
  validate?: UserValidateHook
  /** Resolved once by the caller (`resolveRunSettings`). */
  settings: ResolvedRunOptions | RunSettings
  /** The Runner's tuning, resolved (`resolveRunTuning`). */
  tuning: ReturnType<typeof resolveRunTuning>
  /** Closes what the caller opened for this run (a client it made). Called by `close()`. */
  onClose?: () => Promise<void>
  /** When the run began (performance.now()), for `durationMs`. @default now */
  startedAt?: number
  /** Compare the generated types file with the project (see {@link TypesFileCheck}). @default not checked */
  types?: TypesFileCheck
  /**
   * The prepared run is run at once (`run`, `Runner.run`): open the connections it will keep busy
   * while the project is fetched, and start listing the first stage's tasks as soon as the project's
   * workflow is in (before its ontology and the validation; see {@link ListingHeadStart}).
   * `validate`, queue producers and `Runner.prepare` open none ahead and list nothing early.
   * @default false
   */
  warmConnections?: boolean
}

/**
 * Open the project and validate: a {@link PreparedRun}, or one UserError (exit 2) listing every
 * validation issue, before anything is moved (a run started at once may have read the first page of
 * its first stage's tasks: see `warmConnections`).
 */
export async function prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
  const startedAt = input.startedAt ?? performance.now()
  const { journal: _journal, ...settings } = input.settings as ResolvedRunOptions
  let headStart: ListingHeadStart | undefined
  if (input.warmConnections === true) {
    // A run's connections are opened while the project is fetched (no request sent).
    input.client.preconnect?.(runConnections(input.settings, input.tuning.loadWindow))
    // Node connects a socket on the next tick: let those connects leave before the project's request is
    // built and signed (the handshakes, not that request, bound the head of the run).
    await new Promise<void>((resolve) => process.nextTick(resolve))
    // Traced runs list with their stage: a request sent now would fall outside the run's trace (its
    // spans, and the stage's listing span, start with the run).
    if (!providerRegistered()) {
      headStart = new ListingHeadStart(
        (workflow) => firstStageToRun(workflow, input.bindings),
        (stageUuid) => listStagePages(input.client, input.projectHash, stageUuid, settings),
      )
    }
  }
  try {
    const inspected = await inspectProject({ ...input, onWorkflow: headStart && ((w) => headStart.begin(w)) })
    if (!inspected.validation.ok) throw validationError(inspected.validation.issues)
    return new PreparedRun({ ...input, ...inspected, settings, startedAt, headStart })
  } catch (error) {
    headStart?.cancel()
    throw error
  }
}

/**
 * The requests a run has in flight at once, so the connections it opens ahead: the listing, the loads
 * of each load window in flight, and a flush.
 */
export function runConnections(settings: { concurrency: number; taskBatchSize: number }, loadWindow: number): number {
  return 2 + windowsInFlight(settings.concurrency, Math.max(settings.taskBatchSize, loadWindow))
}

/** How a prepared run runs: what is not a setting. */
export interface StartOptions {
  /**
   * Stop the run: no more tasks are listed or started, running handlers finish, every decision made
   * is flushed, and the result says `interrupted: true`. The CLI aborts it on SIGINT.
   */
  signal?: AbortSignal
  /** Progress events (see RunEvent). Exceptions thrown by the listener are ignored. */
  onEvent?: (event: RunEvent) => void
  /** The write-ahead journal: see `RunOptions.journal`. @default false */
  journal?: boolean | string | EffectJournal
  /** Where a relative (or the default) journal path is resolved. @default process.cwd() */
  journalDir?: string
}

/** A project opened and validated for the agents: run it once, or close it. */
export class PreparedRun {
  readonly projectHash: string
  readonly project: Project
  readonly client: EncordApi
  readonly settings: RunSettings
  /** The validation that passed (for `validate` and the progress view). */
  readonly validation: ValidationResult
  /** The agents matched to their stages, in run order. */
  readonly bindings: readonly ResolvedBinding[]
  /** Lines for the caller to show before the run (a stale types file); nothing in them stops the run. */
  readonly warnings: readonly string[]
  readonly #tuning: PrepareRunInput['tuning']
  readonly #startedAt: number
  readonly #onClose: () => Promise<void>
  /** The first stage's listing, started before validation (taken by its first pass). */
  readonly #headStart: ListingHeadStart | undefined
  #closed: Promise<void> | undefined

  constructor(
    o: InspectedProject &
      Omit<PrepareRunInput, 'bindings' | 'settings'> & {
        settings: RunSettings
        startedAt: number
        headStart?: ListingHeadStart
      },
  ) {
    this.projectHash = o.projectHash
    this.project = o.project
    this.client = o.client
    this.settings = o.settings
    this.validation = o.validation
    this.bindings = o.bindings
    this.warnings = o.warnings
    this.#tuning = o.tuning
    this.#startedAt = o.startedAt
    this.#onClose = o.onClose ?? (async () => undefined)
    this.#headStart = o.headStart
  }

  /** Close what was opened for this run (a client the Runner made). Idempotent. */
  close(): Promise<void> {
    this.#headStart?.cancel()
    return (this.#closed ??= this.#onClose())
  }

  /**
   * Run every stage once (or, with `refreshEvery`, again and again until `signal` aborts) and return
   * the RunResult. Does not close: the caller does (Runner.run closes whatever happens).
   */
  async run(options: StartOptions = {}): Promise<RunResult> {
    const { client, project, settings, projectHash } = this
    // A task moved by one stage and handled by the next is one task in the run's total.
    const processedTasks = new Set<string>()
    const emit = makeEmitter(options.onEvent, (event) => {
      if (event.type === 'taskDone' || event.type === 'taskFailed') processedTasks.add(event.task.uuid)
    })
    const stopSignal = options.signal ?? new AbortController().signal
    const runLog = makeLogger(emit, options.onEvent === undefined)
    const log = runLog()
    // Opened after validation (a config mistake touches nothing) and before the first decision.
    const journal = settings.dryRun
      ? undefined
      : await openRunJournal(options.journal, {
          projectHash,
          baseDir: options.journalDir,
          onWarning: (m) => log.warn(m),
        })
    const runScope = new RunScope({ project, client, dryRun: settings.dryRun, log }, new AbortController().signal)
    const totals = new Map<string, StageResult>()
    // Spans when an OpenTelemetry SDK is registered (looked for at each run); plain calls otherwise.
    await setUpTracing()
    try {
      for (let pass = 1; ; pass++) {
        await tracePass({ projectHash, pass, dryRun: settings.dryRun }, async () => {
          for (const binding of this.bindings) {
            if (stopSignal.aborted) break
            const stageResult = await traceStage(binding.stage, () =>
              runStage({
                client,
                project,
                stage: binding.stage,
                agent: binding.binding.agent,
                graph: binding.graph,
                onFailure: binding.onFailure,
                settings,
                runScope,
                stopSignal,
                emit,
                retryDelayMs: this.#tuning.retryDelayMs,
                maxRetryDelayMs: this.#tuning.maxRetryDelayMs,
                loadWindow: this.#tuning.loadWindow,
                logger: runLog,
                journal: journal?.journal,
                startedListing: this.#headStart?.take(binding.stage.uuid),
              }),
            )
            // Stopped while this stage ran: it was cut short (its remaining tasks wait for the next run).
            stageResult.interrupted = stopSignal.aborted
            mergeStageResult(totals, stageResult)
          }
        })
        if (stopSignal.aborted || settings.refreshEvery === undefined) break
        emit({ type: 'refreshWaiting', seconds: settings.refreshEvery, pass })
        if (!(await sleep(settings.refreshEvery * 1000, stopSignal))) break
      }
      // Entries left by an earlier crash whose tasks have left their stage: nothing more to do.
      if (!stopSignal.aborted && journal?.file !== undefined && journal.file.size > 0) {
        await reconcileJournal(journal.file, client, projectHash, project.workflow.stages, log)
      }
    } finally {
      // A run stopped before its first stage never took the listing started for it.
      this.#headStart?.cancel()
      await runScope.dispose()
      await journal
        ?.close()
        .catch((error: unknown) => log.warn(`Closing the run journal failed: ${(error as Error).message}`))
    }
    const interrupted = stopSignal.aborted
    const stages = this.bindings.map((b) => totals.get(b.stage.uuid) ?? { ...emptyStageResult(b.stage), interrupted })
    const failed = stages.some((s) => s.failed > 0)
    return {
      ok: !failed && !interrupted,
      projectHash,
      durationMs: Math.round(performance.now() - this.#startedAt),
      dryRun: settings.dryRun,
      interrupted,
      tasksProcessed: processedTasks.size,
      stages,
    }
  }
}

/** Passes of `refreshEvery` add up per stage. */
function mergeStageResult(totals: Map<string, StageResult>, result: StageResult): void {
  const total = totals.get(result.uuid)
  if (total === undefined) {
    totals.set(result.uuid, { ...result, moved: { ...result.moved }, errors: [...result.errors] })
    return
  }
  total.processed += result.processed
  if (result.replayed !== undefined) total.replayed = (total.replayed ?? 0) + result.replayed
  total.stayed += result.stayed
  total.failed += result.failed
  total.saved += result.saved
  total.priorities += result.priorities
  total.storageUpdated += result.storageUpdated
  total.interrupted ||= result.interrupted
  for (const [name, n] of Object.entries(result.moved)) total.moved[name] = (total.moved[name] ?? 0) + n
  total.errors.push(...result.errors)
}

/** A listener that can never break a run; `observe` sees every event first (the run's own bookkeeping). */
export function makeEmitter(
  onEvent: ((event: RunEvent) => void) | undefined,
  observe?: (event: RunEvent) => void,
): (event: RunEvent) => void {
  if (onEvent === undefined && observe === undefined) return () => undefined
  return (event) => {
    observe?.(event)
    if (onEvent === undefined) return
    try {
      onEvent(event)
    } catch {
      // A progress renderer must never break a run.
    }
  }
}

/**
 * Loggers for handlers and dependencies: lines become `log` events; without a listener, warnings and
 * errors go to stderr (a library user sees problems without wiring anything).
 */
export function makeLogger(
  emit: (e: RunEvent) => void,
  toStderr: boolean,
): (stage?: Stage, task?: AgentTask) => TaskLogger {
  return (stage, task) => {
    const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: Record<string, unknown>) => {
      emit({ type: 'log', level, message, stage: stage && eventStage(stage), task: task && eventTask(task), data })
      if (toStderr && (level === 'warn' || level === 'error')) {
        const prefix = [stage?.title, task?.dataTitle].filter(Boolean).join(' › ')
        process.stderr.write(`${level}: ${prefix ? `${prefix}: ` : ''}${message}\n`)
      }
    }
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
  }
}
