/**
 * The arithmetic of a vendor's limits, shared by the in-memory dispatcher and mirrored by dispatch.lua.
 * Both grant calls as if each could reach the vendor up to `marginMs` after its grant, so that the
 * vendor, which counts arrivals, never sees more than its limits even when calls leave unevenly.
 */

/** A token bucket as GCRA: one theoretical arrival time instead of a token count that must be refilled. */
export interface BucketGrant {
  granted: number
  /** The bucket's theoretical arrival time after the grant. */
  tat: number
  /** The earliest time another call may be granted. */
  nextAt: number
}

export function grantTokens (tat: number | undefined, now: number, perSecond: number, burst: number, marginMs: number, want: number): BucketGrant {
  const interval = 1000 / perSecond
  const tolerance = (burst - 1) * interval - marginMs
  // GCRA: a call conforms when the bucket's theoretical arrival time is within the tolerance of now.
  if (want <= 0 || (tat !== undefined && tat - tolerance > now)) {
    const last = tat ?? now
    return { granted: 0, tat: last, nextAt: Math.max(now, last - tolerance) }
  }
  const from = Math.max(tat ?? now, now)
  // The first call conforms; each further one must too, a tolerance that a margin can make negative.
  const granted = Math.min(want, 1 + Math.max(0, Math.floor((now + tolerance - from) / interval)))
  const next = from + granted * interval
  return { granted, tat: next, nextAt: next - tolerance }
}

/** How many more calls a sliding-window quota allows now, given the grant times in it (ascending). */
export function quotaRoom (times: readonly number[], now: number, limit: number, windowMs: number, marginMs: number): { room: number, nextAt: number } {
  const since = now - windowMs - marginMs
  let first = 0
  while (first < times.length && (times[first] ?? 0) <= since) first++
  const counted = times.length - first
  if (counted < limit) return { room: limit - counted, nextAt: now }
  // The call that must leave the window before one more fits.
  const leaving = times[first + counted - limit] ?? now
  return { room: 0, nextAt: leaving + windowMs + marginMs }
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
