import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { registerDashboard } from '../dashboard/routes.js'
import type { KeyRegistry } from './auth.js'
import type { FaultInjector } from './faults.js'
import { EmulatorHttpError } from './http-error.js'
import { announcesBody, registerLoopbackGuard } from './loopback-guard.js'
import { MEDIA_PREFIX, type MediaStore } from './media.js'
import { registerInternalRoutes, registerMediaRoutes } from './routes-internal.js'
import { registerLegacyRoutes } from './routes-legacy.js'
import { registerV2Routes } from './routes-v2.js'
import { registerWorkspaceRoutes } from './routes-workspace.js'
import { registerIssueRoutes } from './routes-issues.js'
import { BODY_LIMITS, createRouteContext, errorResult, send, type Transport } from './server-pipeline.js'
import type { EmulatorState } from './state.js'
import type { StatsRecorder } from './stats.js'

/**
 * The emulator's HTTP server: Encord's REST v2 and legacy RPC APIs (spec §4, §6), media downloads at
 * signed URLs, and the `/_emulator/*` observability and dashboard state endpoints.
 *
 * Every Encord request goes through one pipeline (server-pipeline.ts); the routes are registered
 * by transport: routes-v2.ts, routes-legacy.ts, routes-internal.ts (media and `/_emulator`).
 */

/** Endpoint ids, used in stats, request logs and fault rules. */
export const ENDPOINTS = [
  'get-project',
  'get-ontology',
  'list-tasks',
  'proceed',
  'move-tasks',
  'set-priorities',
  'list-datasets',
  'get-storage-items',
  'get-storage-item',
  'update-storage-item',
  'update-storage-items',
  'child-items',
  'label-row-metadata',
  'get-label-rows',
  'create-label-rows',
  'save-label-rows',
  'legacy',
  'media',
] as const

export interface ServerOptions {
  state: EmulatorState
  keys: KeyRegistry
  faults: FaultInjector
  stats: StatsRecorder
  media: MediaStore
  /** Tasks per page of a task listing. */
  pageSize: number
  /** Label rows per legacy request before `MULTI_LABEL_LIMIT_ERROR`. */
  maxLabelRowsPerRequest: number
  /** Largest accepted request body, bytes: the legacy API's limit, and a cap on every route's own (`BODY_LIMITS`). */
  bodyLimit: number
  /** Send START and router nodes in `workflow.stages` too (see `EmulatorOptions.exposeAllStages`). @default false */
  exposeAllStages?: boolean
}

const formatBytes = (bytes: number) =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`

function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = (req.raw.url ?? '').split('?')[0]
  if (path === '/public' || path.startsWith('/public/')) {
    return reply.code(404).send({
      status: 404,
      response: ['RESOURCE_NOT_FOUND_ERROR'],
      payload: `No such endpoint: ${req.method} ${path}`,
    })
  }
  return reply.code(404).send({ message: 'Not found' })
}

function noSchemas(): never {
  throw new Error('The emulator gives its routes no Fastify schema: requests are checked with zod.')
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Routes without a limit of their own take no body: the signed routes set theirs (server-pipeline.ts).
    bodyLimit: Math.min(BODY_LIMITS.unsigned, options.bodyLimit),
    routerOptions: { maxParamLength: 1000 },
    forceCloseConnections: true,
    return503OnClosing: false,
    // Requests are checked with zod (server-pipeline.ts) and replies written as JSON by hand; no route
    // has a Fastify schema. Compilers of our own keep Fastify from loading Ajv and fast-json-stringify
    // (about a hundred modules, 60-80 ms of every start of a local run or `emulator start`).
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
  })
  // Digests and signatures cover the exact bytes: keep every body as a Buffer, whatever its type.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  // Unsigned routes: loopback clients under a loopback Host only (DNS rebinding), before any body is read.
  registerLoopbackGuard(app)
  // An unknown path is answered before its body is read (and the body never is).
  app.addHook('onRequest', async (req, reply) => {
    if (!req.is404 || !announcesBody(req.raw)) return
    void reply.header('connection', 'close')
    return notFound(req, reply)
  })
  const ctx = createRouteContext(app, options)
  registerV2Routes(ctx)
  registerLegacyRoutes(ctx)
  registerWorkspaceRoutes(ctx)
  registerIssueRoutes(ctx)
  registerMediaRoutes(ctx)

  // --- not found ---------------------------------------------------------------------------------

  // Failures before a handler runs (body too large, unreadable body): the transport's error shape.
  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    const path = (req.raw.url ?? '').split('?')[0]
    const transport: Transport = path === '/public' ? 'legacy' : path.startsWith(MEDIA_PREFIX) ? 'media' : 'v2'
    const limit = req.routeOptions.bodyLimit
    const message =
      status === 413 && limit !== undefined
        ? `The request body is over this endpoint's limit of ${formatBytes(limit)}; nothing was read or changed.`
        : error.message
    const result = errorResult(
      transport,
      new EmulatorHttpError(status, message, { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : undefined }),
    )
    return send(reply, result)
  })

  app.setNotFoundHandler(notFound)

  registerInternalRoutes(app, options)
  registerDashboard(app, options)
  return app
}
