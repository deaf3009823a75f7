/**
 * What each team used of a vendor: its calls are counted by the minute where they are granted (take.lua
 * and the memory take), the last hour's kept, for GET /teams (a team's calls, and its share of the
 * vendor's calls of the last minutes). Read on a team's or an operator's request, never on a job's path.
 */

/** A minute: calls are counted per team in buckets this long. */
const USAGE_BUCKET_MS = 60_000
/** Buckets kept: GET /teams counts a team's calls over the last hour. */
export const USAGE_BUCKETS = 60
/** Buckets summed for a team's share of the vendor: the current minute and the one before it. */
const RECENT_BUCKETS = 2

export const usageBucket = (now: number): number => Math.floor(now / USAGE_BUCKET_MS)

/** One team's use of one vendor now. */
interface TeamUseOfVendor {
  /** Its entries waiting for their turn. */
  queued: number
  /** Calls granted to it in the last hour. */
  calls: number
  /** Calls granted to it in the last minute or two: its part of `recentCalls`. */
  recentCalls: number
  /** Calls counted now in each of its own quotas on the vendor, in their order. */
  quotas: number[]
}

export interface VendorTeamUse {
  /** Calls granted in the last minute or two, every team's. */
  recentCalls: number
  teams: Map<string, TeamUseOfVendor>
}

/** The last hour's and the last minutes' calls per team, from counts per bucket and team. */
export function sumUsage (counts: Iterable<{ bucket: number, team: string, calls: number }>, now: number): { hour: Map<string, number>, recent: Map<string, number>, recentCalls: number } {
  const current = usageBucket(now)
  const hour = new Map<string, number>()
  const recent = new Map<string, number>()
  let recentCalls = 0
  for (const { bucket, team, calls } of counts) {
    if (bucket > current || bucket <= current - USAGE_BUCKETS) continue
    hour.set(team, (hour.get(team) ?? 0) + calls)
    if (bucket <= current - RECENT_BUCKETS) continue
    recent.set(team, (recent.get(team) ?? 0) + calls)
    recentCalls += calls
  }
  return { hour, recent, recentCalls }
}
