import { fail } from '../shared/error-catalogue/index.js'
import { displayPath } from '../core/config/issues.js'
import type { LoadedAgent } from '../core/config/handlers.js'
import { loadConfig, type LoadedConfig } from '../core/config/load.js'
import type { ResolvedRunOptions } from '../core/config/options.js'
import type { RunOptionsLayer } from '../core/config/resolve.js'
import { UserError } from '../shared/errors.js'
import type { ResolvedBinding } from '../core/runner/validate.js'
import type { EncordClient } from '../encord/client.js'
import { createClient } from '../encord/credentials.js'
import type { Project } from '../encord/types.js'
import type { Redis } from 'ioredis'
import { closeRedis, connectRedis, redactRedisUrl, resolveRedisUrl } from '../queue/redis.js'
import { prepareConfiguredRun } from './configured-run.js'
import { missingProjectHash } from './session.js'

/** What the queue commands share: the config, the project and its validated agents, Redis. */
export interface QueueSessionOptions {
  /** `--config FILE`. */
  configPath?: string
  /** `--project-hash` (or ENCORD_PROJECT_HASH). */
  projectHash?: string
  sshKeyFile?: string
  domain?: string
  /** `--redis URL`. */
  redisUrl?: string
  /** Run options from flags; set ones win over the config's `run` block. */
  overrides?: RunOptionsLayer
  cwd?: string
  env?: NodeJS.ProcessEnv
  onWarning?: (message: string) => void
}

export interface QueueSession {
  loaded: LoadedConfig
  agents: LoadedAgent[]
  projectHash: string
  client: EncordClient
  project: Project
  /** The run settings, resolved once (config ← flags). */
  settings: ResolvedRunOptions
  /** The agents matched to their stages, validated (every issue at once, exit 2, before Redis is touched). */
  bindings: readonly ResolvedBinding[]
  redis: Redis
  /** The Redis URL with its password hidden. */
  redisShown: string
  close(): Promise<void>
}

/**
 * Open what `enqueue` and `worker` need: load the config, then the run pipeline of `run` (handlers,
 * settings, the project fetched and validated once: `prepareConfiguredRun`), then connect to Redis (a
 * clear exit-3 error when it cannot).
 *
 * Producers and workers are separate processes, so they cannot use the in-process emulator of a
 * config's `local`: with `local` set, ENCORD_DOMAIN (or `--domain`) must point at a shared one
 * (`encord-agents emulator start FIXTURE`), and it is used instead.
 */
export async function openQueueSession(options: QueueSessionOptions): Promise<QueueSession> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  const loaded = await loadConfig({ configPath: options.configPath, cwd })
  const domain =
    options.domain ??
    (env.ENCORD_DOMAIN !== undefined && env.ENCORD_DOMAIN.trim() !== '' ? env.ENCORD_DOMAIN : undefined)
  if (loaded.config.local !== undefined && domain === undefined) {
    throw fail(
      'LocalEmulatorNotShared',
      { filepath: displayPath(loaded.filepath, cwd), local: loaded.config.local },
      { location: loaded.locate(['local']) },
    )
  }
  const projectHash = options.projectHash ?? loaded.config.projectHash
  if (projectHash === undefined || projectHash.trim() === '') {
    throw missingProjectHash(loaded, cwd, { canRunLocal: false })
  }
  const client = createClient({ sshKeyFile: options.sshKeyFile, domain, env, onWarning: options.onWarning })
  let redis: Redis | undefined
  try {
    const { agents, settings, prepared } = await prepareConfiguredRun({
      loaded,
      client,
      projectHash: projectHash.trim(),
      overrides: options.overrides,
      cwd,
    })
    const { project } = prepared
    for (const warning of prepared.warnings) options.onWarning?.(warning)
    const redisUrl = resolveRedisUrl(options.redisUrl, env)
    redis = await connectRedis(redisUrl, { onError: (e) => options.onWarning?.(`Redis: ${e.message}`) })
    const connection = redis
    let closed: Promise<void> | undefined
    return {
      loaded,
      agents,
      projectHash: project.projectHash,
      client,
      project,
      settings,
      bindings: prepared.bindings,
      redis: connection,
      redisShown: redactRedisUrl(redisUrl),
      close: () =>
        (closed ??= (async () => {
          await closeRedis(connection)
          await client.close()
        })()),
    }
  } catch (error) {
    if (redis !== undefined) await closeRedis(redis)
    await client.close()
    throw error
  }
}

/** What the Redis-only commands take: the Redis, and the project whose queues they read (else every one). */
export interface RedisOnlyOptions {
  redisUrl?: string
  configPath?: string
  projectHash?: string
  cwd?: string
  env?: NodeJS.ProcessEnv
  onWarning?: (m: string) => void
}

/**
 * Connect to Redis only (`queue status`, `queue retry-failed`): the project, when known, comes from
 * `--project-hash` or the config found (none needed).
 */
async function openRedisOnly(options: RedisOnlyOptions): Promise<{
  redis: Redis
  redisShown: string
  projectHash?: string
  close(): Promise<void>
}> {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env ?? process.env
  let projectHash = options.projectHash
  if (projectHash === undefined) {
    try {
      const loaded = await loadConfig({ configPath: options.configPath, cwd })
      projectHash = loaded.config.projectHash
    } catch (error) {
      // Without a config every project's queues are shown; a config that is broken is still an error.
      if (!(error instanceof UserError && error.code === 'ConfigNotFound' && options.configPath === undefined))
        throw error
    }
  }
  const url = resolveRedisUrl(options.redisUrl, env)
  const redis = await connectRedis(url, { onError: (e) => options.onWarning?.(`Redis: ${e.message}`) })
  return { redis, redisShown: redactRedisUrl(url), projectHash, close: () => closeRedis(redis) }
}

/**
 * `read` the queues over a Redis-only session, closed afterwards; the result says which Redis (redacted) and
 * which project (null: every project) it read.
 */
export async function readQueues<T extends object>(
  options: RedisOnlyOptions,
  read: (redis: Redis, projectHash: string | undefined) => Promise<T>,
): Promise<T & { redis: string; projectHash: string | null }> {
  const session = await openRedisOnly(options)
  try {
    const result = await read(session.redis, session.projectHash)
    return { ...result, redis: session.redisShown, projectHash: session.projectHash ?? null }
  } finally {
    await session.close()
  }
}
