/**
 * The tasks of one stage in task-uuid order, built for keyset pagination while tasks come and go.
 *
 * Listing is "live uuids greater than the cursor, in order". Removals only drop the uuid from `live`
 * (O(1)); the sorted array keeps the dead entry until a compaction, so a run that drains a stage of
 * 100,000 tasks never pays an O(n) splice per proceed. Additions are buffered and merged in on the next
 * listing.
 */
export class StageIndex {
  readonly live = new Set<string>()
  #sorted: string[] = []
  #inSorted = new Set<string>()
  #pending: string[] = []

  get size(): number {
    return this.live.size
  }

  has(uuid: string): boolean {
    return this.live.has(uuid)
  }

  add(uuid: string): void {
    if (this.live.has(uuid)) return
    this.live.add(uuid)
    if (!this.#inSorted.has(uuid)) {
      this.#inSorted.add(uuid)
      this.#pending.push(uuid)
    }
  }

  remove(uuid: string): void {
    this.live.delete(uuid)
  }

  /** Live uuids strictly greater than `cursor` (all when undefined), in ascending order. */
  *after(cursor?: string): Generator<string> {
    this.#settle()
    const sorted = this.#sorted
    let i = cursor === undefined ? 0 : upperBound(sorted, cursor)
    for (; i < sorted.length; i++) {
      const uuid = sorted[i]
      if (this.live.has(uuid)) yield uuid
    }
  }

  #settle(): void {
    if (this.#pending.length > 0) {
      const pending = this.#pending.sort()
      this.#pending = []
      this.#sorted = merge(this.#sorted, pending)
    }
    const dead = this.#sorted.length - this.live.size
    if (dead > 1024 && dead > this.live.size) {
      this.#sorted = this.#sorted.filter((u) => this.live.has(u))
      this.#inSorted = new Set(this.#sorted)
    }
  }
}

/** Index of the first element > key. */
function upperBound(sorted: readonly string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] <= key) lo = mid + 1
    else hi = mid
  }
  return lo
}

function merge(a: readonly string[], b: readonly string[]): string[] {
  if (a.length === 0) return b.slice()
  const out = new Array<string>(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++]
  while (i < a.length) out[k++] = a[i++]
  while (j < b.length) out[k++] = b[j++]
  return out
}
