import { fromMicros } from '../../dispatch/spend.js'
import type { Admission, ResultCache } from '../../results.js'

/**
 * Embedded mode's result cache: this process is the whole fleet, so each step is one synchronous turn.
 * At most `maxEntries` results are kept (EMBEDDED_MAX_JOBS), the oldest dropped first.
 */
export function createMemoryResults (maxEntries: number, now = Date.now): ResultCache {
  const results = new Map<string, { result: unknown, at: number, until: number }>()
  const claims = new Map<string, { id: string, until: number }>()
  // A leader's followers, apart from its claim and outliving it by a claim's length (as in Redis): a leader
  // still on its way when its claim expired and another job took the key still ends its own followers.
  const followers = new Map<string, { ids: string[], until: number }>()
  const sweep = (t: number): void => {
    if (claims.size >= maxEntries) for (const [k, c] of claims) if (c.until <= t) claims.delete(k)
    if (followers.size >= maxEntries) for (const [id, f] of followers) if (f.until <= t) followers.delete(id)
  }
  const saved = new Map<string, Map<string, { cache: number, coalesced: number, micros: number }>>()
  return {
    async admit (key, id, opts): Promise<Admission> {
      const t = now()
      const kept = results.get(key)
      if (kept !== undefined && kept.until <= t) results.delete(key)
      else if (kept !== undefined && (opts.maxAgeMs === undefined || t - kept.at <= opts.maxAgeMs)) {
        return { kind: 'hit', result: structuredClone(kept.result), at: kept.at }
      }
      const claim = claims.get(key)
      if (claim !== undefined && claim.until > t) {
        const joined = followers.get(claim.id) ?? { ids: [], until: 0 }
        joined.ids.push(id)
        joined.until = claim.until + opts.claimMs
        followers.set(claim.id, joined)
        return { kind: 'follow', leader: claim.id }
      }
      // A leader that never ended (evicted unended) leaves its claim and followers behind: swept once there are too many.
      sweep(t)
      claims.set(key, { id, until: t + opts.claimMs })
      return { kind: 'lead' }
    },
    async finish (key, id, keep) {
      const t = now()
      if (keep !== undefined) {
        results.delete(key)
        results.set(key, { result: structuredClone(keep.result), at: t, until: t + keep.ttlMs })
        if (results.size > maxEntries) results.delete(results.keys().next().value as string)
      }
      if (claims.get(key)?.id === id) claims.delete(key)
      const mine = followers.get(id)
      followers.delete(id)
      return mine === undefined || mine.until <= t ? [] : mine.ids
    },
    async saved (team, vendor, source, micros) {
      const ofTeam = saved.get(team) ?? new Map<string, { cache: number, coalesced: number, micros: number }>()
      saved.set(team, ofTeam)
      const counts = ofTeam.get(vendor) ?? { cache: 0, coalesced: 0, micros: 0 }
      ofTeam.set(vendor, counts)
      counts[source]++
      counts.micros += micros
    },
    async savedOf (team) {
      return Object.fromEntries([...saved.get(team) ?? []].map(([vendor, { cache, coalesced, micros }]) => [vendor, { cache, coalesced, cost: fromMicros(micros) }]))
    }
  }
}
