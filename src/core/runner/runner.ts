import { fail } from '../../shared/error-catalogue/index.js'
import type { EncordApi } from '../../encord/types.js'
import {
  defineAgent,
  isAgentDefinition,
  withAgentOptions,
  type AgentDefinition,
  type AgentStageOptions,
  type Handler,
} from '../agent.js'
import { resolveRunSettings, resolveRunTuning } from '../config/resolve.js'
import { captureCallerLocation } from '../deps/location.js'
import type { DepsRecord } from '../deps/types.js'
import type { RunResult, RunSettings } from '../types.js'
import { inspectProject, prepareRun, type PreparedRun } from './pipeline.js'
import type { RunOptions } from './settings.js'
import { validationError, type StageBinding, type UserValidateHook, type ValidationResult } from './validate.js'

export { validationError }

/** What `new Runner(...)` takes. */
export interface RunnerOptions {
  /** The project to run on. `run({ projectHash })` and ENCORD_PROJECT_HASH may supply it instead. */
  projectHash?: string
  /** Extra checks run after the built-in validation, before anything is moved (see `ValidateHook`). */
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
  stage<D extends DepsRecord>(
    stage: string,
    agentOrOptions: AgentDefinition<D> | InlineStageOptions<D>,
    third?: StageOptions | Handler<D>,
  ): this {
    const callerLocation = captureCallerLocation()
    if (typeof stage !== 'string' || stage.trim() === '') {
      throw fail('InvalidStage.runnerStageTitle', {}, { location: callerLocation })
    }
    let agent: AgentDefinition<DepsRecord>
    let options: StageOptions
    if (isAgentDefinition(agentOrOptions)) {
      agent = agentOrOptions
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
      throw fail('InvalidStage.runnerStageAgent', { stage }, { location: callerLocation })
    }
    const location = options.location ?? callerLocation
    const binding: StageBinding = { stage, agent, location, overwrite: options.overwrite === true }
    const index = this.#bindings.findIndex((b) => sameRef(b.stage, stage))
    if (index >= 0) {
      if (!binding.overwrite) {
        const previous = this.#bindings[index]
        throw fail(
          'DuplicateStage',
          { stage, previous: previous.location ?? 'an earlier call', location },
          { location },
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
      const { validation } = await inspectProject({
        client,
        projectHash: this.#projectHash(options.projectHash),
        bindings: this.#bindings,
        validate: this.#options.validate,
      })
      return validation
    } finally {
      await close()
    }
  }

  /**
   * Everything `run` does before its first task: resolve the settings (the runner's, then these), fetch
   * the project and validate the agents against it, once (nothing else is fetched: only a run started
   * at once lists ahead). Throws a UserError (exit 2) when settings or validation fail, before anything
   * is moved, and a ConnectionError (exit 3) when Encord cannot be reached. Run the result with `prepared.run({ signal, onEvent, journal })`, then
   * `prepared.close()` (it closes a client the runner made).
   *
   * @example
   * ```ts
   * const prepared = await runner.prepare({ concurrency: 8 })
   * try {
   *   console.log(`${prepared.bindings.length} stages of "${prepared.project.title}" are valid`)
   *   const result = await prepared.run({ onEvent: (e) => progress(e) })
   * } finally {
   *   await prepared.close()
   * }
   * ```
   */
  async prepare(options: RunOptions = {}): Promise<PreparedRun> {
    return this.#prepare(options, false)
  }

  async #prepare(options: RunOptions, warmConnections: boolean): Promise<PreparedRun> {
    const startedAt = performance.now()
    // The library's journal option also takes an EffectJournal and is off unless asked: it is passed to
    // `prepared.run`, not resolved with the settings (whose `journal` is the CLI's).
    const { journal: _journal, ...given } = options
    const settings = resolveRunSettings(this.#options.settings, given)
    const tuning = resolveRunTuning(options)
    const projectHash = this.#projectHash(options.projectHash)
    const { client, close } = await this.#client(options.client)
    try {
      return await prepareRun({
        client,
        projectHash,
        bindings: this.#bindings,
        validate: this.#options.validate,
        settings,
        tuning,
        onClose: close,
        startedAt,
        warmConnections,
      })
    } catch (error) {
      await close()
      throw error
    }
  }

  /**
   * Run every stage once (or, with `refreshEvery`, again and again until `signal` aborts): `prepare`,
   * then run. Returns the RunResult; throws a UserError (exit 2) when settings or validation fail,
   * before anything is moved (invalid settings before anything is fetched; the first stage's listing
   * starts as soon as the project's workflow is known, while validation runs), and a ConnectionError
   * (exit 3) when Encord cannot be reached.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const prepared = await this.#prepare(options, true)
    try {
      return await prepared.run(options)
    } finally {
      await prepared.close()
    }
  }

  #projectHash(explicit?: string): string {
    const hash = explicit ?? this.#options.projectHash ?? process.env.ENCORD_PROJECT_HASH
    if (hash === undefined || hash.trim() === '') {
      throw fail('ProjectHashMissing.runner')
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

const UUID_REF = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Same stage reference as written: equal titles, or equal UUIDs in any case. */
function sameRef(a: string, b: string): boolean {
  return a === b || (UUID_REF.test(a) && a.toLowerCase() === b.toLowerCase())
}
