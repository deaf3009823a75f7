/**
 * The arithmetic of a vendor's limits, shared by the in-memory dispatcher and mirrored by take.lua.
 *
 * A vendor counts arrivals; we count grants. Every granted call leaves within a window the grant gives
 * it (a call that cannot goes back for a new grant: see vendors/departure.ts), so a call reaches the
 * vendor at most the margin after the time its grant was counted at. The margin is paid once per window,
 * never per call: quotas count their window widened by a margin, and the bucket is shaped so that calls
 * jittered by up to the margin still fit the vendor's busiest window (one second, or one interval for
 * vendors slower than one call a second).
 */

/**
 * A bucket as GCRA: each call has a slot, slots are spaced `interval` ms apart, and a call may leave up to
 * `tolerance` ms before its slot and at most `leaveMs` after it: the part of the bucket's jitter a worker
 * may use; the rest of the margin is for the way to the vendor, which no worker sees. A slot may be granted
 * up to `lookaheadMs` before the call may leave, so that the next grant is in hand when its slot comes (the
 * asking, a round trip to Redis, costs no slot); one asked for up to `catchUpMs` after its slot still gets it.
 */
export interface Bucket {
  interval: number
  tolerance: number
  leaveMs: number
  catchUpMs: number
  lookaheadMs: number
}

/**
 * The share of the margin a call may take to leave; the rest is for its way to the vendor, which on a busy
 * machine took more than the 14 ms that a share of 65% of 40 ms left it, and then more than the 20 ms that
 * half of it left (21 calls in a second of a 20/s vendor, twice): hence LIMIT_MARGIN_MS's 60 ms default.
 */
const LEAVE_SHARE = 0.5
/** How far ahead of its time a slot may be granted, in margins. */
const LOOKAHEAD_MARGINS = 2
/**
 * The share of a burst's calls (whole ones, so a burst under 5 keeps them all) whose time a bucket gives
 * its calls' lateness, up to a second: a large burst absorbs a busy worker's late calls at no cost to the
 * sustained rate, where a jitter of only the margin sent them back for a new grant (and dropped their
 * connections) under load.
 */
const JITTER_SHARE = 0.25
const MAX_JITTER_MS = 1000

/**
 * The bucket whose calls, each arriving up to a jitter after its slot, never put more calls in any window
 * of the vendor's (one second, or one interval) than its own bucket of `perSecond` and `burst` allows there.
 * That is ceil(rate x window) + burst - 1 calls; a half-open window of w holds at most ceil((w + tolerance)
 * / interval) conforming calls, so the tolerance plus the jitter must fit in it. The jitter is the margin,
 * or more where the burst has slack (JITTER_SHARE). The sustained rate loses at most margin / (window +
 * margin) of the vendor's: 4.8% for a 50 ms margin, whatever the burst.
 */
export function bucketOf (rateLimit: { perSecond: number, burst: number }, marginMs: number): Bucket {
  const interval = 1000 / rateLimit.perSecond
  const window = Math.max(1000, interval)
  // The epsilon keeps an exact product (20/s over 1 s) from ceiling up through a rounding error.
  const fits = Math.ceil(window / interval - 1e-9) + rateLimit.burst - 1
  // No margin is the vendor's own bucket, exactly: calls leave when granted.
  const jitter = marginMs === 0 ? 0 : Math.max(marginMs, Math.min(Math.floor((rateLimit.burst - 1) * JITTER_SHARE) * interval, MAX_JITTER_MS))
  const spaced = Math.max(interval, (window + jitter) / fits)
  const leaveMs = marginMs * LEAVE_SHARE
  return {
    interval: spaced,
    tolerance: Math.max(0, fits * spaced - window - jitter),
    leaveMs: jitter - (marginMs - leaveMs),
    catchUpMs: leaveMs / 2,
    lookaheadMs: marginMs * LOOKAHEAD_MARGINS
  }
}

/** What the bucket grants now: how many calls, its theoretical arrival time after them, and when it grants again. */
export interface BucketGrant {
  granted: number
  /** The bucket's theoretical arrival time after the grant. */
  tat: number
  /** The earliest time another call may be granted. */
  nextAt: number
  /** The first granted call's slot; the next ones follow an interval apart. */
  from: number
}

export function grantTokens (tat: number | undefined, now: number, bucket: Bucket, want: number): BucketGrant {
  const { interval, tolerance, lookaheadMs } = bucket
  // GCRA: a call conforms when the bucket's theoretical arrival time is within the tolerance of its
  // time, which may be up to the lookahead ahead of now.
  const ahead = now + lookaheadMs
  if (want <= 0 || (tat !== undefined && tat - tolerance > ahead)) {
    const last = tat ?? now
    return { granted: 0, tat: last, nextAt: Math.max(now, last - tolerance - lookaheadMs), from: last }
  }
  // A slot that came due a moment ago is still the next call's; one long past is gone (nothing waited for it).
  const from = tat !== undefined && tat > now - bucket.catchUpMs ? tat : now
  const granted = Math.min(want, 1 + Math.floor((ahead + tolerance - from) / interval))
  const next = from + granted * interval
  return { granted, tat: next, nextAt: next - tolerance - lookaheadMs, from }
}

/** Calls the bucket would let leave now, up to `most`: its slots due now, none of those it grants ahead. */
export const tokensAvailable = (tat: number | undefined, now: number, bucket: Bucket, most: number): number =>
  grantTokens(tat, now, { ...bucket, lookaheadMs: 0 }, most).granted

/** The `index`th call's slot in the bucket, of those granted from slot `from`. */
export const slotOf = (bucket: Bucket, from: number, index: number): number => from + index * bucket.interval

/**
 * The bucket after a call that never left gives its slot back: the bucket stands at that slot again when
 * no call was granted after it (it still stands one interval past it), so that a late call at a slow
 * vendor costs the time it was late, not a whole interval; a slot with later ones granted stays spent.
 */
export function slotBack (tat: number | undefined, slot: number, bucket: Bucket): number | undefined {
  return tat !== undefined && Math.abs(tat - slotOf(bucket, slot, 1)) < 0.5 ? slot : tat
}

/**
 * When, in ms after its grant at `now`, the `index`th call granted from slot `from` may leave: not before
 * `after` (its slot, less the tolerance), and before `within`: `leaveMs` after its slot at most (the bucket
 * counts it there), and `quotaLeaveMs` after `after` at most (a quota counts it there).
 */
export function departureWindow (bucket: Bucket, from: number, index: number, now: number, quotaLeaveMs = Number.POSITIVE_INFINITY): { after: number, within: number } {
  const slot = slotOf(bucket, from, index)
  const after = Math.max(0, slot - bucket.tolerance - now)
  return { after, within: Math.min(after + quotaLeaveMs, slot + bucket.leaveMs - now) }
}

/**
 * How late after the time its quotas count it a call may leave (the vendor's quotas and its team's on the
 * vendor): the least of their margins, less the way to the vendor; unbounded without quotas.
 */
export function quotaLeave (marginMs: number, ...quotas: Array<ReadonlyArray<{ windowMs: number }> | undefined>): number {
  let least = Number.POSITIVE_INFINITY
  for (const list of quotas) for (const q of list ?? []) least = Math.min(least, quotaMargin(q.windowMs, marginMs) - marginMs * (1 - LEAVE_SHARE))
  return least
}

/**
 * A quota's window is widened by this much: the margin, or a fortieth of the window when that is more
 * (up to a second), so that a burst of a quota's calls reaching a busy vendor over tens of ms still fits
 * at a cost of at most 2.5% of its calls.
 */
export function quotaMargin (windowMs: number, marginMs: number): number {
  return Math.max(marginMs, Math.min(windowMs / 40, 1000))
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
