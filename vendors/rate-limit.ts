import type { Limits } from './adapters/entry.js'
import type { IncomingHeaders } from './adapters/signatures.js'

export type RateLimitHeaders = NonNullable<Limits['headers']>

/** What a vendor's rate-limit headers say: calls left in its window, and how long until that window resets. */
export interface RateLimitReading {
  remaining?: number
  resetMs?: number
}

/** A reset above this is a point in time (epoch seconds), below it a number of seconds to wait (2001-09-09). */
const EPOCH_FROM = 1e9

/**
 * Reads a vendor's own rate-limit headers. With names configured, those; by default the IETF headers
 * (`RateLimit: "policy";r=0;t=30` with `RateLimit-Policy` for the window when `t` is missing, and the
 * earlier drafts' `RateLimit-Remaining`/`RateLimit-Reset`), then the common `X-RateLimit-Remaining`/`-Reset`.
 */
export function readRateLimit (config: RateLimitHeaders | undefined, headers: IncomingHeaders, now = Date.now()): RateLimitReading {
  if (config === false) return {}
  if (config?.remaining !== undefined || config?.reset !== undefined) {
    const { remaining = 'x-ratelimit-remaining', reset = 'x-ratelimit-reset', resetFormat } = config
    return reading(first(headers, remaining), first(headers, reset), resetFormat, now)
  }
  const ietf = structured(first(headers, 'ratelimit'), first(headers, 'ratelimit-policy'))
  if (ietf.remaining !== undefined) return ietf
  const draft = reading(first(headers, 'ratelimit-remaining'), first(headers, 'ratelimit-reset'), 'delta-seconds', now)
  if (draft.remaining !== undefined) return draft
  return reading(first(headers, 'x-ratelimit-remaining'), first(headers, 'x-ratelimit-reset'), config?.resetFormat, now)
}

/** The pause a reading asks for: none while calls remain, or when the vendor says no reset. */
export function pauseOf (reading: RateLimitReading): number | undefined {
  return reading.remaining === 0 && reading.resetMs !== undefined ? reading.resetMs : undefined
}

function reading (remaining: string | undefined, reset: string | undefined, format: 'epoch-seconds' | 'delta-seconds' | undefined, now: number): RateLimitReading {
  const left = number(remaining)
  const at = number(reset)
  if (left === undefined) return {}
  if (at === undefined) return { remaining: left }
  const epoch = format === 'epoch-seconds' || (format === undefined && at > EPOCH_FROM)
  return { remaining: left, resetMs: Math.max(0, Math.ceil(epoch ? at * 1000 - now : at * 1000)) }
}

/**
 * The IETF draft's structured fields: `RateLimit` lists items `"name";r=<remaining>;t=<seconds>` (the
 * strictest counts), `RateLimit-Policy` items `"name";q=<quota>;w=<window seconds>`. Also the drafts'
 * earlier single item `limit=10, remaining=0, reset=30`.
 */
function structured (limit: string | undefined, policy: string | undefined): RateLimitReading {
  if (limit === undefined) return {}
  const windows = new Map<string, number>()
  for (const item of items(policy ?? '')) {
    const w = number(item.params.w)
    if (w !== undefined) windows.set(item.name, w)
  }
  const params = items(limit)
  const old = Object.fromEntries(limit.split(',').map((part) => part.trim().split('=').map((s) => s.trim())))
  if (number(old.remaining) !== undefined) {
    const reset = number(old.reset)
    return { remaining: number(old.remaining), ...(reset === undefined ? {} : { resetMs: reset * 1000 }) }
  }
  let best: RateLimitReading = {}
  for (const item of params) {
    const remaining = number(item.params.r)
    if (remaining === undefined) continue
    const seconds = number(item.params.t) ?? windows.get(item.name)
    const candidate = { remaining, ...(seconds === undefined ? {} : { resetMs: seconds * 1000 }) }
    if (best.remaining === undefined || remaining < best.remaining || (remaining === best.remaining && (candidate.resetMs ?? 0) > (best.resetMs ?? 0))) best = candidate
  }
  return best
}

/** Items of a Structured Fields list (RFC 9651), enough of it for these headers: a token or string, then `;key=value` parameters. */
function items (text: string): Array<{ name: string, params: Record<string, string> }> {
  return text.split(',').map((part) => {
    const [name = '', ...params] = part.split(';').map((s) => s.trim())
    return {
      name: name.replace(/^"|"$/g, ''),
      params: Object.fromEntries(params.map((p) => {
        const at = p.indexOf('=')
        return at === -1 ? [p, '?1'] : [p.slice(0, at).trim(), p.slice(at + 1).trim()]
      }))
    }
  })
}

function first (headers: IncomingHeaders, name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

function number (text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined
  return Number(text)
}
