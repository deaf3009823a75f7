/**
 * rate-limiter-flexible counts in fixed windows, and a burst across a window edge can reach twice a
 * window's points. We therefore count in short windows of `burst` calls each: a sliding second then
 * overlaps at most n + 1 of them, so a vendor never sees more than perSecond + burst in any second.
 */
export interface WindowPlan {
  windowMs: number
  points: number
}

export function planWindows (limit: { perSecond: number, burst: number }): WindowPlan {
  const n = Math.max(1, Math.ceil(limit.perSecond / limit.burst))
  return { windowMs: 1000 / n, points: Math.max(1, Math.floor(limit.perSecond / n)) }
}

/** Windows are aligned to the clock so that every worker process counts into the same one. */
export function windowIndex (plan: WindowPlan, now: number): number {
  return Math.floor(now / plan.windowMs)
}

export function msUntilNextWindow (plan: WindowPlan, now: number): number {
  return Math.max(1, Math.ceil((windowIndex(plan, now) + 1) * plan.windowMs - now))
}
