import { type Static, Type } from '@sinclair/typebox'
import envSchema from 'env-schema'
import { getHeapStatistics } from 'node:v8'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
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
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  WORKER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  ASYNC_VENDOR_SECRET: Type.Optional(Type.String({ minLength: 8 })),
  SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  REDIS_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_.:-]+$', default: 'vfs' }),
  LEASE_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  LIMIT_MARGIN_MS: Type.Integer({ minimum: 0, maximum: 10_000, default: 50 }),
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
  RECONCILE_GRACE_MS: Type.Integer({ minimum: 0, default: 300_000 })
})

/** Redis mode's settings; absent in embedded mode. */
export interface RedisConfig {
  url: string
  /** `url` names one node of a Redis Cluster. */
  cluster: boolean
  prefix: string
  jobTtlMs: number
}

/** How workers take, hold and give back work, the same in every mode. */
export interface DispatchConfig {
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
}

/** Traces are exported when an OTLP endpoint is named and neither the SDK nor the traces exporter is turned off. */
export function tracingConfigured (env: NodeJS.ProcessEnv): boolean {
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

/** Reads and validates the environment once, at start; any bad value is one clear error. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
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
    reconcile: { intervalMs: raw.RECONCILE_INTERVAL_MS, graceMs: raw.RECONCILE_GRACE_MS }
  }
}

async function configPlugin (app: FastifyInstance, opts: { config: Config }): Promise<void> {
  app.decorate('config', opts.config)
}

export default fp(configPlugin, { name: 'config', fastify: '5.x' })
