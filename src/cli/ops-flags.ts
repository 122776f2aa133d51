/**
 * The operations flags of the long-running commands: `--log-format` (run, worker, enqueue) and
 * `--metrics-port`/`--metrics-host` (worker, and run with --refresh-every). See docs/operations.md.
 */
import { Flags } from '@oclif/core'
import type { ObservabilityOptions } from '../observability/index.js'

export const logFormatFlags = {
  'log-format': Flags.option({
    options: ['pretty', 'json'] as const,
    summary:
      'pretty: progress and tables for people; json: one JSON object per line on stderr for log pipelines (no progress view).',
    env: 'ENCORD_AGENTS_LOG_FORMAT',
    default: 'pretty',
    helpValue: 'FORMAT',
  })(),
}

export const metricsFlags = {
  'metrics-port': Flags.integer({
    summary:
      'Serve Prometheus metrics at /metrics and a health check at /healthz on this port (0: any free port, printed).',
    env: 'ENCORD_AGENTS_METRICS_PORT',
    min: 0,
    max: 65535,
    helpValue: 'PORT',
  }),
  'metrics-host': Flags.string({
    summary: 'The address /metrics and /healthz listen on (0.0.0.0 in a container, for the scraper and probes).',
    env: 'ENCORD_AGENTS_METRICS_HOST',
    default: '127.0.0.1',
    helpValue: 'HOST',
  }),
}

/** The observability part of a command's parsed flags. */
export function observabilityOptions(
  flags: { 'log-format'?: 'pretty' | 'json'; 'metrics-port'?: number; 'metrics-host'?: string },
  context: { command: string; verbose: boolean },
): ObservabilityOptions {
  return {
    logFormat: flags['log-format'] ?? 'pretty',
    verbose: context.verbose,
    command: context.command,
    metrics:
      flags['metrics-port'] === undefined
        ? undefined
        : { host: flags['metrics-host'] ?? '127.0.0.1', port: flags['metrics-port'] },
  }
}
