import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { MediaStore } from '../emulator/media.js'
import type { EmulatorState } from '../emulator/state.js'
import type { StatsRecorder } from '../emulator/stats.js'
import { findDashboardAssets } from './assets.js'

/**
 * The dashboard's routes on the emulator's server. Read-only and for loopback clients only: every
 * route is a GET, nothing here changes the emulator's state.
 *
 * - `GET /`: the single-page app (its own views are in the URL fragment, `#/p/<projectHash>/...`).
 * - `GET /_emulator/dashboard/assets/<file>`: its script and styles, built by scripts/build-dashboard.mjs.
 * - `GET /_emulator/dashboard/events`: server-sent events (`hello`, `change` after each state mutation,
 *   at most every 150 ms; `requests` when the request count moved, checked each second).
 * - `GET /_emulator/dashboard/projects/<projectHash>/media/<dataHash>[?unit=<unit hash>]`: the media of a
 *   data unit (an image group's image by its unit hash), without a signed URL; supports `Range`.
 *
 * The rest of what the app reads is the emulator's own `/_emulator/api/*`, `/_emulator/stats` and
 * `/_emulator/requests`.
 */

/** Where the dashboard's own endpoints live. */
export const DASHBOARD_PREFIX = '/_emulator/dashboard'

/** What the routes read (a subset of the emulator server's options). */
export interface DashboardDeps {
  state: EmulatorState
  stats: StatsRecorder
  media: MediaStore
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
}
/** Nothing is loaded from anywhere but the emulator itself (no CDN, no fonts, no analytics). */
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const CHANGE_THROTTLE_MS = 150
const REQUESTS_CHECK_MS = 1000
const PING_MS = 15_000

/** Register the dashboard on an emulator server (called by `buildServer`). */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const { state, stats, media } = deps
  const streams = new Set<() => void>()
  app.addHook('onClose', async () => {
    for (const end of [...streams]) end()
  })

  const get = (url: string, handler: (req: FastifyRequest, reply: FastifyReply) => unknown) =>
    // Loopback clients and Hosts only: the emulator's guard (src/emulator/loopback-guard.ts) runs first.
    app.get(url, handler)

  get('/', async (_req, reply) => {
    const dir = findDashboardAssets()
    const html = dir ? await readFile(join(dir, 'index.html'), 'utf8').catch(() => null) : null
    void reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff')
    if (html === null) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT)
    return reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(html)
  })

  get(`${DASHBOARD_PREFIX}/assets/:name`, async (req, reply) => {
    const { name } = req.params as { name: string }
    const type = CONTENT_TYPES[extname(name)]
    const dir = findDashboardAssets()
    // Plain file names only: no path separators, no dot files, so nothing outside the assets folder.
    const body = dir && type && /^[\w-][\w.-]*$/.test(name) ? await readFile(join(dir, name)).catch(() => null) : null
    if (body === null) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n')
    return reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').type(type).send(body)
  })

  get(`${DASHBOARD_PREFIX}/events`, (req, reply) => {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    })
    const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    let lastTotal = stats.snapshot().requests.total
    res.write('retry: 1000\n\n')
    write('hello', { revision: state.revision, requests: lastTotal })

    let pending: NodeJS.Timeout | null = null
    const kinds = new Set<string>()
    const unsubscribe = state.onChange((kind) => {
      kinds.add(kind)
      pending ??= setTimeout(() => {
        pending = null
        write('change', { revision: state.revision, kinds: [...kinds] })
        kinds.clear()
      }, CHANGE_THROTTLE_MS)
    })
    const poll = setInterval(() => {
      const total = stats.snapshot().requests.total
      if (total !== lastTotal) write('requests', { total: (lastTotal = total) })
    }, REQUESTS_CHECK_MS)
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS)
    poll.unref()
    ping.unref()
    const end = () => {
      if (!streams.delete(end)) return
      unsubscribe()
      clearInterval(poll)
      clearInterval(ping)
      if (pending) clearTimeout(pending)
      res.end()
    }
    streams.add(end)
    req.raw.on('close', end)
  })

  get(`${DASHBOARD_PREFIX}/projects/:projectHash/media/:dataHash`, async (req, reply) => {
    const { projectHash, dataHash } = req.params as { projectHash: string; dataHash: string }
    const { unit } = req.query as { unit?: string }
    const project = state.projects.get(projectHash)
    const dataUnit = project?.dataUnits.get(dataHash)
    let item = dataUnit?.backingItemUuid ? state.storageItems.get(dataUnit.backingItemUuid) : undefined
    // An image group's images are its item's children; its label row keys them by the child's uuid.
    if (item && unit && unit !== dataHash)
      item = item.children.includes(unit) ? state.storageItems.get(unit) : undefined
    const bytes = item ? await media.bytes(item).catch(() => null) : null
    if (!bytes) return reply.code(404).type('text/plain; charset=utf-8').send('No media for this data unit\n')
    void reply
      .header('cache-control', 'no-cache')
      .header('accept-ranges', 'bytes')
      .header('x-content-type-options', 'nosniff')
      .type(bytes.contentType)
    // Browsers seek in video with Range requests.
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''))
    const size = bytes.body.length
    if (range && (range[1] !== '' || range[2] !== '')) {
      const start = range[1] === '' ? Math.max(size - Number(range[2]), 0) : Number(range[1])
      const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1)
      if (start > end || start >= size) return reply.code(416).header('content-range', `bytes */${size}`).send()
      return reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${size}`)
        .send(bytes.body.subarray(start, end + 1))
    }
    return reply.send(bytes.body)
  })
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>encord-agents dashboard</title>
<body style="font:15px system-ui;margin:3em"><h1>The dashboard is not built</h1>
<p>Its front end is built with the package (<code>npm run build</code>, or <code>node scripts/build-dashboard.mjs</code> in a checkout).
The emulator's API works without it: <a href="/_emulator/api/projects">/_emulator/api/projects</a>, <a href="/_emulator/stats">/_emulator/stats</a>.</p>`
