import { readFileSync } from 'node:fs'
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parseDuration } from '../core/time.js'
import { firstProblem } from './adapters/check.js'
import { CacheConfigError, CacheEntry, compileCacheRules } from './cache.js'
import { AdapterFields, type Auth, Cost, Mode, type RequestMapping, type ResponseMapping } from './adapters/entry.js'

/** A vendor is configuration, not code. This is the documented shape of one `VENDORS_FILE` entry. */
export const VendorEntry = Type.Object({
  mode: Type.Optional(Mode),
  url: Type.Optional(Type.String({ pattern: '^https?://' })),
  rateLimit: Type.Optional(Type.Object({
    perSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'sustained calls per second; 0.5 is one call every two seconds' })),
    burst: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 }))
  }, { additionalProperties: false })),
  quotas: Type.Optional(Type.Array(Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    window: Type.Union([
      Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: 'e.g. "10s", "1m", "1h", "1d"' }),
      Type.Integer({ minimum: 1, description: 'milliseconds' })
    ])
  }, { additionalProperties: false }), { maxItems: 8 })),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'calls in flight from all workers together' })),
  maxRetryAfterMs: Type.Optional(Type.Integer({ minimum: 0, description: 'the longest wait a Retry-After may impose: on the vendor (429, 503) or on a job\'s retry' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  maxResponseBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  retry: Type.Optional(Type.Object({
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    baseDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0 }))
  }, { additionalProperties: false })),
  breaker: Type.Optional(Type.Object({
    minCalls: Type.Optional(Type.Integer({ minimum: 1 })),
    failureRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    windowMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    halfOpenAfterMs: Type.Optional(Type.Integer({ minimum: 100 })),
    probes: Type.Optional(Type.Integer({ minimum: 1 }))
  }, { additionalProperties: false })),
  maxWaitMs: Type.Optional(Type.Integer({ minimum: 1 })),
  webhookSecret: Type.Optional(Type.String({ minLength: 8 })),
  cache: Type.Optional(CacheEntry),
  cost: Type.Optional(Cost),
  ...AdapterFields,
  callbackTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 }))
}, { additionalProperties: false })

// A Record's key pattern binds only when other keys are refused.
const VendorsFile = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), VendorEntry, { additionalProperties: false })

export type VendorEntry = Static<typeof VendorEntry>

/** A vendor's circuit breaker (core/dispatch/breaker.ts applies it): the `breaker` entry with its defaults. */
export interface BreakerPolicy {
  minCalls: number
  failureRatio: number
  windowMs: number
  halfOpenAfterMs: number
  probes: number
}

export interface VendorConfig {
  name: string
  mode: Mode
  url: string
  rateLimit: { perSecond: number, burst: number }
  /** In any sliding window of `windowMs`, at most `limit` calls. */
  quotas: Array<{ limit: number, windowMs: number }>
  /** Calls in flight from the whole fleet. */
  concurrency: number
  maxRetryAfterMs: number
  timeoutMs: number
  /** A longer answer fails the attempt without retry: it is not read further, let alone stored. */
  maxResponseBytes: number
  retry: { attempts: number, baseDelayMs: number, maxDelayMs: number }
  breaker: BreakerPolicy
  /** No job waits on an open breaker longer than this from its submission. */
  maxWaitMs: number
  webhookSecret?: string
  /** What a call costs; a type's own `cost` replaces it for that type's jobs (core/dispatch/spend.ts). */
  cost?: VendorEntry['cost']
  /** How calls are made and read when the vendor's API is not ours (vendors/adapters). */
  request?: RequestMapping
  auth?: Auth
  response?: ResponseMapping
  types?: VendorEntry['types']
  accepted?: VendorEntry['accepted']
  webhook?: VendorEntry['webhook']
  poll?: VendorEntry['poll']
  /** Answers that come a page at a time, and the vendor's own rate-limit headers (DESIGN "Adapters (v3)"). */
  pages?: VendorEntry['pages']
  limits?: VendorEntry['limits']
  callbackTimeoutMs: number
  /** Completed results kept and identical jobs joined (DESIGN "Spend (v3)"); a type's own `cache` wins. */
  cache?: CacheEntry
}

export type Vendors = ReadonlyMap<string, VendorConfig>

/** Development value, public in this repository: loadConfig accepts it only while the mock vendors run in process. */
export const DEV_ASYNC_VENDOR_SECRET = 'dev-async-vendor-secret'

const COMMON = {
  quotas: [],
  concurrency: 50,
  maxRetryAfterMs: 10 * 60_000,
  timeoutMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  retry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 30_000 },
  breaker: { minCalls: 20, failureRatio: 0.5, windowMs: 10_000, halfOpenAfterMs: 5_000, probes: 1 },
  maxWaitMs: 15 * 60_000,
  callbackTimeoutMs: 5 * 60_000
}

export function defaultVendors (asyncVendorSecret: string): Record<string, Omit<VendorConfig, 'name'>> {
  return {
    syncVendor: { ...COMMON, mode: 'sync', url: 'http://127.0.0.1:3001', rateLimit: { perSecond: 100, burst: 20 } },
    asyncVendor: {
      ...COMMON,
      mode: 'async',
      url: 'http://127.0.0.1:3002',
      rateLimit: { perSecond: 50, burst: 10 },
      webhookSecret: asyncVendorSecret
    }
  }
}

export class VendorsFileError extends Error {
  override name = 'VendorsFileError'
}

/** Merges `VENDORS_FILE` entries over the defaults: a default's name overrides the fields given, a new name adds a vendor. */
export function mergeVendors (
  defaults: Record<string, Omit<VendorConfig, 'name'>>,
  entries: unknown,
  source = 'VENDORS_FILE'
): Vendors {
  if (!Value.Check(VendorsFile, entries)) throw new VendorsFileError(`${source} is invalid: ${problemOf(entries)}`)
  const vendors = new Map<string, VendorConfig>()
  for (const [name, base] of Object.entries(defaults)) vendors.set(name, { name, ...base })
  for (const [name, entry] of Object.entries(entries)) {
    const base = vendors.get(name)
    if (base === undefined && (entry.mode === undefined || entry.url === undefined)) {
      throw new VendorsFileError(`${source} is invalid: new vendor "${name}" needs "mode" and "url"`)
    }
    const { quotas, ...fields } = entry
    const merged: VendorConfig = {
      ...COMMON,
      ...base,
      ...fields,
      ...(quotas === undefined ? {} : { quotas: quotas.map((q, i) => ({ limit: q.limit, windowMs: windowOf(q.window, `${source} is invalid: /${name}/quotas/${i}/window`) })) }),
      name,
      mode: entry.mode ?? base?.mode ?? 'sync',
      url: entry.url ?? base?.url ?? '',
      rateLimit: { perSecond: 10, burst: 5, ...base?.rateLimit, ...entry.rateLimit },
      retry: { ...COMMON.retry, ...base?.retry, ...entry.retry },
      breaker: { ...COMMON.breaker, ...base?.breaker, ...entry.breaker }
    }
    if (merged.mode === 'async' && merged.webhookSecret === undefined && merged.webhook?.secret === undefined) {
      throw new VendorsFileError(`${source} is invalid: async vendor "${name}" needs "webhook.secret" (or "webhookSecret") to verify its callbacks`)
    }
    try {
      compileCacheRules(name, merged.cache, merged.types)
    } catch (err) {
      if (err instanceof CacheConfigError) throw new VendorsFileError(`${source} is invalid: ${err.message}`)
      throw err
    }
    vendors.set(name, merged)
  }
  return vendors
}

/**
 * The first problem, naming the vendor and the dotted field as compileVendor does; a union (auth, signature)
 * is explained by the variant its type or scheme names, not as "Expected union value".
 */
function problemOf (entries: unknown): string {
  if (entries !== null && typeof entries === 'object' && !Array.isArray(entries)) {
    for (const [name, entry] of Object.entries(entries)) {
      const problem = firstProblem(VendorEntry, entry)
      if (problem !== undefined) return `vendor "${name}": ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`
    }
  }
  const problem = firstProblem(VendorsFile, entries)
  return problem === undefined ? 'not an object of vendor entries' : `${problem.path || '/'}: ${problem.message}`
}

function windowOf (window: string | number, where: string): number {
  const ms = parseDuration(window)
  if (ms === undefined) throw new VendorsFileError(`${where}: a window must be longer than 0`)
  return ms
}

export function loadVendors (file: string | undefined, asyncVendorSecret: string): Vendors {
  const defaults = defaultVendors(asyncVendorSecret)
  if (file === undefined || file === '') return mergeVendors(defaults, {})
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new VendorsFileError(`VENDORS_FILE ${file} cannot be read as JSON: ${(err as Error).message}`)
  }
  return mergeVendors(defaults, parsed, `VENDORS_FILE ${file}`)
}
