/**
 * The one guard of the emulator's unsigned routes (`/`, the dashboard, `/_emulator/api/*`,
 * `/_emulator/requests`, `/_emulator/stats`, `/_emulator/health`, and any path no route matches):
 * loopback clients only, and only under a loopback `Host`, so a web page elsewhere cannot read them
 * through DNS rebinding (its requests carry its own host name). The Encord API routes (v2, legacy
 * `/public`, media at signed URLs) are signed, so they answer any client the server is bound to and
 * any `Host`.
 *
 * It runs as an `onRequest` hook, before the body is read, by route kind: a route is signed when it
 * was registered with `config: { signed: true }` (the pipeline's `route()` does that).
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/** Route config that marks an Encord (signed) route. */
export interface SignedRouteConfig {
  signed?: boolean
}

/**
 * Whether a request announces a body: a request refused before its body is read is answered with
 * `Connection: close`, so the server never reads the rest.
 */
export const announcesBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

export const isLoopbackAddress = (address: string | undefined) =>
  address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))

/**
 * A loopback name or address, with any port: `localhost` (and `*.localhost`, which browsers resolve
 * to loopback themselves), `127.x.x.x`, `[::1]`, `[::ffff:127.x.x.x]`.
 */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  const header = (hostHeader ?? '').trim().toLowerCase()
  const host = header.startsWith('[') ? header.replace(/\]:\d+$/, ']') : header.replace(/:\d+$/, '')
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '[::1]' ||
    /^\[::ffff:127(\.\d{1,3}){3}\]$/.test(host)
  )
}

/** Why a request may not reach an unsigned route, or null. */
export function loopbackRefusal(req: {
  socket: { remoteAddress?: string }
  headers: { host?: string }
}): string | null {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return 'The /_emulator endpoints answer loopback clients only'
  if (!isLoopbackHost(req.headers.host))
    return `Host "${req.headers.host ?? ''}" is not a loopback address (localhost, 127.x.x.x or [::1]): the emulator's unsigned endpoints refuse other host names so a web page elsewhere cannot read them through DNS rebinding. Open http://127.0.0.1:<port>/ instead.`
  return null
}

/** An unmatched path under the Encord APIs keeps the API's 404 whatever the Host. */
const API_PATH = /^\/(v2\/)?public(\/|$)/

/** Register the guard (before any route: `buildServer` calls it first). */
export function registerLoopbackGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    if ((req.routeOptions.config as SignedRouteConfig | undefined)?.signed === true) return
    if (req.is404 && API_PATH.test((req.raw.url ?? '').split('?')[0])) return
    const refusal = loopbackRefusal(req)
    if (!refusal) return
    // Refused before the body is read: close the connection so it never is.
    if (announcesBody(req.raw)) void reply.header('connection', 'close')
    return reply
      .code(403)
      .type('application/json')
      .send(JSON.stringify({ message: refusal }))
  })
}
