import { expect } from 'vitest'
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format'
import { waitFor } from './wait-for.js'

/** The exposition parsed by a Prometheus text-format parser (throws on text it cannot read). */
export function parseMetrics(text: string): PrometheusFamily[] {
  return parsePrometheusTextFormat(text)
}

/** A counter's or gauge's value for the labels (undefined when no such series). */
export function sampleValue(
  families: PrometheusFamily[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const family = families.find((f) => f.name === name)
  const metric = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  return metric?.value === undefined ? undefined : Number(metric.value)
}

/** The sum of a counter's series whose labels include these. */
export function sampleSum(families: PrometheusFamily[], name: string, labels: Record<string, string>): number {
  const family = families.find((f) => f.name === name)
  return (family?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0)
}

/**
 * A histogram's `_count` for the labels, read from the text: the parser keeps a labelled histogram's
 * buckets but drops its labels and count.
 */
export function histogramCount(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}_count{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

/**
 * `/healthz` before SIGTERM, then what an orchestrator's readiness probe sees while the process drains:
 * polled every 2 ms from the moment the process says it is stopping (`stopping()`: it turns `/healthz`
 * to 503 just before it says so) until it answers 503 or its server has closed. Polls start there, not
 * at the kill: a probe answered before the signal is handled may rightly get 200. With nothing left to
 * drain the server may close before the first poll; the 503 itself is specified without that race in
 * test/ops/observability.test.ts.
 */
export async function healthThroughShutdown(
  url: string,
  child: { kill(signal: NodeJS.Signals): unknown },
  stopping: () => boolean,
): Promise<{ healthBefore: number; healthAfter: number[] }> {
  const healthBefore = (await fetch(`${url}/healthz`)).status
  const healthAfter: number[] = []
  child.kill('SIGTERM')
  await waitFor(stopping, { timeoutMs: 20_000, everyMs: 2, what: 'the process to say it is stopping' })
  for (let i = 0; i < 400; i++) {
    try {
      healthAfter.push((await fetch(`${url}/healthz`)).status)
    } catch {
      break // the server closed with the process
    }
    if (healthAfter.at(-1) === 503) break
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  return { healthBefore, healthAfter }
}

/** `encord_agents_tasks_total` of a stage by outcome (0 when the series is absent). */
export function taskCount(families: PrometheusFamily[], stage: string, outcome: string): number {
  return sampleValue(families, 'encord_agents_tasks_total', { stage, outcome }) ?? 0
}

/**
 * What a scrape taken as `run` or `worker` is stopped must show: ready (200) before SIGTERM, 503 (or
 * no server) once it says it is stopping, and task counters equal to the stage's summary in `--json`.
 * Returns the parsed families and the stage's counter by outcome, for the caller's own checks.
 */
export function expectScrapeMatchesStage(
  scraped: { text: string; healthBefore: number; healthAfter: number[] },
  stage: { title?: string; moved: Record<string, number>; stayed: number; failed: number },
): { families: PrometheusFamily[]; count: (outcome: string) => number } {
  expect(scraped.healthBefore).toBe(200)
  // Once it has said it is stopping, never "ready" again: 503 until its server closes.
  expect(scraped.healthAfter.filter((status) => status !== 503)).toEqual([])
  const families = parseMetrics(scraped.text)
  const count = (outcome: string) => taskCount(families, stage.title ?? 'Agent 1', outcome)
  expect(count('moved')).toBe(Object.values(stage.moved).reduce((a, b) => a + b, 0))
  expect(count('stayed')).toBe(stage.stayed)
  expect(count('failed')).toBe(stage.failed)
  return { families, count }
}
