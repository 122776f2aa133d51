/**
 * Buffers a reply sent in pieces (`JsonPieces`: the wire cache's bulk replies) is joined into, reused
 * from one reply to the next. A bulk reply is a few hundred KB, and a freshly allocated buffer that
 * size costs more in page faults (each 4 KiB page touched for the first time) than the copy into it;
 * one kept from an earlier reply is already mapped. Writing the pieces one by one instead (no copy at
 * all) costs more again: the stream and HTTP layers' work per piece, hundreds of pieces a reply.
 *
 * A buffer is taken for one reply and given back once the reply's last byte is with the OS (its
 * response's 'finish'); a reply that never finishes (the client went away) keeps its buffer, and the
 * garbage collector frees it. At most `MAX_FREE` buffers of at most `MAX_KEPT_BYTES` each are kept.
 */

const MAX_FREE = 8
const MAX_KEPT_BYTES = 8 * 1024 * 1024
/** New buffers are rounded up to this, so one serves the next reply of about the same size. */
const GRAIN = 64 * 1024

export class ReplyBuffers {
  readonly #free: Buffer[] = []
  /** Buffers allocated (not reused): for specs and stats. */
  allocated = 0

  /** Free buffers kept now. */
  get free(): number {
    return this.#free.length
  }

  /**
   * The pieces joined into a buffer of this pool: `bytes` (the joined pieces) is a view of `buffer`,
   * which goes back with `release` once `bytes` is no longer read.
   */
  join(pieces: readonly Buffer[]): { buffer: Buffer; bytes: Buffer } {
    let size = 0
    for (const piece of pieces) size += piece.length
    const buffer = this.#take(size)
    let at = 0
    for (const piece of pieces) {
      // A one-byte piece (a comma between rows) is stored, not copied: a call less per row.
      if (piece.length === 1) buffer[at] = piece[0]
      else buffer.set(piece, at)
      at += piece.length
    }
    return { buffer, bytes: buffer.subarray(0, size) }
  }

  release(buffer: Buffer): void {
    if (buffer.length > MAX_KEPT_BYTES) return
    if (this.#free.length < MAX_FREE) {
      this.#free.push(buffer)
      return
    }
    // Full: keep the larger buffers (they serve any reply a smaller one would).
    let smallest = 0
    for (let i = 1; i < this.#free.length; i++) if (this.#free[i].length < this.#free[smallest].length) smallest = i
    if (this.#free[smallest].length < buffer.length) this.#free[smallest] = buffer
  }

  /** The smallest free buffer that fits, else a new one. */
  #take(size: number): Buffer {
    let best = -1
    for (let i = 0; i < this.#free.length; i++) {
      const length = this.#free[i].length
      if (length >= size && (best === -1 || length < this.#free[best].length)) best = i
    }
    if (best !== -1) return this.#free.splice(best, 1)[0]
    this.allocated++
    return Buffer.allocUnsafeSlow(Math.max(GRAIN, Math.ceil(size / GRAIN) * GRAIN))
  }
}
