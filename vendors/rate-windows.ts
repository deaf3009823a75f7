/**
 * rate-limiter-flexible counts in fixed windows, and a burst across a window edge can reach twice a
 * window's points. We therefore count in n short windows a second of at most half the burst each: a
 * sliding second overlaps at most n + 1 of them, so tokens are issued at no more than perSecond plus
 * half the burst in any second. The other half is headroom for what we cannot control: the time
 * between a worker taking a token and its call reaching the vendor, which varies with load.
 */
export interface WindowPlan {
  windowMs: number
  points: number
}

export function planWindows (limit: { perSecond: number, burst: number }): WindowPlan {
  const share = Math.max(1, Math.floor(limit.burst / 2))
  const n = Math.max(1, Math.ceil(limit.perSecond / share))
  return { windowMs: 1000 / n, points: Math.max(1, Math.floor(limit.perSecond / n)) }
}

/** Windows are aligned to the clock so that every worker process counts into the same one. */
export function windowIndex (plan: WindowPlan, now: number): number {
  return Math.floor(now / plan.windowMs)
}

export function msUntilNextWindow (plan: WindowPlan, now: number): number {
  return Math.max(1, Math.ceil((windowIndex(plan, now) + 1) * plan.windowMs - now))
}
