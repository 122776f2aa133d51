import { fail } from '../shared/error-catalogue/index.js'
import type { Redis } from 'ioredis'
import { ConnectionError } from '../shared/errors.js'

/** Where Redis is when neither `--redis` nor `REDIS_URL` says. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** `--redis` wins over `REDIS_URL`, which wins over the default. */
export function resolveRedisUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const value =
    flag ??
    (env.REDIS_URL !== undefined && env.REDIS_URL.trim() !== '' ? env.REDIS_URL : undefined) ??
    DEFAULT_REDIS_URL
  return value.trim()
}

/** The URL with its password hidden, for messages and `--json` output. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
}

function checkUrl(url: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw fail('InvalidRedisUrl.unparsable', { url: redactRedisUrl(url), defaultUrl: DEFAULT_REDIS_URL })
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw fail('InvalidRedisUrl.wrongProtocol', {
      url: redactRedisUrl(url),
      protocol: parsed.protocol,
      defaultUrl: DEFAULT_REDIS_URL,
    })
  }
}

/** BullMQ, loaded only when a queue command runs (the rest of the CLI never pays for it). */
export async function loadBullmq(): Promise<typeof import('bullmq')> {
  return import('bullmq')
}

export interface ConnectRedisOptions {
  /** Give up connecting after this long. @default 3000 */
  connectTimeoutMs?: number
  /** Called with connection errors after the first successful connection (Redis restarting...). */
  onError?: (error: Error) => void
}

/**
 * Connect to Redis and check it answers (PING), failing fast with a clear ConnectionError (exit 3)
 * when it cannot be reached or refuses the credentials. Once connected, the client reconnects by
 * itself if Redis restarts. The connection suits BullMQ workers (`maxRetriesPerRequest: null`).
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  checkUrl(url)
  const { Redis: RedisClient } = await import('ioredis')
  const timeout = options.connectTimeoutMs ?? 3000
  let connected = false
  let lastError: Error | undefined
  const redis = new RedisClient(url, {
    lazyConnect: true,
    connectTimeout: timeout,
    maxRetriesPerRequest: null,
    // Before the first connection: give up quickly. After it: keep reconnecting (Redis restarts).
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : times > 2 ? null : 200),
  })
  redis.on('error', (error: Error) => {
    lastError = error
    if (connected) options.onError?.(error)
  })
  const shown = redactRedisUrl(url)
  const unreachable = (error: unknown): ConnectionError => {
    const message = (error as Error | undefined)?.message ?? lastError?.message ?? 'no answer'
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
      return fail('RedisAuthFailed', { shown, message })
    }
    return fail('RedisUnreachable', { shown, message, defaultUrl: DEFAULT_REDIS_URL })
  }
  try {
    await withTimeout(redis.connect(), timeout + 500)
    await withTimeout(redis.ping(), timeout)
    connected = true
    return redis
  } catch (error) {
    redis.disconnect()
    throw unreachable(error)
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

/** Close a connection politely (QUIT), or drop it when that fails. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await withTimeout(redis.quit(), 2000)
  } catch {
    redis.disconnect()
  }
}
