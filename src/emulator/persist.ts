import { writeFixtureFile } from './fixture-write.js'
import type { EmulatorState } from './state.js'

export interface StateWriterOptions {
  /** Wait this long after a change before writing, to batch changes. @default 100 */
  debounceMs?: number
  /** Called when a write fails (the state stays in memory; the next change retries). */
  onError?: (error: Error) => void
}

/**
 * Writes the state back to the fixture file, atomically (see `writeFixtureFile`: temporary file,
 * fsync, rename; a crash leaves either the old or the new file, never a torn one). Writes are serialised and debounced:
 * changes during a write cause one more write afterwards, so no update is lost, and a busy emulator
 * writes at most about once per `max(debounceMs, 2 × last write time)`.
 */
export class StateWriter {
  readonly #state: EmulatorState
  readonly #file: string
  readonly #debounceMs: number
  readonly #onError: (error: Error) => void
  #timer: NodeJS.Timeout | null = null
  #writing: Promise<void> | null = null
  #writtenRevision: number
  #lastDurationMs = 0
  /** Completed writes (for tests and stats). */
  writes = 0
  lastError: Error | null = null

  constructor(state: EmulatorState, file: string, options: StateWriterOptions = {}) {
    this.#state = state
    this.#file = file
    this.#debounceMs = options.debounceMs ?? 100
    this.#onError = options.onError ?? (() => {})
    this.#writtenRevision = state.revision
  }

  get dirty(): boolean {
    return this.#state.revision !== this.#writtenRevision
  }

  /** Note a change: a write will follow. */
  schedule(): void {
    if (this.#timer || this.#writing) return
    const delay = Math.max(this.#debounceMs, 2 * this.#lastDurationMs)
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.#run()
    }, delay)
    this.#timer.unref()
  }

  /** Write now if anything changed, and wait for every pending write. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    while (this.#writing) await this.#writing
    if (this.dirty) await this.#run()
  }

  async #run(): Promise<void> {
    if (this.#writing) return this.#writing
    this.#writing = this.#write().finally(() => {
      this.#writing = null
      if (this.dirty && !this.lastError) this.schedule()
    })
    return this.#writing
  }

  async #write(): Promise<void> {
    const started = performance.now()
    const revision = this.#state.revision
    try {
      // A snapshot: later mutations do not reach it while it is written in pieces.
      await writeFixtureFile(this.#file, this.#state.toFixture())
      this.#writtenRevision = revision
      this.writes++
      this.lastError = null
    } catch (error) {
      this.lastError = error as Error
      this.#onError(error as Error)
    } finally {
      this.#lastDurationMs = performance.now() - started
    }
  }
}
