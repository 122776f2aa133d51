import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { findTool, toolAvailable } from '../../helpers/system-tools.js'

/**
 * A real redis-server for the queue tests: started on a free loopback port with no persistence, in a
 * temporary directory, and stopped by its PID. When redis-server is not installed the tests skip with
 * a notice, except under CI=true where a missing redis-server is a failure (`.ci/run` installs it).
 */

/** Whether the queue tests can run; prints why not (and fails under CI). */
export function redisAvailable(): boolean {
  return toolAvailable('redis-server', 'the BullMQ queue')
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface RedisServer {
  url: string
  port: number
  pid: number
  /** A fresh client (closed by `stop`). */
  client(): Promise<Redis>
  /** Remove every key (between tests). */
  flush(): Promise<void>
  stop(): Promise<void>
}

export async function startRedis(): Promise<RedisServer> {
  const binary = findTool('redis-server')
  if (binary === undefined) throw new Error('redis-server is not installed')
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ea-redis-'))
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const pid = child.pid
  if (pid === undefined) throw new Error('redis-server did not start')
  const url = `redis://127.0.0.1:${port}`
  const { Redis: RedisClient } = await import('ioredis')
  const clients: Redis[] = []
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = new RedisClient(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => undefined)
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      break
    } catch {
      probe.disconnect()
      if (Date.now() > deadline || child.exitCode !== null) {
        process.kill(pid, 'SIGKILL')
        throw new Error(`redis-server did not answer on ${url}: ${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    url,
    port,
    pid,
    client: async () => {
      const c = new RedisClient(url, { maxRetriesPerRequest: null })
      c.on('error', () => undefined)
      clients.push(c)
      return c
    },
    flush: async () => {
      const c = new RedisClient(url)
      await c.flushall()
      c.disconnect()
    },
    stop: async () => {
      for (const c of clients) c.disconnect()
      if (child.exitCode === null) {
        process.kill(pid, 'SIGTERM')
        const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
