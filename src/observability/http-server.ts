import { fail } from '../shared/error-catalogue/index.js'
/**
 * The operations endpoint of `--metrics-port`: `GET /metrics` (Prometheus text format) and
 * `GET /healthz` (200 or 503 with a JSON reason). Plain node:http: two read-only routes need no
 * framework, and the process pays nothing for it unless the flag is given.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Health } from './health.js'
import type { AgentMetrics } from './metrics.js'

export interface OpsServer {
  /** `http://HOST:PORT` as bound (the port is the real one when 0 was asked for). */
  url: string
  close(): Promise<void>
}

export async function startOpsServer(options: {
  host: string
  port: number
  metrics: AgentMetrics
  health: Health
}): Promise<OpsServer> {
  const { metrics, health } = options
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/healthz') {
      const report = health.report()
      res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report))
      return
    }
    if (path === '/metrics') {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' })
          res.end(req.method === 'HEAD' ? undefined : text)
        },
        (error: unknown) => {
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`)
        },
      )
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try /metrics or /healthz\n')
  })
  // A scraper's idle keep-alive socket must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        fail('MetricsPortUnavailable', { host: options.host, port: options.port, error: error.code ?? error.message }),
      )
    })
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
