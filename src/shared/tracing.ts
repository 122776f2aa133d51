/**
 * OpenTelemetry spans, when the user has configured an OpenTelemetry SDK; a plain call otherwise.
 *
 * `@opentelemetry/api` is an optional peer dependency: it is looked for once per run (`setUpTracing`),
 * and only a registered tracer provider (the Node SDK started from the `OTEL_*` environment, or one the
 * user registered in code) turns spans on. Without one, `withSpan` is a single branch and a direct call:
 * no span objects, no context switches (the bench's engine-overhead scenario checks this).
 */
import type { Attributes, Context, Span, SpanKind, Tracer } from '@opentelemetry/api'

type OtelApi = typeof import('@opentelemetry/api')

const TRACER_NAME = 'encord-agents'

let api: OtelApi | undefined
let tracer: Tracer | undefined
let looked = false

/**
 * Turns spans on when an OpenTelemetry SDK is registered, off otherwise; returns which. Called at the
 * start of each run, so a provider registered after `import 'encord-agents'` is still found.
 */
export async function setUpTracing(): Promise<boolean> {
  // Nothing registered a tracer provider (the API keeps it on this global): tracing stays off, and the
  // API is not even loaded.
  if (!looked && !providerRegistered()) {
    tracer = undefined
    return false
  }
  if (!looked) {
    looked = true
    try {
      api = await import('@opentelemetry/api')
    } catch {
      api = undefined // not installed: tracing stays off
    }
  }
  tracer = api === undefined ? undefined : registeredTracer(api)
  return tracer !== undefined
}

/** Whether any copy of `@opentelemetry/api` 1.x registered a global tracer provider in this process. */
export function providerRegistered(): boolean {
  const globals = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[Symbol.for('opentelemetry.js.api.1')]
  return globals?.trace !== undefined
}

/** The tracer of a registered provider, or undefined when only the API's no-op one is there. */
function registeredTracer(otel: OtelApi): Tracer | undefined {
  const provider = otel.trace.getTracerProvider()
  if (provider instanceof otel.ProxyTracerProvider) return provider.getDelegateTracer(TRACER_NAME)
  return provider.getTracer(TRACER_NAME)
}

/** Whether spans are being made (for callers that would build costly attributes). */
export function tracingEnabled(): boolean {
  return tracer !== undefined
}

export interface SpanOptions {
  attributes?: Attributes
  /** `client` for calls to Encord; internal otherwise. */
  kind?: 'internal' | 'client'
}

/**
 * Runs `fn` inside a span named `name` (a child of the active span), ending it when `fn` settles and
 * recording a thrown error on it. With tracing off: `fn()`.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (tracer === undefined || api === undefined) return fn()
  const otel = api
  const kind: SpanKind = options.kind === 'client' ? otel.SpanKind.CLIENT : otel.SpanKind.INTERNAL
  return tracer.startActiveSpan(name, { kind, attributes: options.attributes }, async (span) => {
    try {
      return await fn(span)
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({
        code: otel.SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      })
      throw error
    } finally {
      span.end()
    }
  })
}

/** Marks a span failed without an exception (a task that failed after its retries is returned, not thrown). */
export function setSpanError(span: Span | undefined, message: string): void {
  if (span === undefined || api === undefined) return
  span.setStatus({ code: api.SpanStatusCode.ERROR, message })
}

/** The active trace context (to run later work under the span active now), or undefined with tracing off. */
export function activeTraceContext(): Context | undefined {
  return tracer === undefined || api === undefined ? undefined : api.context.active()
}

/** Runs `fn` with `context` active (from {@link activeTraceContext}); a plain call when it is undefined. */
export function inTraceContext<T>(context: Context | undefined, fn: () => T): T {
  if (context === undefined || api === undefined) return fn()
  return api.context.with(context, fn)
}

/**
 * A span around an async iteration, from the first `next()` until the source is done (or its consumer
 * stops): whatever the source does to produce its items (requests) is a child of it. `itemsAttribute`
 * counts the items (`weigh` says how many each one stands for: a page counts its tasks). With tracing
 * off: the source itself.
 */
export function traceIterable<T>(
  name: string,
  options: SpanOptions & { itemsAttribute?: string; weigh?: (item: T) => number },
  source: AsyncIterable<T>,
): AsyncIterable<T> {
  if (tracer === undefined || api === undefined) return source
  const otel = api
  const spans = tracer
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const span = spans.startSpan(name, { kind: otel.SpanKind.INTERNAL, attributes: options.attributes })
      const context = otel.trace.setSpan(otel.context.active(), span)
      const iterator = otel.context.with(context, () => source[Symbol.asyncIterator]())
      let items = 0
      let ended = false
      const end = (error?: unknown): void => {
        if (ended) return
        ended = true
        if (options.itemsAttribute !== undefined) span.setAttribute(options.itemsAttribute, items)
        if (error !== undefined) {
          span.recordException(error instanceof Error ? error : String(error))
          span.setStatus({
            code: otel.SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          })
        }
        span.end()
      }
      return {
        next: async () => {
          try {
            const next = await otel.context.with(context, () => iterator.next())
            if (next.done === true) end()
            else items += options.weigh === undefined ? 1 : options.weigh(next.value)
            return next
          } catch (error) {
            end(error)
            throw error
          }
        },
        return: async (value?: unknown) => {
          try {
            return (await otel.context.with(context, () => iterator.return?.(value))) ?? { done: true, value }
          } finally {
            end()
          }
        },
      }
    },
  }
}

/** For tests: forget what was found, so the next `setUpTracing` looks again. */
export function resetTracingForTests(): void {
  looked = false
  api = undefined
  tracer = undefined
}
