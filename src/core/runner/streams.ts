/**
 * Async stream helpers of the task listing: a hard cap, reading ahead of the consumer, and regrouping
 * into windows.
 *
 * They move whole pages (arrays), not single tasks: each step of an async generator costs promises and
 * microtasks (and, once it is hot, an optimising compile on a background thread), and the listing went
 * through five of them per task. A page of 100 tasks now takes one step through each instead of 100;
 * the engine's thread is free sooner for the replies it is waiting for (issue 21).
 */

/**
 * Regroup a stream of pages into windows of `size` items (the last one shorter). A window is handed
 * out as soon as it is full: the source is not read past the page that fills it.
 */
export async function* windowsOf<T>(pages: AsyncIterable<readonly T[]>, size: number): AsyncGenerator<T[]> {
  let window: T[] = []
  for await (const page of pages) {
    let from = 0
    while (from < page.length) {
      const to = Math.min(page.length, from + size - window.length)
      for (let i = from; i < to; i++) window.push(page[i])
      from = to
      if (window.length >= size) {
        yield window
        window = []
      }
    }
  }
  if (window.length > 0) yield window
}

/**
 * The first `max` items of a stream of pages (the last page cut short); the source is not read past
 * the page that holds the last one.
 */
export async function* takeItems<T>(pages: AsyncIterable<readonly T[]>, max = Infinity): AsyncGenerator<readonly T[]> {
  if (max <= 0) return
  let left = max
  for await (const page of pages) {
    if (page.length >= left) {
      yield page.length === left ? page : page.slice(0, left)
      return
    }
    left -= page.length
    yield page
  }
}

/**
 * Read a stream of pages ahead of its consumer while fewer than `max` items are buffered: the next
 * listing pages are fetched while earlier tasks are being processed, so their round trips are hidden.
 * Stops reading (and closes the source) when the consumer stops.
 */
export async function* readAhead<T>(source: AsyncIterable<readonly T[]>, max: number): AsyncGenerator<readonly T[]> {
  const iterator = source[Symbol.asyncIterator]()
  const buffer: Array<readonly T[]> = []
  let buffered = 0
  let done = false
  let failure: { error: unknown } | undefined
  let stopped = false
  let wakeConsumer: (() => void) | undefined
  let wakeProducer: (() => void) | undefined
  const pump = (async () => {
    try {
      while (!stopped) {
        if (buffered >= max) {
          await new Promise<void>((resolve) => (wakeProducer = resolve))
          continue
        }
        const next = await iterator.next()
        if (next.done === true) break
        buffer.push(next.value)
        buffered += next.value.length
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
      const page = buffer.shift()
      if (page !== undefined) {
        buffered -= page.length
        wakeProducer?.()
        yield page
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
