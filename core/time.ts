/** The last millisecond that prints with a four-digit year, as RFC 3339 wants it. */
const LAST_PRINTABLE = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * A stored time as ISO-8601, whatever was stored: a time out of range (a vendor's Retry-After of a million
 * years, a hash edited by hand) shows as the nearest printable one instead of making the read throw.
 */
export function isoTime (ms: number): string {
  const printable = Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, 0), LAST_PRINTABLE)
  return new Date(printable).toISOString()
}

/** A leap second, which RFC 3339 allows and Date.parse refuses: `23:59:60` (a fraction and the zone kept apart). */
const LEAP_SECOND = /^(.+[Tt ]\d\d:\d\d):60(?:\.\d+)?([Zz]|[+-]\d\d:\d\d)$/

/**
 * An RFC 3339 date-time as ms since the epoch, or undefined when it names no instant. A leap second is
 * the last millisecond before the minute that follows it: the clock counts no leap seconds, and a job
 * created after one was created at that minute or later.
 */
export function parseInstant (text: string): number | undefined {
  const leap = LEAP_SECOND.exec(text)
  const ms = Date.parse(leap === null ? text : `${leap[1]}:59.999${leap[2]}`)
  return Number.isFinite(ms) ? ms : undefined
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `"10s"`, `"1m"`, `"1h"`, `"1d"`, `"250ms"` or a number of milliseconds; undefined when unreadable. */
export function parseDuration (value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim())
  if (match === null) return undefined
  const ms = Math.round(Number(match[1]) * (UNITS[match[2] as string] ?? Number.NaN))
  return ms > 0 ? ms : undefined
}
