import cliTruncate from 'cli-truncate'
import { createLogUpdate } from 'log-update'
import { redact } from './redact.js'

/**
 * Where run progress is written (stderr): a block of lines redrawn in place (a terminal), or plain
 * lines (a pipe, a log file, CI, a 0×0 terminal). `print` lines stay (logs, failures) and go above the
 * live block; `render` replaces the live block. Everything written is redacted.
 */
export interface ProgressOutput {
  /** Whether `render` draws anything (a live view). */
  readonly live: boolean
  print(line: string): void
  render(lines: string[]): void
  /** Leave the last block on screen and give the terminal back (cursor shown). */
  close(): void
}

/** Plain lines: `render` is ignored (the caller prints its own throttled lines). */
export class LineOutput implements ProgressOutput {
  readonly live = false
  constructor(private readonly stream: NodeJS.WritableStream) {}
  print(line: string): void {
    this.stream.write(redact(line) + '\n')
  }
  render(): void {}
  close(): void {}
}

/**
 * The live block, with log-update (what listr2 uses underneath) on the given stream: its own width and
 * height, so stdout being redirected changes nothing. Lines are cut to the terminal's width so each
 * stage keeps one row (a wrapped line would make the block jump).
 */
export class LiveOutput implements ProgressOutput {
  readonly live = true
  readonly #stream: NodeJS.WriteStream
  readonly #update: ReturnType<typeof createLogUpdate>
  #block = ''

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream
    this.#update = createLogUpdate(stream)
  }

  print(line: string): void {
    this.#update.clear()
    this.#stream.write(redact(line) + '\n')
    if (this.#block !== '') this.#update(this.#block)
  }

  render(lines: string[]): void {
    const width = Math.max(20, (this.#stream.columns ?? 80) - 1)
    this.#block = redact(
      lines.map((l) => cliTruncate(l, width, { position: 'end', truncationCharacter: '…' })).join('\n'),
    )
    this.#update(this.#block)
  }

  close(): void {
    this.#update.done()
  }
}
