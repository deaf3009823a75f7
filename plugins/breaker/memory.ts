import type { BreakerPolicy } from '../../vendors/config.js'
import { type Breaker, bucketMs } from './types.js'

interface State {
  openUntil?: number
  probes: { count: number, until: number }
  buckets: Map<number, { ok: number, fail: number }>
}

/** Embedded mode's breaker: the same rules as breaker-permit.lua and breaker-record.lua, in one process. */
export function createMemoryBreaker (): Breaker {
  const states = new Map<string, State>()
  const stateOf = (vendor: string): State => {
    let state = states.get(vendor)
    if (state === undefined) {
      state = { probes: { count: 0, until: 0 }, buckets: new Map() }
      states.set(vendor, state)
    }
    return state
  }
  const open = (state: State, policy: BreakerPolicy, now: number): 'open' => {
    state.openUntil = now + policy.halfOpenAfterMs
    state.probes = { count: 0, until: 0 }
    return 'open'
  }

  return {
    async permit (vendor, policy, now = Date.now()) {
      const state = stateOf(vendor)
      if (state.openUntil === undefined) return { call: true, probe: false }
      if (now < state.openUntil) return { call: false, retryAt: state.openUntil }
      if (now >= state.probes.until) state.probes = { count: 0, until: now + policy.halfOpenAfterMs }
      state.probes.count++
      return state.probes.count <= policy.probes ? { call: true, probe: true } : { call: false, retryAt: state.probes.until }
    },
    async record (vendor, policy, outcome, probe, now = Date.now()) {
      const state = stateOf(vendor)
      if (probe) {
        if (outcome === 'fail') return open(state, policy, now)
        states.delete(vendor)
        return 'closed'
      }
      const size = bucketMs(policy)
      const index = Math.floor(now / size)
      const bucket = state.buckets.get(index) ?? { ok: 0, fail: 0 }
      bucket[outcome]++
      state.buckets.set(index, bucket)
      const oldest = index - Math.ceil(policy.windowMs / size) + 1
      for (const i of state.buckets.keys()) if (i < oldest) state.buckets.delete(i)
      if (state.openUntil !== undefined) return 'open'
      let ok = 0
      let fail = 0
      for (const b of state.buckets.values()) {
        ok += b.ok
        fail += b.fail
      }
      const total = ok + fail
      return total >= policy.minCalls && fail >= policy.failureRatio * total ? open(state, policy, now) : 'closed'
    }
  }
}
