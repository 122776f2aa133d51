import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format'

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
 * `/healthz` before SIGTERM, then polled every 2 ms after it until it answers 503 or the server closes:
 * what an orchestrator's readiness probe sees while the process drains.
 */
export async function healthThroughShutdown(
  url: string,
  child: { kill(signal: NodeJS.Signals): unknown },
): Promise<{ healthBefore: number; healthAfter: number[] }> {
  const healthBefore = (await fetch(`${url}/healthz`)).status
  const healthAfter: number[] = []
  child.kill('SIGTERM')
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
