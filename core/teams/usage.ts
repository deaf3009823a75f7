import type { Saved } from '../results.js'
import type { DispatchQueue } from '../dispatch/queue.js'
import type { TeamConfig } from './config.js'

/** What a team used of one vendor; each number is absent where nothing counts it yet. */
interface VendorUse {
  calls?: number
  queued?: number
  /** The team's part of the vendor's recent calls, 0 to 1. */
  share?: number
  /** Calls counted now in each of the team's quotas on the vendor, in their order. */
  quotas?: number[]
  /** Spent in the window of the team's budget on the vendor. */
  spent?: number
  /** Calls the team did not make: its jobs took a kept result or joined an identical job (core/results.ts). */
  saved?: Saved
  /** Spent in all, in the operator's currency. */
  spend?: number
}

export interface TeamUse {
  vendors: ReadonlyMap<string, VendorUse>
  /** Spent in the team's budget window, all vendors together. */
  spent?: number
}

/** Where a team's live usage comes from: the dispatch and the spend fill it in as they count it. */
export interface TeamUsage {
  of (team: TeamConfig): Promise<TeamUse>
}

/** A team's use of each vendor as the dispatch counts it: its waiting entries, its calls, its share and its quotas. */
export function dispatchUsage (queue: Pick<DispatchQueue, 'teamUse'>, vendors: readonly string[]): TeamUsage {
  return {
    async of (team) {
      const uses = await Promise.all(vendors.map((vendor) => queue.teamUse(vendor, [{ name: team.name, quotas: team.vendors.get(vendor)?.quotas ?? [] }])))
      return {
        vendors: new Map(vendors.map((vendor, i) => {
          const use = uses[i]
          const mine = use?.teams.get(team.name)
          if (use === undefined || mine === undefined) return [vendor, {}]
          const share = use.recentCalls === 0 ? 0 : mine.recentCalls / use.recentCalls
          return [vendor, { calls: mine.calls, queued: mine.queued, share, quotas: mine.quotas }]
        }))
      }
    }
  }
}

/** What the result cache saved each team (core/results.ts savedOf), beside what `base` counts. */
export function withSaved (base: TeamUsage, savedOf: (team: string) => Promise<Record<string, Saved>>): TeamUsage {
  return {
    async of (team) {
      const [use, saved] = await Promise.all([base.of(team), savedOf(team.name)])
      const vendors = new Map(use.vendors)
      for (const [vendor, counts] of Object.entries(saved)) vendors.set(vendor, { ...vendors.get(vendor), saved: counts })
      return { ...use, vendors }
    }
  }
}

/** What the dispatch counts and what the spend counts of a team, in one use. */
export function combineUse (counted: TeamUse, spent: TeamUse): TeamUse {
  const names = new Set([...counted.vendors.keys(), ...spent.vendors.keys()])
  return {
    vendors: new Map([...names].map((vendor) => [vendor, { ...counted.vendors.get(vendor), ...spent.vendors.get(vendor) }])),
    ...(spent.spent === undefined ? {} : { spent: spent.spent })
  }
}
