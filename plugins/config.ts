import { type Static, Type } from '@sinclair/typebox'
import envSchema from 'env-schema'
import { getHeapStatistics } from 'node:v8'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { parseDuration } from '../core/time.js'
import { DEFAULT_TEAM } from '../core/job.js'
import { NOTIFY_LEASE_MS } from '../core/notify/notifier.js'
import { ALLOWED_HOST, isWebhookSecret, WEBHOOK_SECRET_RULE } from '../core/notify/settings.js'
import { loadTeams, type TeamConfig, type Teams } from '../core/teams/config.js'
import { DEV_ASYNC_VENDOR_SECRET, loadVendors, type Vendors } from '../vendors/config.js'

const Env = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  REDIS_URL: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_CLUSTER: Type.Boolean({ default: false }),
  MONGO_URL: Type.Optional(Type.String({ minLength: 1 })),
  WORKER: Type.Union([Type.Literal('in-process'), Type.Literal('off')], { default: 'in-process' }),
  MOCK_VENDORS: Type.Optional(Type.Union([Type.Literal('in-process'), Type.Literal('off')])),
  VENDORS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  TEAMS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  WORKER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  ASYNC_VENDOR_SECRET: Type.Optional(Type.String({ minLength: 8 })),
  SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.:-]+$', default: 'vfs' }),
  LEASE_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  LIMIT_MARGIN_MS: Type.Integer({ minimum: 0, maximum: 10_000, default: 60 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  WORKER_CONCURRENCY: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  MAX_DELIVERIES: Type.Integer({ minimum: 1, default: 5 }),
  JOB_TTL_DAYS: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  MAX_HEAP_USED_BYTES: Type.Optional(Type.Integer({ minimum: 0 })),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  METRICS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  JOB_INDEX_MAX: Type.Integer({ minimum: 1, default: 1_000_000 }),
  EMBEDDED_MAX_JOBS: Type.Integer({ minimum: 1, default: 100_000 }),
  RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  RECONCILE_GRACE_MS: Type.Integer({ minimum: 0, default: 300_000 }),
  NOTIFY_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  NOTIFY_ALLOWED_HOSTS: Type.Optional(Type.String()),
  NOTIFY_RETRY_DELAYS: Type.String({ default: '5s,30s,2m,10m,30m,1h,3h' }),
  NOTIFY_LEASE_MS: Type.Integer({ minimum: 1000, default: NOTIFY_LEASE_MS }),
  MAX_BATCH: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  MAX_WAITERS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  HISTORY_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 })
})

/** Redis mode's settings; absent in embedded mode. */
interface RedisConfig {
  url: string
  /** `url` names one node of a Redis Cluster. */
  cluster: boolean
  prefix: string
  jobTtlMs: number
}

/** How workers take, hold and give back work, the same in every mode. */
interface DispatchConfig {
  /** A delivery's lease, renewed while its call is on the wire; only an expired lease is taken over. */
  leaseMs: number
  /** How late a call may reach its vendor after its grant; limits hold as if every call were that late. */
  marginMs: number
  /** How long a stopping worker lets calls on the wire finish. */
  shutdownGraceMs: number
  /** Calls in flight from one process, all vendors together. */
  maxInFlight: number
  /** Deliveries after which an entry goes to the dead-letter stream and its job fails. */
  maxDeliveries: number
}

export interface Config {
  port: number
  host: string
  logLevel: string
  mode: 'embedded' | 'redis' | 'full'
  redis?: RedisConfig
  /** Full mode: jobs in MongoDB behind a Redis cache. */
  mongo?: { url: string }
  worker: 'in-process' | 'off'
  mockVendors: 'in-process' | 'off'
  publicUrl: string
  workerPort: number
  sweepIntervalMs: number
  dispatch: DispatchConfig
  vendors: Vendors
  /** The teams of TEAMS_FILE, or open mode's one team `default`. */
  teams: Teams
  /** Past either threshold the API sheds requests with a 503; 0 turns a check off. */
  load: { maxEventLoopDelayMs: number, maxHeapUsedBytes: number }
  /** The bearer token of the admin routes; without one they answer 404. */
  adminToken?: string
  /** Prometheus metrics at /metrics. */
  metrics: boolean
  /** OpenTelemetry export, configured by the standard OTEL_* variables. */
  tracing: boolean
  /** Listing entries kept per vendor and ended status (Redis mode's indexes). */
  jobIndexMax: number
  /** How long a job is kept; its listing entries go with it. */
  jobTtlMs: number
  /** Embedded mode's bound on kept jobs: finished ones are evicted past it, and new ones refused when none has finished. */
  embeddedMaxJobs: number
  /** Full mode's reconciler: a pass per interval across the fleet, over jobs unchanged for longer than the grace. */
  reconcile: { intervalMs: number, graceMs: number }
  /** After each failed completion webhook, in turn, how long until the next try; once all are spent it failed for good. */
  notifyRetryDelaysMs: number[]
  /** How long a webhook a worker took is its own: another sends it once this runs out (a worker that died mid-try). */
  notifyLeaseMs: number
  /** Jobs per POST /jobs/batch. */
  maxBatch: number
  /** Open ?wait= requests per process. */
  maxWaiters: number
  /** One point of each vendor's history (GET /vendors/{name}/history, the dashboard's charts). */
  historyIntervalMs: number
}

/** Traces are exported when an OTLP endpoint is named and neither the SDK nor the traces exporter is turned off. */
function tracingConfigured (env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT
  return endpoint !== undefined && endpoint !== '' && env.OTEL_SDK_DISABLED !== 'true' && env.OTEL_TRACES_EXPORTER !== 'none'
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads and validates the environment once, at start; any bad value is one clear error. `teamKeys: false`
 * for a process that serves no job route (a standalone worker): it reads TEAMS_FILE but not the keys.
 */
export function loadConfig (env: NodeJS.ProcessEnv = process.env, opts: { teamKeys?: boolean } = {}): Config {
  let raw: Static<typeof Env>
  try {
    raw = envSchema<Static<typeof Env>>({ schema: Env, data: env, env: false })
  } catch (err) {
    throw new ConfigError(`invalid environment: ${(err as Error).message}`)
  }
  if (raw.MONGO_URL !== undefined && raw.REDIS_URL === undefined) {
    throw new ConfigError('invalid environment: MONGO_URL needs REDIS_URL (full mode keeps the queue, rate limits and cache in Redis)')
  }
  if (raw.REDIS_CLUSTER && raw.REDIS_URL === undefined) {
    throw new ConfigError('invalid environment: REDIS_CLUSTER=true needs REDIS_URL (a node of the cluster)')
  }
  const mockVendors = raw.MOCK_VENDORS ?? (raw.REDIS_URL === undefined ? 'in-process' : 'off')
  const vendors = loadVendors(raw.VENDORS_FILE, raw.ASYNC_VENDOR_SECRET ?? DEV_ASYNC_VENDOR_SECRET)
  // The development secret is public: anyone could sign a callback with it. Only the mocks in this process may use it.
  const devSigned = [...vendors.values()].find((v) => v.webhookSecret === DEV_ASYNC_VENDOR_SECRET)
  if (mockVendors === 'off' && devSigned !== undefined) {
    throw new ConfigError(`invalid environment: ${devSigned.name}'s webhook secret is the public development value; set ASYNC_VENDOR_SECRET (or its webhookSecret) to a secret of your own; the default is only for MOCK_VENDORS=in-process`)
  }
  const teams = withOpenNotify(loadTeams(raw.TEAMS_FILE, { env, vendors: [...vendors.keys()], keys: opts.teamKeys ?? true, ...(raw.ADMIN_TOKEN === undefined ? {} : { adminToken: raw.ADMIN_TOKEN }) }), raw)
  const jobTtlMs = Math.round(raw.JOB_TTL_DAYS * 24 * 60 * 60 * 1000)
  // A held job unchanged for the grace is known not to be on the wire: its call would have timed out by then.
  const longest = Math.max(...[...vendors.values()].map((v) => v.timeoutMs))
  if (raw.MONGO_URL !== undefined && raw.RECONCILE_GRACE_MS <= longest) {
    throw new ConfigError(`invalid environment: RECONCILE_GRACE_MS (${raw.RECONCILE_GRACE_MS}) must exceed every vendor's timeoutMs (the longest is ${longest})`)
  }
  const redis = raw.REDIS_URL === undefined
    ? undefined
    : { url: raw.REDIS_URL, cluster: raw.REDIS_CLUSTER, prefix: raw.REDIS_PREFIX, jobTtlMs }
  return {
    port: raw.PORT,
    host: raw.HOST,
    logLevel: raw.LOG_LEVEL,
    mode: redis === undefined ? 'embedded' : raw.MONGO_URL === undefined ? 'redis' : 'full',
    ...(redis === undefined ? {} : { redis }),
    ...(raw.MONGO_URL === undefined ? {} : { mongo: { url: raw.MONGO_URL } }),
    worker: raw.WORKER,
    mockVendors,
    publicUrl: (raw.PUBLIC_URL ?? `http://127.0.0.1:${raw.PORT}`).replace(/\/+$/, ''),
    workerPort: raw.WORKER_PORT,
    sweepIntervalMs: raw.SWEEP_INTERVAL_MS,
    dispatch: {
      leaseMs: raw.LEASE_MS,
      marginMs: raw.LIMIT_MARGIN_MS,
      shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
      // By default a process may hold every vendor's whole concurrency: calls are I/O, not CPU.
      maxInFlight: raw.WORKER_CONCURRENCY ?? [...vendors.values()].reduce((sum, v) => sum + v.concurrency, 0),
      maxDeliveries: raw.MAX_DELIVERIES
    },
    vendors,
    teams,
    load: {
      maxEventLoopDelayMs: raw.MAX_EVENT_LOOP_DELAY_MS,
      // Shedding a little before V8's heap limit beats the crash at it.
      maxHeapUsedBytes: raw.MAX_HEAP_USED_BYTES ?? Math.floor(getHeapStatistics().heap_size_limit * 0.9)
    },
    ...(raw.ADMIN_TOKEN === undefined ? {} : { adminToken: raw.ADMIN_TOKEN }),
    metrics: raw.METRICS === 'on',
    tracing: tracingConfigured(env),
    jobIndexMax: raw.JOB_INDEX_MAX,
    jobTtlMs,
    embeddedMaxJobs: raw.EMBEDDED_MAX_JOBS,
    reconcile: { intervalMs: raw.RECONCILE_INTERVAL_MS, graceMs: raw.RECONCILE_GRACE_MS },
    notifyRetryDelaysMs: retryDelays(raw.NOTIFY_RETRY_DELAYS),
    notifyLeaseMs: raw.NOTIFY_LEASE_MS,
    maxBatch: raw.MAX_BATCH,
    maxWaiters: raw.MAX_WAITERS,
    historyIntervalMs: raw.HISTORY_INTERVAL_MS
  }
}

/** Open mode's completion webhooks (NOTIFY_SECRET, NOTIFY_ALLOWED_HOSTS) as its one team's; with TEAMS_FILE each team has its own. */
function withOpenNotify (teams: Teams, raw: Static<typeof Env>): Teams {
  const { NOTIFY_SECRET: secret, NOTIFY_ALLOWED_HOSTS: hosts } = raw
  if (secret === undefined && hosts === undefined) return teams
  if (teams.keyed) throw new ConfigError('invalid environment: NOTIFY_SECRET and NOTIFY_ALLOWED_HOSTS are open mode\'s; with TEAMS_FILE each team\'s notify entry names its secret and hosts')
  if (secret !== undefined && !isWebhookSecret(secret)) throw new ConfigError(`invalid environment: NOTIFY_SECRET must be ${WEBHOOK_SECRET_RULE}`)
  const allowedHosts = (hosts ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '')
  const bad = allowedHosts.find((h) => !new RegExp(ALLOWED_HOST).test(h))
  if (bad !== undefined) throw new ConfigError(`invalid environment: NOTIFY_ALLOWED_HOSTS: "${bad}" is not a host or host:port`)
  const team = teams.byName.get(DEFAULT_TEAM) as TeamConfig
  return { ...teams, byName: new Map([[DEFAULT_TEAM, { ...team, notify: { ...(secret === undefined ? {} : { secret }), allowedHosts } }]]) }
}

/** NOTIFY_RETRY_DELAYS: durations separated by commas ('' for none). */
function retryDelays (text: string): number[] {
  return text.split(',').map((d) => d.trim()).filter((d) => d !== '').map((d) => {
    const ms = parseDuration(d)
    if (ms === undefined) throw new ConfigError(`invalid environment: NOTIFY_RETRY_DELAYS: "${d}" is not a duration (e.g. 5s, 2m, 1h)`)
    return ms
  })
}

async function configPlugin (app: FastifyInstance, opts: { config: Config }): Promise<void> {
  app.decorate('config', opts.config)
}

export default fp(configPlugin, { name: 'config', fastify: '5.x' })
