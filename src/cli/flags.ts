import { Flags } from '@oclif/core'

/**
 * Flags shared by every command that talks to a project (`run`, `validate`, `list-stages`, ...).
 * Each main flag also reads an environment variable (STYLE C1), so CI can set them once.
 */
export const projectFlags = {
  config: Flags.string({
    char: 'c',
    summary: 'Config file to use instead of searching for encord-agents.config.* from the current directory up.',
    helpValue: 'FILE',
    helpGroup: 'PROJECT',
  }),
  'project-hash': Flags.string({
    summary: "The Encord project's hash (overrides `projectHash` in the config).",
    env: 'ENCORD_PROJECT_HASH',
    helpValue: 'HASH',
    helpGroup: 'PROJECT',
  }),
  local: Flags.string({
    summary: 'Run against the built-in local Encord emulator serving this fixture file (overrides `local` in the config).',
    helpValue: 'FIXTURE',
    helpGroup: 'PROJECT',
  }),
  // No oclif `env` here on purpose: ENCORD_SSH_KEY_FILE / ENCORD_SSH_KEY are read by the client, and
  // an explicit flag must be told apart from the environment (with --local, a key from the environment
  // that the fixture does not know is replaced by a key made for the run; an explicit one is an error).
  'ssh-key-file': Flags.string({
    summary: 'OpenSSH Ed25519 private key file to sign requests with (default: ENCORD_SSH_KEY_FILE, or ENCORD_SSH_KEY holding the key text).',
    helpValue: 'FILE',
    helpGroup: 'PROJECT',
  }),
  domain: Flags.string({
    summary: "Encord API origin, e.g. https://api.us.encord.com (default: Encord's).",
    env: 'ENCORD_DOMAIN',
    helpValue: 'URL',
    helpGroup: 'PROJECT',
  }),
}

/** Flags of every command. */
export const commonFlags = {
  verbose: Flags.boolean({
    summary: 'Show debug output and stack traces (same as DEBUG=encord-agents*).',
    default: false,
    helpGroup: 'GLOBAL',
  }),
}

/** Run options as flags; they override the config's `run` block (names follow the option names, STYLE C7). */
export const runOptionFlags = {
  'task-batch-size': Flags.integer({ summary: 'Tasks fetched, decided and flushed together (default 300).', min: 1, helpValue: 'N' }),
  'max-tasks-per-stage': Flags.integer({ summary: 'Stop each stage after this many tasks (default: no limit).', min: 1, helpValue: 'N' }),
  'num-retries': Flags.integer({ summary: 'Retries of a failing handler before the task fails (default 3).', min: 0, helpValue: 'N' }),
  'refresh-every': Flags.integer({ summary: 'Keep polling: run again every N seconds until stopped (default: run once).', min: 1, helpValue: 'SECONDS' }),
  concurrency: Flags.integer({ summary: 'Handlers running at once per stage (default 1).', min: 1, helpValue: 'N' }),
  'dry-run': Flags.boolean({ summary: 'Decide and report, but move and save nothing.', allowNo: true }),
  'task-timeout': Flags.integer({ summary: 'Fail a task whose handler takes longer than this many milliseconds.', min: 1, helpValue: 'MS' }),
  journal: Flags.boolean({
    summary: 'Keep the write-ahead run journal, so a killed run is finished by the next one without doubling anything (default: on; --no-journal turns it off).',
    allowNo: true,
  }),
  'data-title': Flags.string({ summary: 'Only tasks whose data title contains this text.', helpValue: 'TEXT', helpGroup: 'TASK FILTER' }),
  'data-hash': Flags.string({ summary: 'Only tasks of this data hash (repeatable).', multiple: true, helpValue: 'HASH', helpGroup: 'TASK FILTER' }),
  assignee: Flags.string({ summary: 'Only tasks assigned to this email (repeatable).', multiple: true, helpValue: 'EMAIL', helpGroup: 'TASK FILTER' }),
  status: Flags.string({ summary: 'Only tasks with this status, e.g. NEW, ASSIGNED, RELEASED (repeatable).', multiple: true, helpValue: 'STATUS', helpGroup: 'TASK FILTER' }),
}

/** The session options the project flags give (`openSession` in src/services/session.ts). */
export function sessionFlags(flags: { config?: string; 'project-hash'?: string; local?: string; 'ssh-key-file'?: string; domain?: string }) {
  return {
    configPath: flags.config,
    projectHash: flags['project-hash'],
    local: flags.local,
    sshKeyFile: flags['ssh-key-file'],
    domain: flags.domain,
  }
}

/** Run-option flags → the overrides of the config's `run` block (unset flags leave the config alone). */
export function runOverridesFromFlags(flags: {
  'task-batch-size'?: number
  'max-tasks-per-stage'?: number
  'num-retries'?: number
  'refresh-every'?: number
  concurrency?: number
  'dry-run'?: boolean
  'task-timeout'?: number
  journal?: boolean
  'data-title'?: string
  'data-hash'?: string[]
  assignee?: string[]
  status?: string[]
}) {
  return {
    taskBatchSize: flags['task-batch-size'],
    maxTasksPerStage: flags['max-tasks-per-stage'],
    numRetries: flags['num-retries'],
    refreshEvery: flags['refresh-every'],
    concurrency: flags.concurrency,
    dryRun: flags['dry-run'],
    taskTimeout: flags['task-timeout'],
    journal: flags.journal,
    dataTitleContains: flags['data-title'],
    dataHashes: flags['data-hash'],
    assignees: flags.assignee,
    statuses: flags.status,
  }
}
