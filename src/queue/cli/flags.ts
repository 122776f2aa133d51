import { Flags } from '@oclif/core'
import { projectFlags } from '../../cli/flags.js'

/** `--redis URL` of every queue command (REDIS_URL and the default are applied by `resolveRedisUrl`). */
export const redisFlags = {
  redis: Flags.string({
    summary: 'Redis URL, e.g. redis://user:password@host:6379/0 (default: REDIS_URL, else redis://127.0.0.1:6379).',
    helpValue: 'URL',
  }),
}

/** The project flags of `enqueue` and `worker`: those of `run`, without `--local` (see openQueueSession). */
export const queueProjectFlags = {
  config: projectFlags.config,
  'project-hash': projectFlags['project-hash'],
  'ssh-key-file': projectFlags['ssh-key-file'],
  domain: projectFlags.domain,
}

/** `--config` and `--project-hash` only: which project's queues (Redis-only commands). */
export const queueSelectFlags = {
  config: Flags.string({
    char: 'c',
    summary:
      'Config file whose projectHash selects the queues (default: the config found from the current directory, if any).',
    helpValue: 'FILE',
  }),
  'project-hash': Flags.string({
    summary: "Only this project's queues (default: the config's project, else every project).",
    env: 'ENCORD_PROJECT_HASH',
    helpValue: 'HASH',
  }),
}
