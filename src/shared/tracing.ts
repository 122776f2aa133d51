/**
 * OpenTelemetry spans, when the user has configured an OpenTelemetry SDK; a plain call otherwise.
 *
 * `@opentelemetry/api` is an optional peer dependency: it is looked for once per run (`setUpTracing`),
 * and only a registered tracer provider (the Node SDK started from the `OTEL_*` environment, or one the
 * user registered in code) turns spans on. Without one, `withSpan` is a single branch and a direct call:
 * no span objects, no context switches (the bench's engine-overhead scenario checks this).
 */
import type { Attributes, Span, SpanKind, Tracer } from '@opentelemetry/api'

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

/** For tests: forget what was found, so the next `setUpTracing` looks again. */
export function resetTracingForTests(): void {
  looked = false
  api = undefined
  tracer = undefined
}
