import { open, rename, unlink } from 'node:fs/promises'
import type { EmulatorState } from './state.js'

/** Fixtures with more tasks than this are written compact (no indentation) to keep writes fast. */
export const PRETTY_PRINT_MAX_TASKS = 20_000

export interface StateWriterOptions {
  /** Wait this long after a change before writing, to batch changes. @default 100 */
  debounceMs?: number
  /** Called when a write fails (the state stays in memory; the next change retries). */
  onError?: (error: Error) => void
}

/**
 * Writes the state back to the fixture file, atomically (temporary file, fsync, rename: a crash
 * leaves either the old or the new file, never a torn one). Writes are serialised and debounced:
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
    const fixture = this.#state.toFixture()
    const tasks = fixture.projects.reduce((n, p) => n + p.tasks.length, 0)
    const text = JSON.stringify(fixture, null, tasks > PRETTY_PRINT_MAX_TASKS ? undefined : 2) + '\n'
    const tmp = `${this.#file}.${process.pid}.${Date.now()}.tmp`
    try {
      const handle = await open(tmp, 'w')
      try {
        await handle.writeFile(text, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, this.#file)
      this.#writtenRevision = revision
      this.writes++
      this.lastError = null
    } catch (error) {
      this.lastError = error as Error
      await unlink(tmp).catch(() => {})
      this.#onError(error as Error)
    } finally {
      this.#lastDurationMs = performance.now() - started
    }
  }
}
