import { fail } from '../shared/error-catalogue/index.js'
import type { EncordApi, Pathway, Project, Stage } from '../encord/types.js'
import { RunScope } from '../core/deps/resolver.js'
import { MemoryEffectJournal, type EffectJournal } from '../core/journal.js'
import type { RunEvent } from '../core/runner/events.js'
import { makeLogger } from '../core/runner/pipeline.js'
import { Runner, type RunnerOptions } from '../core/runner/runner.js'
import { findStage, type ResolvedBinding } from '../core/runner/validate.js'
import type { RunSettings } from '../core/types.js'
import { completionResult, StageExecutor, type TaskReport, type WorkItem } from './executor.js'
import { parseTaskSpec, serializeTaskSpec, taskSpecOf, type TaskCompletionResult, type TaskSpec } from './spec.js'

/** What `new QueueRunner(...)` takes. */
export interface QueueRunnerOptions extends Omit<RunnerOptions, 'projectHash'> {
  /** The project whose agent stages are served. Required: the wrapped handlers need it. */
  projectHash: string
  /**
   * Where decisions are recorded before their effects, so a task delivered twice is not moved or
   * saved twice. Share one across processes (the workers use Redis).
   * @default an in-memory journal (protects redelivery within this process)
   */
  journal?: EffectJournal | ((stage: Stage) => EffectJournal)
  /** Progress events (flushes, log lines). */
  onEvent?: (event: RunEvent) => void
  /** First delay between retries of a failing request. @default 1000 */
  retryDelayMs?: number
  /** Longest delay between retries. @default 30000 */
  maxRetryDelayMs?: number
}

/** Options of one call of a wrapped handler. */
export interface WrappedCallOptions {
  /** 0 on the first delivery, 1, 2... on redeliveries (passed to the handler as `attempt`). @default 0 */
  attempt?: number
  /**
   * No retry follows: a failing handler fails the task for good, and the agent's `onFailure` pathway
   * applies. Pass false when your queue will deliver the message again, so a transient failure does
   * not send the task down `onFailure`. @default true
   */
  finalAttempt?: boolean
}

/**
 * A stage's wrapped handler: takes a task spec JSON string (or a list of them, decided and applied
 * together), returns the completion result JSON (a list for a list). Task-level problems (the handler
 * threw, the task is gone) are results with `success: false`; it throws only for what is not about
 * one task: an invalid spec, validation, authentication or connection failures.
 */
export type WrappedHandler = {
  (taskSpec: string, options?: WrappedCallOptions): Promise<string>
  (taskSpecs: string[], options?: WrappedCallOptions): Promise<string>
}

/** An agent stage with its pending tasks and its wrapped handler. */
export interface QueueAgentStage {
  uuid: string
  title: string
  pathways: Pathway[]
  /** The stage's pending tasks as task spec JSON strings (Python's `AgentTaskConfig`), page by page. */
  tasks(): AsyncGenerator<string>
  /** The stage's pending tasks as specs. */
  taskSpecs(): AsyncGenerator<TaskSpec>
  /** The wrapped handler of the agent bound to this stage. */
  handle: WrappedHandler
}

interface Context {
  client: EncordApi
  project: Project
  settings: RunSettings
  bindings: readonly ResolvedBinding[]
  runScope: RunScope
  executors: Map<string, StageExecutor>
  close: () => Promise<void>
}

/**
 * The queue-agnostic runner (Python's `QueueRunner`): bind agents to stages as with {@link Runner},
 * put the pending tasks of `agentStages()` on any queue (SQS, Pub/Sub, a Celery-compatible broker),
 * and call the stage's wrapped handler with each message where the queue delivers it. Each call
 * re-fetches the live task, resolves the agent's dependencies, calls the handler, and applies its
 * decision (labels saved, priority set, task moved) exactly once thanks to the effect journal.
 *
 * For a ready-made queue, `encord-agents enqueue` and `encord-agents worker` do the same on BullMQ.
 *
 * @example
 * ```ts
 * const runner = new QueueRunner({ projectHash })
 * runner.stage('Agent 1', defineAgent({ handler: ({ task }) => 'complete' }))
 * // producer
 * for await (const stage of runner.agentStages()) for await (const spec of stage.tasks()) await queue.send(spec)
 * // consumer
 * const handle = runner.handler('Agent 1')
 * const resultJson = await handle(message.body)   // {"task_uuid":…,"stage_uuid":…,"success":true,"pathway":…,"error":null}
 * await runner.close()
 * ```
 */
export class QueueRunner extends Runner {
  readonly projectHash: string
  readonly #options: QueueRunnerOptions
  #context: Promise<Context> | undefined

  constructor(options: QueueRunnerOptions) {
    if (
      options === null ||
      typeof options !== 'object' ||
      typeof options.projectHash !== 'string' ||
      options.projectHash.trim() === ''
    ) {
      throw fail('ProjectHashMissing.queueRunner')
    }
    super({ ...options, projectHash: options.projectHash.trim() })
    this.projectHash = options.projectHash.trim()
    this.#options = options
  }

  /**
   * The agent stages that have an agent, in declaration order, each with its pending tasks and its
   * wrapped handler. Validates the agents against the project first (a UserError listing every issue).
   */
  async *agentStages(): AsyncGenerator<QueueAgentStage> {
    const ctx = await this.#connect()
    for (const binding of ctx.bindings) {
      const stage = binding.stage
      const taskSpecs = async function* (): AsyncGenerator<TaskSpec> {
        for await (const task of ctx.client.listTasks(ctx.project.projectHash, stage.uuid)) yield taskSpecOf(task)
      }
      yield {
        uuid: stage.uuid,
        title: stage.title,
        pathways: stage.pathways,
        taskSpecs,
        tasks: async function* () {
          for await (const spec of taskSpecs()) yield serializeTaskSpec(spec)
        },
        handle: this.handler(stage.uuid),
      }
    }
  }

  /**
   * The wrapped handler of the agent bound to `stage` (its title or UUID, as bound). The project is
   * fetched and the agents validated on the first call.
   */
  handler(stage: string): WrappedHandler {
    const wrapped = async (input: string | string[], options: WrappedCallOptions = {}): Promise<string> => {
      const list = Array.isArray(input)
      const specs = (list ? input : [input]).map((s) => parseTaskSpec(s))
      const reports = await this.handleSpecs(stage, specs, options)
      const results = reports.map(completionResult)
      return JSON.stringify(list ? results : results[0])
    }
    return wrapped
  }

  /**
   * Decide and apply tasks of a stage from parsed specs: the reports in full (status, pathway name,
   * whether the decision was replayed from the journal). The wrapped handler is this plus JSON.
   */
  async handleSpecs(stage: string, specs: TaskSpec[], options: WrappedCallOptions = {}): Promise<TaskReport[]> {
    const ctx = await this.#connect()
    const executor = this.#executor(ctx, stage)
    const items: WorkItem[] = specs.map((spec) => ({
      spec,
      attempt: options.attempt ?? 0,
      finalAttempt: options.finalAttempt ?? true,
    }))
    const reports = await executor.process(items)
    const journal = this.#journalOf(executor.stage)
    await Promise.all(reports.filter((r) => r.settled).map((r) => journal.forget(r.taskUuid)))
    return reports
  }

  /** Close the client made by the runner and dispose run-scoped dependencies. Idempotent. */
  async close(): Promise<void> {
    const context = this.#context
    this.#context = undefined
    if (context === undefined) return
    try {
      await (await context).close()
    } catch {
      // Connecting failed: nothing to close.
    }
  }

  readonly #journals = new Map<string, EffectJournal>()

  #journalOf(stage: Stage): EffectJournal {
    let journal = this.#journals.get(stage.uuid)
    if (journal === undefined) {
      const option = this.#options.journal
      journal = typeof option === 'function' ? option(stage) : (option ?? new MemoryEffectJournal())
      this.#journals.set(stage.uuid, journal)
    }
    return journal
  }

  #executor(ctx: Context, ref: string): StageExecutor {
    const stage = findStage(ctx.project, ref)
    const binding = stage === undefined ? undefined : ctx.bindings.find((b) => b.stage.uuid === stage.uuid)
    if (binding === undefined) {
      const bound = ctx.bindings.map((b) => `"${b.stage.title}" (${b.stage.uuid})`).join(', ')
      throw fail('StageNotBound', { ref, bound })
    }
    let executor = ctx.executors.get(binding.stage.uuid)
    if (executor === undefined) {
      const emit = this.#options.onEvent ?? (() => undefined)
      executor = new StageExecutor({
        client: ctx.client,
        project: ctx.project,
        binding,
        runScope: ctx.runScope,
        journal: this.#journalOf(binding.stage),
        requestRetries: ctx.settings.numRetries,
        retryDelayMs: this.#options.retryDelayMs,
        maxRetryDelayMs: this.#options.maxRetryDelayMs,
        taskTimeout: ctx.settings.taskTimeout,
        // Unset, a list given to a wrapped handler is decided all at once (not one by one, the default of `run`).
        concurrency: this.#options.settings?.concurrency,
        emit,
        logger: makeLogger(emit, this.#options.onEvent === undefined),
      })
      ctx.executors.set(binding.stage.uuid, executor)
    }
    return executor
  }

  #connect(): Promise<Context> {
    this.#context ??= this.#open()
    const context = this.#context
    // A failed connection is not cached: the next call tries again.
    context.catch(() => {
      if (this.#context === context) this.#context = undefined
    })
    return context
  }

  /** The run pipeline up to running: settings resolved, the project fetched and the agents validated, once. */
  async #open(): Promise<Context> {
    const prepared = await this.prepare({
      retryDelayMs: this.#options.retryDelayMs,
      maxRetryDelayMs: this.#options.maxRetryDelayMs,
    })
    const emit = this.#options.onEvent ?? (() => undefined)
    const { client, project } = prepared
    const runScope = new RunScope(
      { project, client, dryRun: false, log: makeLogger(emit, this.#options.onEvent === undefined)() },
      new AbortController().signal,
    )
    return {
      client,
      project,
      settings: prepared.settings,
      bindings: prepared.bindings,
      runScope,
      executors: new Map(),
      close: async () => {
        await runScope.dispose()
        await prepared.close()
      },
    }
  }
}

export type { TaskCompletionResult, TaskSpec }
