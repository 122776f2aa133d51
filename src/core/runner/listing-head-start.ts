import type { AgentTask, Stage, Workflow } from '../../encord/types.js'

interface Started {
  stageUuid: string
  iterator: AsyncIterator<AgentTask[]>
  /** The first page, asked for when the listing started. */
  first: Promise<IteratorResult<AgentTask[]>>
}

/**
 * The first stage's task listing, started as soon as the project's workflow is known instead of after
 * its ontology and the validation (issue 21): the listing is the bound of runs without handler work,
 * one round trip per page, and its first page then costs no round trip of its own. Listing is
 * read-only: when validation fails the pages asked for are dropped and nothing else happened. Not used
 * when an OpenTelemetry SDK is registered (the requests belong in the stage's listing span).
 *
 * `begin` starts the listing (the project's `onWorkflow`); the stage's pass takes it once (`take`);
 * one nobody took is closed by `cancel` (a failed validation, a run stopped before the stage, close).
 */
export class ListingHeadStart {
  #started: Started | undefined
  #closed = false

  /**
   * @param firstStage the stage the run starts with, when the workflow shows nothing wrong with the
   *   bindings (`firstStageToRun`): nothing is listed for a run the workflow already refuses
   * @param list the stage's listing as the run reads it (`listStagePages`)
   */
  constructor(
    readonly firstStage: (workflow: Workflow) => Stage | undefined,
    readonly list: (stageUuid: string) => AsyncIterable<AgentTask[]>,
  ) {}

  /** Start listing the stage the run starts with (if the workflow gives one). */
  begin(workflow: Workflow): void {
    if (this.#closed || this.#started !== undefined) return
    const stage = this.firstStage(workflow)
    if (stage === undefined) return
    const iterator = this.list(stage.uuid)[Symbol.asyncIterator]()
    const first = iterator.next()
    // Read by the stage's pass; a listing nobody takes must not be an unhandled rejection.
    first.catch(() => undefined)
    this.#started = { stageUuid: stage.uuid, iterator, first }
  }

  /** The listing started for this stage, once (its first page already asked for), or undefined. */
  take(stageUuid: string): AsyncIterable<AgentTask[]> | undefined {
    const started = this.#started
    if (started === undefined || started.stageUuid !== stageUuid) return undefined
    this.#started = undefined
    let first: Promise<IteratorResult<AgentTask[]>> | undefined = started.first
    const iterator: AsyncIterator<AgentTask[]> = {
      next: () => {
        const page = first ?? started.iterator.next()
        first = undefined
        return page
      },
      return: async () => {
        first = undefined
        return (await started.iterator.return?.()) ?? { done: true, value: undefined }
      },
    }
    return { [Symbol.asyncIterator]: () => iterator }
  }

  /** Close a listing nobody took (once its first page is in: an async generator finishes one step at a time). */
  cancel(): void {
    this.#closed = true
    const started = this.#started
    this.#started = undefined
    if (started === undefined) return
    const close = (): void => void started.iterator.return?.().catch(() => undefined)
    started.first.then(close, close)
  }
}
