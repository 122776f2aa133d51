/**
 * Process exit codes. These are public API: scripts and CI depend on them.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | everything done |
 * | 1 | the run finished but some tasks failed (the summary is still printed) |
 * | 2 | configuration, usage or validation error: nothing was moved |
 * | 3 | authentication or connection failure (after retries) |
 * | 10 | a bug in encord-agents (please report it) |
 * | 130 | interrupted (SIGINT): pending work was flushed, the summary printed |
 */
export const ExitCode = {
  Ok: 0,
  TasksFailed: 1,
  Config: 2,
  Connection: 3,
  Bug: 10,
  Interrupted: 130,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
