/**
 * `buildApp(deps)` composes every module from its dependencies into one Fastify instance. It does
 * not listen: main.ts does, and tests use `app.inject` against the same object.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'
import swagger from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import apiReference from '@scalar/fastify-api-reference'
import Fastify, { type FastifyServerFactory, type FastifyServerOptions, LogController } from 'fastify'
import {
  type Admission,
  registerAdmission,
  registerClientLimit,
  requestArrival,
  withEdge,
} from './admission/index.js'
import { authRoutes, type TokenVerifier } from './auth/index.js'
import { catalogRoutes } from './catalog/index.js'
import type { Config } from './config/index.js'
import { couponRoutes, type IssueGate, openIssueGate } from './coupons/index.js'
import { registerAliases } from './http/aliases.js'
import { registerAuth } from './http/auth-hook.js'
import { databaseProbe, healthRoutes, type ReadinessProbe } from './http/health.js'
import { declareIdempotencyHeader, registerIdempotency } from './http/idempotency.js'
import { addProblemResponses, errorHandler, notFoundHandler, sendProblem } from './http/problem.js'
import { requestIdFrom } from './http/request-id.js'
import { Problem } from './http/schemas.js'
import { registerStorefront, routeLabel, storefrontBuilt, storefrontFallback } from './http/storefront.js'
import type { App } from './http/types.js'
import { requireDecimalIntegers, validatorCompiler } from './http/validation.js'
import { type Metrics, type OpsSampler, opsRoutes } from './observability/index.js'
import { orderRoutes } from './orders/index.js'
import type { Cache } from './platform/cache/index.js'
import type { Clock } from './platform/clock/index.js'
import type { Db } from './platform/db/index.js'
import { validationFailed } from './platform/errors/index.js'
import { pointsRoutes } from './points/index.js'
import { rankingRoutes, type TopProducts } from './ranking/index.js'

export interface AppDeps {
  config: Config
  db: Db
  /** For public reads outside transactions (see DatabaseHandle.readDb). */
  readDb: Db
  clock: Clock
  cache: Cache
  verifier: TokenVerifier
  topProducts: (days: number, limit: number) => Promise<TopProducts>
  /** Called after a transaction that wrote outbox events committed (wakes the relay). */
  onEventsCommitted?: () => void
  metrics: Metrics
  /** The ops page's sampler (GET /api/v1/admin/ops/timeline); absent, the route is not offered. */
  ops?: OpsSampler
  /** Refuses exhausted coupons and second claims before the database (production mode); open by default. */
  issueGate?: IssueGate
  probes?: ReadinessProbe[]
  /** The generated demo secret when demo sign-in is offered (config `demoSignIn`); else refused. */
  demoSecret?: string
  /** The admission pipeline (rate limits, concurrency limit, priorities); absent = everything admitted. */
  admission?: Admission
  logger?: FastifyServerOptions['logger']
}

/** Bodies are small JSON documents; the largest legal one (a 10,000-user grant) is ~150 KB. */
const BODY_LIMIT = 256 * 1024

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, db, clock } = deps
  const trust = trustedProxies(config.http.trustProxy)
  // The edge answers the catalog reads admission refuses before fastify sees them (edge.ts).
  const admission = deps.admission
  // When a request reached the load balancer, if one we trust stamped it (request-start.ts).
  const arrival =
    admission && requestArrival(admission.config.requestStart && trust, () => admission.clock.now())
  const serverFactory: FastifyServerFactory | undefined = admission?.config.edge
    ? (handler, options) =>
        serveWith(
          withEdge(
            {
              admission,
              clientIp: clientIpOf(trust),
              requestId: requestIdFrom,
              verifier: deps.verifier,
              arrival,
              observe: (method, route, status, seconds) =>
                deps.metrics.observeRequest(method, route, status, seconds),
            },
            handler,
          ),
          options,
        )
    : undefined
  const app = Fastify({
    ...(serverFactory && { serverFactory }),
    logger: deps.logger ?? false,
    genReqId: requestIdFrom,
    // One log line per request (below) instead of fastify's two: half the logging cost on sale day.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Longer than any proxy's idle timeout (60 s on nginx and AWS ALB), so the proxy closes an idle
    // connection first and never sends a request into one we are closing (a reset, then a 502).
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // request.ip (per-IP limits, logs) is the client's behind the load balancers named here.
    trustProxy: trust,
    // Headers must start arriving within the keep-alive window (Node measures from the connection's
    // last activity on some versions); the whole request then gets 30 s more: slow-loris protection
    // without cutting off a slow mobile upload.
    requestTimeout: config.http.keepAliveTimeoutMs + 31_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // The router's own refusals (bad percent-encoding, an over-long path parameter) are problems too.
    frameworkErrors: (error, _request, reply) =>
      sendProblem(reply, validationFailed([{ path: 'path', message: error.message }])),
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.server.headersTimeout = config.http.keepAliveTimeoutMs + 1_000
  // Past this many open sockets Node closes new ones at once; far above a sale's 2,800 connections,
  // below the file-descriptor limit (20,000 here), so the cap protects the process, not the clients.
  app.server.maxConnections = config.http.maxConnections

  // JSON only: fastify would otherwise parse text/plain into a string and answer 400 instead of 415.
  app.removeContentTypeParser('text/plain')
  // An empty JSON body (what many clients send on POST /payment) means "no body", not malformed JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done),
  )
  app.setValidatorCompiler(validatorCompiler)
  app.addSchema(Problem)
  app.setErrorHandler(errorHandler)
  const storefront =
    config.storefrontDir && storefrontBuilt(config.storefrontDir) ? config.storefrontDir : undefined
  app.setNotFoundHandler(notFoundHandler(storefront ? { storefront: storefrontFallback } : {}))
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request)
    deps.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000)
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        user: request.principal?.userId,
      },
      'request',
    )
  })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Floodgate',
        version: '1.0.0',
        description:
          'The commerce API that stays up on sale day. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    // Shared schemas become named components (#/components/schemas/Problem), not def-0.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json['$id'] ?? `def-${i}`) },
  })
  await app.register(apiReference, { routePrefix: '/docs', configuration: { url: '/openapi.json' } })
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  )

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType)
    return deps.metrics.registry.metrics()
  })

  // Route-shaping hooks first: they see every route declared after them.
  addProblemResponses(app)
  declareIdempotencyHeader(app)
  requireDecimalIntegers(app)
  registerAliases(app, { sunset: config.aliasSunset, metrics: deps.metrics, clock })
  if (deps.admission) registerClientLimit(app, deps.admission, arrival)
  registerAuth(app, deps.verifier)
  deps.metrics.business.watch(app)
  deps.ops?.watch(app)
  if (deps.admission) registerAdmission(app, deps.admission)
  const idempotency = registerIdempotency(app, { db, clock })

  if (storefront) await registerStorefront(app, storefront)
  healthRoutes(app, deps.probes ?? [databaseProbe(db)])
  authRoutes(app, { db, clock, demoSecret: deps.demoSecret })
  catalogRoutes(app, { db, readDb: deps.readDb, clock })
  rankingRoutes(app, { topProducts: deps.topProducts })
  if (deps.ops) opsRoutes(app, deps.ops)
  pointsRoutes(app, {
    db,
    clock,
    config,
    idempotency,
    onCharged: (amount) => deps.metrics.business.pointsCharged(amount),
  })
  couponRoutes(app, {
    db,
    readDb: deps.readDb,
    clock,
    gate: deps.issueGate ?? openIssueGate,
    onIssued: (count) => deps.metrics.business.couponsIssued(count),
  })
  orderRoutes(app, {
    db,
    clock,
    idempotency,
    paymentTtlSeconds: config.orders.paymentTtlSeconds,
    maxQuantityPerLine: config.orders.maxQuantityPerLine,
    onCommitted: deps.onEventsCommitted,
  })
  return app
}

/** Which proxies to trust, as one function for fastify and the edge: that many hops nearest to us, a list, all or none. */
function trustedProxies(
  trust: Config['http']['trustProxy'],
): false | ((address: string, hop: number) => boolean) {
  if (trust === false) return false
  if (trust === true) return () => true
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  return proxyAddr.compile(trust)
}

/** The client's address as fastify's `request.ip` finds it. */
function clientIpOf(trust: ReturnType<typeof trustedProxies>): (req: IncomingMessage) => string {
  if (!trust) return (req) => req.socket.remoteAddress ?? ''
  return (req) => proxyAddr(req, trust)
}

/** The HTTP server fastify would make, with its timeouts (fastify leaves them to a server factory). */
function serveWith(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: FastifyServerOptions,
) {
  const server = http.createServer(handler)
  server.keepAliveTimeout = options.keepAliveTimeout!
  server.requestTimeout = options.requestTimeout!
  server.setTimeout(options.connectionTimeout ?? 0)
  return server
}
