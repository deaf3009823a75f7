import { bucketAt, callsThatFit, ledgerSum } from '../../dispatch/spend.js'
import type { VendorLimits, VendorSpend } from '../../dispatch/queue.js'

/**
 * Embedded mode's spend: every team's ledgers on every vendor (core/dispatch/spend.ts), the same rules as
 * take.lua and settle.lua keep in Redis. One process is the whole fleet here, so a team's budget over all
 * its vendors is read and reserved in the same step as the take.
 */
export interface SpendBook {
  /** How many more calls of the vendor the team can afford at `now`: Infinity without a cost or a budget. */
  afford (limits: VendorLimits, team: string, now: number): number
  /** Adds `micros` (less than 0: gives back) to the team's spend on the vendor, in every ledger its budgets keep, as at `at`. */
  record (limits: VendorLimits, team: string, micros: number, at: number): void
  spend (vendor: string, asks: ReadonlyArray<{ team: string, windowMs: number }>, now: number): VendorSpend
}

export function createSpendBook (): SpendBook {
  const ledgers = new Map<string, Map<number, number>>()
  const totals = new Map<string, Map<string, number>>()
  const ledgerOf = (vendor: string, team: string, windowMs: number): Map<number, number> => {
    const key = `${vendor}\u0000${team}\u0000${windowMs}`
    let ledger = ledgers.get(key)
    if (ledger === undefined) {
      ledger = new Map()
      ledgers.set(key, ledger)
    }
    return ledger
  }
  return {
    afford (limits, team, now) {
      const reserve = limits.reserve ?? 0
      let calls = Number.POSITIVE_INFINITY
      for (const budget of limits.budgets?.get(team) ?? []) {
        const vendors = budget.team ? limits.vendors ?? [limits.name] : [limits.name]
        const spent = vendors.reduce((sum, vendor) => sum + ledgerSum(ledgerOf(vendor, team, budget.windowMs), now, budget.windowMs), 0)
        calls = Math.min(calls, callsThatFit(budget.limit, spent, reserve))
      }
      return calls
    },
    record (limits, team, micros, at) {
      if (micros === 0) return
      let byTeam = totals.get(limits.name)
      if (byTeam === undefined) {
        byTeam = new Map()
        totals.set(limits.name, byTeam)
      }
      byTeam.set(team, (byTeam.get(team) ?? 0) + micros)
      for (const windowMs of new Set((limits.budgets?.get(team) ?? []).map((b) => b.windowMs))) {
        const ledger = ledgerOf(limits.name, team, windowMs)
        const bucket = bucketAt(at, windowMs)
        ledger.set(bucket, (ledger.get(bucket) ?? 0) + micros)
      }
    },
    spend (vendor, asks, now) {
      return {
        totals: new Map(totals.get(vendor) ?? []),
        windowed: asks.map(({ team, windowMs }) => ledgerSum(ledgerOf(vendor, team, windowMs), now, windowMs))
      }
    }
  }
}
