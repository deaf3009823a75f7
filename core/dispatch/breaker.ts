/**
 * The circuit breaker's rules, shared by the in-memory dispatcher and mirrored by dispatch.lua and
 * settle.lua: closed, it counts outcomes in buckets a tenth of its window long and opens when enough
 * calls failed; open, it refuses calls until the half-open time, then lets `probes` calls through per
 * interval, whose outcome closes or reopens it.
 */

import type { BreakerPolicy } from '../../vendors/config.js'

export interface BreakerState {
  /** Set while open: calls are refused before this time, probed after it. */
  openUntil?: number
  probes: number
  probesUntil: number
  buckets: Map<number, { ok: number, fail: number }>
}

export const newBreakerState = (): BreakerState => ({ probes: 0, probesUntil: 0, buckets: new Map() })

function bucketMs (policy: BreakerPolicy): number {
  return Math.max(100, Math.floor(policy.windowMs / 10))
}

/** How many calls the breaker lets through now (Infinity when closed), and whether they are probes. */
export function breakerRoom (state: BreakerState, policy: BreakerPolicy, now: number): { room: number, probe: boolean, nextAt: number } {
  if (state.openUntil === undefined) return { room: Number.POSITIVE_INFINITY, probe: false, nextAt: now }
  if (now < state.openUntil) return { room: 0, probe: false, nextAt: state.openUntil }
  if (now >= state.probesUntil) {
    state.probes = 0
    state.probesUntil = now + policy.halfOpenAfterMs
  }
  return { room: Math.max(0, policy.probes - state.probes), probe: true, nextAt: state.probesUntil }
}

export function takeProbes (state: BreakerState, n: number): void {
  state.probes += n
}

const open = (state: BreakerState, policy: BreakerPolicy, now: number): void => {
  state.openUntil = now + policy.halfOpenAfterMs
  state.probes = 0
  state.probesUntil = 0
}

/** Records one call's outcome; returns whether the breaker is open afterwards. */
export function recordOutcome (state: BreakerState, policy: BreakerPolicy, outcome: 'ok' | 'fail', probe: boolean, now: number): boolean {
  if (probe && state.openUntil !== undefined) {
    if (outcome === 'fail') {
      open(state, policy, now)
      return true
    }
    delete state.openUntil
    state.buckets.clear()
    return false
  }
  const size = bucketMs(policy)
  const index = Math.floor(now / size)
  const bucket = state.buckets.get(index) ?? { ok: 0, fail: 0 }
  bucket[outcome]++
  state.buckets.set(index, bucket)
  const oldest = index - Math.ceil(policy.windowMs / size) + 1
  let ok = 0
  let fail = 0
  for (const [i, b] of state.buckets) {
    if (i < oldest) state.buckets.delete(i)
    else {
      ok += b.ok
      fail += b.fail
    }
  }
  if (state.openUntil !== undefined) return true
  const total = ok + fail
  if (total >= policy.minCalls && fail >= policy.failureRatio * total) open(state, policy, now)
  return state.openUntil !== undefined
}
