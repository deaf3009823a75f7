import type { VendorConfig } from './config.js'

/** A vendor's configuration as operators may see it: VENDORS_FILE's shape, quota windows in milliseconds. */
export interface PublicVendorConfig {
  mode: VendorConfig['mode']
  url: string
  rateLimit: VendorConfig['rateLimit']
  quotas: Array<{ limit: number, window: number }>
  concurrency: number
  maxRetryAfterMs: number
  timeoutMs: number
  maxResponseBytes: number
  retry: VendorConfig['retry']
  breaker: VendorConfig['breaker']
  maxWaitMs: number
  callbackTimeoutMs: number
  cost: { perCall: number, perResult: number }
}

/** Credentials in a URL (user info, and a query, where API keys often sit) never leave the service. */
function publicUrl (url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}`
  } catch {
    return ''
  }
}

/**
 * The configuration without secrets. Fields are picked one by one, never copied wholesale, so that a
 * field added to vendor entries later (a secret, a mapping) stays out until it is picked here.
 */
export function publicConfig (v: VendorConfig): PublicVendorConfig {
  return {
    mode: v.mode,
    url: publicUrl(v.url),
    rateLimit: { perSecond: v.rateLimit.perSecond, burst: v.rateLimit.burst },
    quotas: v.quotas.map((q) => ({ limit: q.limit, window: q.windowMs })),
    concurrency: v.concurrency,
    maxRetryAfterMs: v.maxRetryAfterMs,
    timeoutMs: v.timeoutMs,
    maxResponseBytes: v.maxResponseBytes,
    retry: { attempts: v.retry.attempts, baseDelayMs: v.retry.baseDelayMs, maxDelayMs: v.retry.maxDelayMs },
    breaker: pickBreaker(v.breaker),
    maxWaitMs: v.maxWaitMs,
    callbackTimeoutMs: v.callbackTimeoutMs,
    cost: { perCall: v.cost?.perCall ?? 0, perResult: v.cost?.perResult ?? 0 }
  }
}

const pickBreaker = (b: VendorConfig['breaker']): VendorConfig['breaker'] =>
  ({ minCalls: b.minCalls, failureRatio: b.failureRatio, windowMs: b.windowMs, halfOpenAfterMs: b.halfOpenAfterMs, probes: b.probes })
