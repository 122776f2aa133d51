/** Async stream helpers of the task listing: batching, a hard cap, and reading ahead of the consumer. */

/**
 * Group an async stream of tasks into batches, taking exactly `max` tasks at most: the listing is not
 * read past the last task needed, so `maxTasksPerStage` never overshoots.
 */
export async function* batchesOf<T>(source: AsyncIterable<T>, size: number, max = Infinity): AsyncGenerator<T[]> {
  if (max <= 0) return
  let batch: T[] = []
  let taken = 0
  for await (const item of source) {
    batch.push(item)
    taken++
    if (taken >= max) break
    if (batch.length >= size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

/** The first `max` items of a stream; the source is not read past them. */
export async function* take<T>(source: AsyncIterable<T>, max = Infinity): AsyncGenerator<T> {
  if (max <= 0) return
  let taken = 0
  for await (const item of source) {
    yield item
    if (++taken >= max) return
  }
}

/**
 * Read a stream ahead of its consumer, keeping up to `max` items buffered: the next listing pages
 * are fetched while earlier tasks are being processed, so their round trips are hidden. Stops
 * reading (and closes the source) when the consumer stops.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  const buffer: T[] = []
  let done = false
  let failure: { error: unknown } | undefined
  let stopped = false
  let wakeConsumer: (() => void) | undefined
  let wakeProducer: (() => void) | undefined
  const pump = (async () => {
    try {
      while (!stopped) {
        if (buffer.length >= max) {
          await new Promise<void>((resolve) => (wakeProducer = resolve))
          continue
        }
        const next = await iterator.next()
        if (next.done === true) break
        buffer.push(next.value)
        wakeConsumer?.()
      }
    } catch (error) {
      failure = { error }
    } finally {
      done = true
      wakeConsumer?.()
    }
  })()
  try {
    for (;;) {
      if (buffer.length > 0) {
        const item = buffer.shift() as T
        wakeProducer?.()
        yield item
        continue
      }
      if (failure !== undefined) throw failure.error
      if (done) return
      await new Promise<void>((resolve) => (wakeConsumer = resolve))
    }
  } finally {
    stopped = true
    wakeProducer?.()
    await pump
    if (failure === undefined) await iterator.return?.()
  }
}
