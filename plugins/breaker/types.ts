import type { BreakerPolicy } from '../../vendors/config.js'

export type Permit = { call: true, probe: boolean } | { call: false, retryAt: number }

/** A circuit breaker per vendor: whether to call now, and what each call's outcome was. */
export interface Breaker {
  permit (vendor: string, policy: BreakerPolicy, now?: number): Promise<Permit>
  record (vendor: string, policy: BreakerPolicy, outcome: 'ok' | 'fail', probe: boolean, now?: number): Promise<'open' | 'closed'>
}

/** Outcomes are counted in buckets a tenth of the window long; the window is their sum. */
export function bucketMs (policy: BreakerPolicy): number {
  return Math.max(100, Math.floor(policy.windowMs / 10))
}
