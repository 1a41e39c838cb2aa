/**
 * The one place that reads the environment. Everything else receives a typed `Config`.
 * Each variable is documented in README.md (Configuration); `loadConfig` fails fast with
 * every problem listed at once, so a bad deployment never half-starts.
 */
import { availableParallelism } from 'node:os'
import path from 'node:path'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface JwtConfig {
  /** HS256 shared secret (>= 32 bytes). */
  secret?: string
  /** Verify RS256/ES256 tokens against this JWKS endpoint instead of a secret. */
  jwksUrl?: string
  issuer?: string
  audience?: string
}

export interface Config {
  env: 'production' | 'development' | 'test'
  port: number
  host: string
  databaseUrl: string
  /** MySQL/MariaDB connection pool (ignored for SQLite). */
  dbPool: { size: number; acquireTimeoutMs: number; statementTimeoutMs: number }
  /** Where the embedded default keeps its files (SQLite database, generated JWT secret). */
  dataDir: string
  seed: 'demo' | 'none'
  jwt: JwtConfig
  logLevel: LogLevel
  points: { minCharge: number; maxCharge: number; maxBalance: number }
  orders: {
    paymentTtlSeconds: number
    maxQuantityPerLine: number
    sweepIntervalSeconds: number
    /** Write concurrent orders, payments and cancels in shared transactions on a server database (order-batcher.ts, payment-batcher.ts, cancel-batcher.ts). */
    batching: boolean
  }
  ranking: { maxStalenessSeconds: number }
  /** RFC 8594 Sunset date announced on every deprecated alias path. */
  aliasSunset: Date
  /** Shared cache and admission gates for several instances; unset = in-process (embedded default). */
  redis?: { url: string; keyPrefix: string }
  /** JetStream broker for order events; unset = the in-process event relay. */
  nats?: { url: string; stream: string; subjectPrefix: string }
  /** Where paid and cancelled orders are POSTed; unset = no delivery. */
  dataPlatform?: { url: string; maxAttempts: number; timeoutMs: number }
  /** Worker processes for `npm start` (node:cluster); 1 = this process serves alone. */
  workers: number
  /** The built storefront served at `/` (absent = API only). */
  storefrontDir?: string
  /**
   * `POST /api/v1/demo/sign-in` hands out tokens for seeded users. Only the embedded default with
   * its generated secret offers it: anyone reaching the port may sign in as anyone.
   */
  demoSignIn: boolean
  /** The listening socket: chosen so that a surge queues in the kernel instead of being reset. */
  http: {
    backlog: number
    maxConnections: number
    keepAliveTimeoutMs: number
    /**
     * Which peers may say who the client is (`X-Forwarded-For`): false (none: the socket's peer is
     * the client), a hop count, or addresses/CIDRs of the load balancers. Per-IP limits need it
     * behind a proxy, or every anonymous visitor shares the proxy's address.
     */
    trustProxy: boolean | number | string[]
  }
  /** The admission pipeline (src/admission); docs/architecture.md, "Admission: cheapest rejection first". */
  admission: AdmissionConfig
}

/** Per-client limits: a sustained rate (requests per second) and a burst; rate 0 = no limit. */
export interface RateLimitConfig {
  rate: number
  burst: number
}

export interface AdmissionConfig {
  /** `FLOODGATE_ADMISSION=off` removes the whole pipeline (for comparison runs only). */
  enabled: boolean
  /** Whether the edge answers refused catalog reads before fastify (admission/edge.ts). */
  edge: boolean
  /** Count a request's wait from a trusted balancer's X-Request-Start stamp (request-start.ts). */
  requestStart: boolean
  /** A request not started within this long after arriving is dropped before any work. */
  deadlineMs: number
  /** Longest wait in the queue while it drains, and for critical requests always. */
  queueTimeoutMs: number
  /** CoDel target: longest wait for important requests while the queue is standing. */
  queueTargetMs: number
  /** Longest expected wait a critical request may queue for; past it, it is refused at once (0: no such refusal). */
  criticalWaitMs: number
  queueSize: number
  /** Upper bound of the adaptive concurrency limit (a safety rail, not a tuning knob). */
  maxConcurrency: number
  /** Event-loop utilization above which (with the loop running late) sheddable requests are refused (1 = never). */
  eventLoopThreshold: number
  /** How late the loop's 100 ms timer may fire before the brake sheds (ms); shedding is total at twice this. */
  eventLoopLagMs: number
  rateLimit: { user: RateLimitConfig; ip: RateLimitConfig }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

/**
 * Reads and validates the configuration. Throws `ConfigError` naming every bad variable.
 * Command-line flags (`--workers N`) override their variable.
 */
export function loadConfig(processEnv: Env = process.env, args: string[] = []): Config {
  const problems: string[] = []
  const env = { ...processEnv, ...flags(args, problems) }
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return def
    if (!/^-?\d+$/.test(raw.trim())) {
      problems.push(`${name} must be an integer, got "${raw}"`)
      return def
    }
    const value = Number(raw)
    if (value < min || value > max) problems.push(`${name} must be between ${min} and ${max}, got ${value}`)
    return value
  }
  const oneOf = <T extends string>(name: string, def: T, allowed: readonly T[]): T => {
    const raw = env[name]
    if (raw === undefined || raw === '') return def
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
      return def
    }
    return raw as T
  }

  const num = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return def
    const value = Number(raw)
    if (!/^\d+(\.\d+)?$/.test(raw.trim()) || value < min || value > max) {
      problems.push(`${name} must be a number between ${min} and ${max}, got "${raw}"`)
      return def
    }
    return value
  }

  const date = (name: string, def: string): Date => {
    const raw = env[name] || def
    const value = new Date(raw)
    if (Number.isNaN(value.getTime())) problems.push(`${name} must be an ISO-8601 date, got "${raw}"`)
    return value
  }

  const nodeEnv =
    env['NODE_ENV'] === 'production' ? 'production' : env['NODE_ENV'] === 'test' ? 'test' : 'development'
  const databaseUrl = env['DATABASE_URL'] || 'sqlite:./data/floodgate.db'
  if (!/^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(databaseUrl)) {
    problems.push(
      `DATABASE_URL must be sqlite:<file>, sqlite::memory: or mysql://user:pass@host:3306/db, got "${redactUrl(databaseUrl)}"`,
    )
  }

  const jwt: JwtConfig = {}
  const secret = env['JWT_SECRET']
  const jwksUrl = env['JWT_JWKS_URL']
  if (secret) {
    if (Buffer.byteLength(secret) < 32) problems.push('JWT_SECRET must be at least 32 bytes long')
    jwt.secret = secret
  }
  if (jwksUrl) {
    if (!URL.canParse(jwksUrl) || !/^https?:$/.test(new URL(jwksUrl).protocol)) {
      problems.push(`JWT_JWKS_URL must be an http(s) URL, got "${jwksUrl}"`)
    }
    jwt.jwksUrl = jwksUrl
  }
  if (secret && jwksUrl) problems.push('set JWT_SECRET or JWT_JWKS_URL, not both')
  if (!secret && !jwksUrl && nodeEnv === 'production') {
    problems.push(
      'NODE_ENV=production needs JWT_SECRET or JWT_JWKS_URL (the generated demo secret is for one machine only)',
    )
  }
  if (env['JWT_ISSUER']) jwt.issuer = env['JWT_ISSUER']
  if (env['JWT_AUDIENCE']) jwt.audience = env['JWT_AUDIENCE']

  const minCharge = int('POINTS_MIN_CHARGE', 1000, 1, 1_000_000_000)
  const maxCharge = int('POINTS_MAX_CHARGE', 1_000_000, 1, 1_000_000_000)
  const maxBalance = int('POINTS_MAX_BALANCE', 10_000_000, 1, 1_000_000_000_000)
  if (minCharge > maxCharge) problems.push('POINTS_MIN_CHARGE must not exceed POINTS_MAX_CHARGE')
  if (maxCharge > maxBalance) problems.push('POINTS_MAX_CHARGE must not exceed POINTS_MAX_BALANCE')

  const config: Config = {
    env: nodeEnv,
    port: int('PORT', 3000, 0, 65535),
    host: env['HOST'] || '127.0.0.1',
    databaseUrl,
    dbPool: {
      size: int('DB_POOL_SIZE', 10, 1, 1000),
      acquireTimeoutMs: int('DB_POOL_ACQUIRE_TIMEOUT_MS', 1000, 10, 60_000),
      statementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    },
    dataDir: path.resolve(env['DATA_DIR'] || './data'),
    seed: oneOf('SEED', 'demo', ['demo', 'none'] as const),
    jwt,
    logLevel: oneOf('LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    points: { minCharge, maxCharge, maxBalance },
    orders: {
      paymentTtlSeconds: int('ORDER_PAYMENT_TTL_SECONDS', 600, 10, 7 * 24 * 3600),
      maxQuantityPerLine: int('ORDER_MAX_QUANTITY_PER_LINE', 100, 1, 100_000),
      sweepIntervalSeconds: int('ORDER_SWEEP_INTERVAL_SECONDS', 10, 1, 30),
      batching: oneOf('ORDER_BATCHING', 'on', ['on', 'off'] as const) === 'on',
    },
    ranking: { maxStalenessSeconds: int('TOP_PRODUCTS_MAX_STALENESS_SECONDS', 5, 1, 3600) },
    aliasSunset: date('API_ALIAS_SUNSET', '2027-06-30T00:00:00Z'),
    workers: workers(env['WORKERS'], problems),
    demoSignIn:
      oneOf('DEMO_SIGN_IN', 'auto', ['auto', 'off'] as const) === 'auto' &&
      nodeEnv !== 'production' &&
      !secret &&
      !jwksUrl,
    http: {
      backlog: int('HTTP_BACKLOG', 4096, 1, 65_535),
      maxConnections: int('HTTP_MAX_CONNECTIONS', 10_000, 1, 1_000_000),
      keepAliveTimeoutMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 600_000),
      trustProxy: trustProxy(env['TRUST_PROXY'], problems),
    },
    admission: {
      enabled: oneOf('FLOODGATE_ADMISSION', 'on', ['on', 'off'] as const) === 'on',
      edge: oneOf('ADMISSION_EDGE', 'on', ['on', 'off'] as const) === 'on',
      requestStart: oneOf('ADMISSION_REQUEST_START', 'on', ['on', 'off'] as const) === 'on',
      deadlineMs: int('ADMISSION_DEADLINE_MS', 2000, 10, 3_600_000),
      queueTimeoutMs: int('ADMISSION_QUEUE_TIMEOUT_MS', 250, 1, 600_000),
      queueTargetMs: int('ADMISSION_QUEUE_TARGET_MS', 5, 1, 600_000),
      criticalWaitMs: int('ADMISSION_CRITICAL_WAIT_MS', 100, 0, 3_600_000),
      queueSize: int('ADMISSION_QUEUE_SIZE', 1000, 0, 1_000_000),
      maxConcurrency: int('ADMISSION_MAX_CONCURRENCY', 1000, 1, 100_000),
      eventLoopThreshold: num('ADMISSION_EVENT_LOOP_THRESHOLD', 0.95, 0.5, 1),
      eventLoopLagMs: int('ADMISSION_EVENT_LOOP_LAG_MS', 50, 1, 10_000),
      rateLimit: {
        user: {
          rate: num('RATE_LIMIT_USER_RATE', 10, 0, 1_000_000),
          burst: int('RATE_LIMIT_USER_BURST', 40, 1, 1_000_000_000),
        },
        ip: {
          rate: num('RATE_LIMIT_IP_RATE', 50, 0, 1_000_000),
          burst: int('RATE_LIMIT_IP_BURST', 200, 1, 1_000_000_000),
        },
      },
    },
  }
  if (config.admission.queueTimeoutMs >= config.admission.deadlineMs)
    problems.push('ADMISSION_QUEUE_TIMEOUT_MS must be shorter than ADMISSION_DEADLINE_MS')
  if (config.admission.criticalWaitMs >= config.admission.deadlineMs)
    problems.push('ADMISSION_CRITICAL_WAIT_MS must be shorter than ADMISSION_DEADLINE_MS')
  if (config.admission.queueTargetMs > config.admission.queueTimeoutMs)
    problems.push('ADMISSION_QUEUE_TARGET_MS must not exceed ADMISSION_QUEUE_TIMEOUT_MS')
  // A request must be able to give up on the pool before its own deadline passes.
  if (config.admission.enabled && config.dbPool.acquireTimeoutMs >= config.admission.deadlineMs)
    problems.push('DB_POOL_ACQUIRE_TIMEOUT_MS must be shorter than ADMISSION_DEADLINE_MS')
  const storefrontDir = env['STOREFRONT_DIR'] || 'web/dist'
  if (storefrontDir !== 'none') config.storefrontDir = path.resolve(storefrontDir)
  const redisUrl = env['REDIS_URL']
  if (redisUrl) {
    if (!/^rediss?:\/\//.test(redisUrl))
      problems.push(`REDIS_URL must be redis://host:6379, got "${redactUrl(redisUrl)}"`)
    config.redis = { url: redisUrl, keyPrefix: env['REDIS_KEY_PREFIX'] || 'floodgate:' }
  }
  const natsUrl = env['NATS_URL']
  if (natsUrl) {
    if (!/^(nats|tls):\/\//.test(natsUrl))
      problems.push(`NATS_URL must be nats://host:4222, got "${redactUrl(natsUrl)}"`)
    const stream = env['NATS_STREAM'] || 'FLOODGATE_ORDERS'
    if (!/^[A-Za-z0-9_-]+$/.test(stream))
      problems.push(`NATS_STREAM may hold letters, digits, _ and - only, got "${stream}"`)
    const subjectPrefix = env['NATS_SUBJECT_PREFIX'] || 'floodgate'
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix)) {
      problems.push(`NATS_SUBJECT_PREFIX must be dot-separated tokens, got "${subjectPrefix}"`)
    }
    config.nats = { url: natsUrl, stream, subjectPrefix }
  }
  const dataPlatformUrl = env['DATA_PLATFORM_URL']
  if (dataPlatformUrl) {
    if (!URL.canParse(dataPlatformUrl) || !/^https?:$/.test(new URL(dataPlatformUrl).protocol))
      problems.push(`DATA_PLATFORM_URL must be an http(s) URL, got "${redactUrl(dataPlatformUrl)}"`)
    config.dataPlatform = {
      url: dataPlatformUrl,
      maxAttempts: int('DATA_PLATFORM_MAX_ATTEMPTS', 10, 1, 100),
      timeoutMs: int('DATA_PLATFORM_TIMEOUT_MS', 5000, 100, 120_000),
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/** The flags `npm start` takes, as the variables they stand for. */
function flags(args: string[], problems: string[]): Env {
  const out: Env = {}
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i]!.split('=', 2)
    if (name === '--workers') out['WORKERS'] = inline ?? args[++i] ?? ''
    else problems.push(`unknown option ${args[i]} (the only flag is --workers N|auto)`)
  }
  return out
}

/** This process's configuration: its environment and its command-line flags (`npm start -- …`). */
export const loadProcessConfig = (): Config => loadConfig(process.env, process.argv.slice(2))

/** `TRUST_PROXY`: unset/false, true, a hop count, or comma-separated addresses and CIDRs. */
function trustProxy(raw: string | undefined, problems: string[]): boolean | number | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  const list = raw.split(',').map((a) => a.trim())
  if (list.some((a) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a))) {
    problems.push(
      `TRUST_PROXY must be true, a hop count or addresses/CIDRs separated by commas, got "${raw}"`,
    )
    return false
  }
  return list
}

/** `WORKERS`: a count, or `auto` for one per core. */
function workers(raw: string | undefined, problems: string[]): number {
  if (raw === undefined || raw === '') return 1
  if (raw === 'auto') return Math.max(1, availableParallelism())
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) {
    problems.push(`WORKERS must be auto or an integer between 1 and 64, got "${raw}"`)
    return 1
  }
  return Number(raw)
}

/** Hides credentials before a URL is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@')
}
