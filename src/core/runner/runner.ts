import type { AgentTask, EncordApi, Project, Stage } from '../../encord/types.js'
import { defineAgent, isAgentDefinition, withAgentOptions, type AgentDefinition, type AgentStageOptions, type Handler } from '../agent.js'
import { captureCallerLocation } from '../deps/location.js'
import { RunScope } from '../deps/resolver.js'
import type { DepsRecord, TaskLogger } from '../deps/types.js'
import { UserError } from '../../shared/errors.js'
import type { EffectJournal } from '../journal.js'
import { openRunJournal } from '../journal-file.js'
import type { RunResult, RunSettings, StageResult } from '../types.js'
import { runStage, sleep } from './engine.js'
import type { RunEvent } from './events.js'
import { eventStage, eventTask } from './flush.js'
import { reconcileJournal } from './journal-replay.js'
import { resolveRunSettings, type RunOptions } from './settings.js'
import { validateProject, type ResolvedBinding, type StageBinding, type UserValidateHook, type ValidationResult } from './validate.js'

/** What `new Runner(...)` takes. */
export interface RunnerOptions {
  /** The project to run on. `run({ projectHash })` and ENCORD_PROJECT_HASH may supply it instead. */
  projectHash?: string
  /** Extra checks run after the built-in validation, before anything is fetched or moved. */
  validate?: UserValidateHook
  /** The Encord client. @default one built from the environment when running */
  client?: EncordApi
  /** Run settings (run options win over these). */
  settings?: Partial<RunSettings>
}

/** Options of `runner.stage(stage, agent, options)`. */
export interface StageOptions {
  /** Replace an agent declared earlier for the same stage, keeping its position. @default false */
  overwrite?: boolean
  /** Where this binding was declared (`file:line:col`), for messages. @default the caller's location */
  location?: string
}

/** Options of the Python-like `runner.stage(stage, options, handler)`. */
export interface InlineStageOptions<D extends DepsRecord> extends AgentStageOptions, StageOptions {
  deps?: D
  ontology?: { objects?: string[]; classifications?: string[] }
}

/** What `validate` takes. */
export interface ValidateOptions {
  client?: EncordApi
  projectHash?: string
}

/**
 * Runs agents on a project's agent stages, stage after stage in the order they were declared.
 *
 * @example
 * ```ts
 * const runner = new Runner({ projectHash })
 * runner.stage('Agent 1', { deps: { row: labelRow() } }, async ({ deps }) => deps.row.objects().length ? 'annotated' : 'empty')
 * const result = await runner.run({ concurrency: 8 })
 * ```
 * @see defineAgent
 */
export class Runner {
  readonly #bindings: StageBinding[] = []
  readonly #options: RunnerOptions

  constructor(options: RunnerOptions = {}) {
    this.#options = options
  }

  /** The declared stage bindings, in run order. */
  get stages(): readonly StageBinding[] {
    return this.#bindings
  }

  /**
   * Bind an agent to a stage (its title or UUID). Declaring the same stage twice fails, naming both
   * places, unless the later one says `overwrite: true` (it then replaces the handler and keeps the
   * first position). A stage named once by title and once by UUID is caught when the project is known.
   */
  stage<D extends DepsRecord>(stage: string, agent: AgentDefinition<D>, options?: StageOptions): this
  stage<D extends DepsRecord = {}>(stage: string, options: InlineStageOptions<D>, handler: Handler<D>): this
  stage<D extends DepsRecord>(stage: string, agentOrOptions: AgentDefinition<D> | InlineStageOptions<D>, third?: StageOptions | Handler<D>): this {
    const callerLocation = captureCallerLocation()
    if (typeof stage !== 'string' || stage.trim() === '') {
      throw new UserError('InvalidStage', 'runner.stage() needs a stage title or UUID as its first argument.', { location: callerLocation })
    }
    let agent: AgentDefinition<DepsRecord>
    let options: StageOptions
    if (isAgentDefinition(agentOrOptions)) {
      agent = agentOrOptions as unknown as AgentDefinition<DepsRecord>
      options = (third as StageOptions | undefined) ?? {}
    } else if (typeof third === 'function' && agentOrOptions !== null && typeof agentOrOptions === 'object') {
      const inline = agentOrOptions as InlineStageOptions<D>
      agent = defineAgent({
        deps: inline.deps,
        handler: third,
        pathways: inline.pathways,
        onFailure: inline.onFailure,
        labelRowMetadata: inline.labelRowMetadata,
        ontology: inline.ontology,
      }) as unknown as AgentDefinition<DepsRecord>
      agent = withAgentOptions(agent, { location: inline.location ?? callerLocation })
      options = { overwrite: inline.overwrite, location: inline.location }
    } else {
      throw new UserError('InvalidStage', `runner.stage(${JSON.stringify(stage)}, ...) needs an agent made with defineAgent, or options and a handler function.`, {
        hint: "Write runner.stage('Agent 1', defineAgent({ handler })) or runner.stage('Agent 1', { deps }, handler).",
        location: callerLocation,
      })
    }
    const location = options.location ?? callerLocation
    const binding: StageBinding = { stage, agent, location, overwrite: options.overwrite === true }
    const index = this.#bindings.findIndex((b) => sameRef(b.stage, stage))
    if (index >= 0) {
      if (!binding.overwrite) {
        const previous = this.#bindings[index]
        throw new UserError(
          'DuplicateStage',
          `Stage ${JSON.stringify(stage)} has two agents: one declared at ${previous.location ?? 'an earlier call'} and one at ${location ?? 'this call'}.`,
          { hint: 'Remove one of them, or pass { overwrite: true } to the later one to replace the earlier (it keeps the earlier position).', location },
        )
      }
      this.#bindings[index] = binding
      return this
    }
    this.#bindings.push(binding)
    return this
  }

  /**
   * Check the project and the agents without running anything: every issue at once.
   * Throws only when the project cannot be fetched (authentication, connection, not found).
   */
  async validate(options: ValidateOptions = {}): Promise<ValidationResult> {
    const { client, close } = await this.#client(options.client)
    try {
      const project = await client.getProject(this.#projectHash(options.projectHash))
      const { bindings: _bindings, ...result } = await validateProject(project, this.#bindings, this.#options.validate, { client })
      return result
    } finally {
      await close()
    }
  }

  /**
   * Run every stage once (or, with `refreshEvery`, again and again until `signal` aborts). Returns
   * the RunResult; throws a UserError (exit 2) when settings or validation fail, before anything is
   * fetched or moved, and a ConnectionError (exit 3) when Encord cannot be reached.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const started = performance.now()
    const settings = resolveRunSettings(this.#options.settings, pickSettings(options))
    if (options.loadWindow !== undefined && (!Number.isInteger(options.loadWindow) || options.loadWindow < 1)) {
      throw new UserError('InvalidRunSettings', `loadWindow must be a whole number of at least 1 (got ${JSON.stringify(options.loadWindow)}).`)
    }
    const projectHash = this.#projectHash(options.projectHash)
    const { client, close } = await this.#client(options.client)
    const emit = makeEmitter(options.onEvent)
    const stopSignal = options.signal ?? new AbortController().signal
    try {
      const project = await client.getProject(projectHash)
      const skip = options.skipValidation === true
      const validation = await validateProject(project, this.#bindings, skip ? undefined : this.#options.validate, { client, skipDependencyChecks: skip })
      const blocking = skip ? validation.issues.filter((i) => BLOCKING_WHEN_SKIPPED.has(i.code)) : validation.issues
      if (blocking.length > 0) throw validationError(blocking)

      const runLog = makeLogger(emit, options.onEvent === undefined)
      const log = runLog()
      // Opened after validation (a config mistake touches nothing) and before the first decision.
      const journal = settings.dryRun ? undefined : await openRunJournal(options.journal, { projectHash, baseDir: options.journalDir, onWarning: (m) => log.warn(m) })
      const runScope = new RunScope({ project, client, dryRun: settings.dryRun, log }, new AbortController().signal)
      const totals = new Map<string, StageResult>()
      let interrupted = false
      try {
        for (let pass = 1; ; pass++) {
          for (const binding of validation.bindings) {
            if (stopSignal.aborted) break
            const stageResult = await this.#runStage(binding, { client, project, settings, runScope, stopSignal, emit, runLog, options, journal: journal?.journal })
            mergeStageResult(totals, stageResult)
          }
          if (stopSignal.aborted || settings.refreshEvery === undefined) break
          emit({ type: 'refreshWaiting', seconds: settings.refreshEvery, pass })
          if (!(await sleep(settings.refreshEvery * 1000, stopSignal))) break
        }
        // Entries left by an earlier crash whose tasks have left their stage: nothing more to do.
        if (!stopSignal.aborted && journal?.file !== undefined && journal.file.size > 0) {
          await reconcileJournal(journal.file, client, projectHash, project.workflow.stages, log)
        }
      } finally {
        await runScope.dispose()
        await journal?.close().catch((error: unknown) => log.warn(`Closing the run journal failed: ${(error as Error).message}`))
      }
      interrupted = stopSignal.aborted
      const stages = validation.bindings.map((b) => totals.get(b.stage.uuid) ?? emptyResult(b.stage))
      const failed = stages.some((s) => s.failed > 0)
      return {
        ok: !failed && !interrupted,
        projectHash,
        durationMs: Math.round(performance.now() - started),
        dryRun: settings.dryRun,
        interrupted,
        stages,
      }
    } finally {
      await close()
    }
  }

  async #runStage(
    binding: ResolvedBinding,
    env: {
      client: EncordApi
      project: Project
      settings: RunSettings
      runScope: RunScope
      stopSignal: AbortSignal
      emit: (e: RunEvent) => void
      runLog: (stage?: Stage, task?: AgentTask) => TaskLogger
      options: RunOptions
      journal?: EffectJournal
    },
  ): Promise<StageResult> {
    return runStage({
      client: env.client,
      project: env.project,
      stage: binding.stage,
      agent: binding.binding.agent,
      graph: binding.graph,
      onFailure: binding.onFailure,
      settings: env.settings,
      runScope: env.runScope,
      stopSignal: env.stopSignal,
      emit: env.emit,
      retryDelayMs: env.options.retryDelayMs ?? 1000,
      maxRetryDelayMs: env.options.maxRetryDelayMs ?? 30_000,
      loadWindow: env.options.loadWindow ?? DEFAULT_LOAD_WINDOW,
      logger: env.runLog,
      journal: env.journal,
    })
  }

  #projectHash(explicit?: string): string {
    const hash = explicit ?? this.#options.projectHash ?? process.env.ENCORD_PROJECT_HASH
    if (hash === undefined || hash.trim() === '') {
      throw new UserError('ProjectHashMissing', 'No project hash: the runner does not know which project to work on.', {
        hint: 'Pass projectHash to new Runner({ projectHash }) or run({ projectHash }), set ENCORD_PROJECT_HASH, or use --project-hash.',
      })
    }
    return hash.trim()
  }

  async #client(explicit?: EncordApi): Promise<{ client: EncordApi; close: () => Promise<void> }> {
    const given = explicit ?? this.#options.client
    if (given !== undefined) return { client: given, close: async () => undefined }
    // Built lazily so a Runner with its own client never reads keys from the environment.
    const { createClient } = await import('../../encord/credentials.js')
    const client = createClient()
    return { client, close: () => client.close() }
  }
}

/** Tasks whose data is loaded together by default (see RunOptions.loadWindow). */
export const DEFAULT_LOAD_WINDOW = 200

/** Issues that make running impossible even when the caller validated already. */
const BLOCKING_WHEN_SKIPPED = new Set(['StageNotFound', 'StageNotAgent', 'DuplicateStage', 'DependencyCycle', 'InvalidDependency', 'RunScopeDependsOnTask', 'NoAgents'])

/** All validation issues as one UserError (exit 2); `data.issues` keeps them structured for --json. */
export function validationError(issues: ValidationResult['issues']): UserError {
  const lines = issues.map((i) => `${i.location !== undefined ? `${i.location}  ` : ''}${i.message}${i.hint !== undefined ? `\n    ${i.hint}` : ''}`)
  return new UserError('ValidationFailed', `Validation failed (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    hint: 'Nothing was fetched or moved. Fix the issues above and run again (encord-agents validate checks without running).',
    location: issues[0]?.location,
    data: { issues },
  })
}

const UUID_REF = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Same stage reference as written: equal titles, or equal UUIDs in any case. */
function sameRef(a: string, b: string): boolean {
  return a === b || (UUID_REF.test(a) && a.toLowerCase() === b.toLowerCase())
}

function pickSettings(options: RunOptions): Partial<RunSettings> {
  const { taskBatchSize, maxTasksPerStage, numRetries, refreshEvery, concurrency, dryRun, taskTimeout, filters } = options
  return { taskBatchSize, maxTasksPerStage, numRetries, refreshEvery, concurrency, dryRun, taskTimeout, filters }
}

function emptyResult(stage: Stage): StageResult {
  return { uuid: stage.uuid, title: stage.title, processed: 0, moved: {}, stayed: 0, failed: 0, errors: [] }
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
  for (const [name, n] of Object.entries(result.moved)) total.moved[name] = (total.moved[name] ?? 0) + n
  total.errors.push(...result.errors)
}

function makeEmitter(onEvent: ((event: RunEvent) => void) | undefined): (event: RunEvent) => void {
  if (onEvent === undefined) return () => undefined
  return (event) => {
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
function makeLogger(emit: (e: RunEvent) => void, toStderr: boolean): (stage?: Stage, task?: AgentTask) => TaskLogger {
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
