import type { DispatchQueue } from '../dispatch/queue.js'
import { fromMicros, toMicros } from '../dispatch/spend.js'
import type { TeamConfig, Windowed } from './config.js'
import type { TeamUse } from './usage.js'

/** What one team spent, read from every vendor's queue: its budgets' windows and in all, in micros. */
interface TeamSpend {
  /** Per vendor: in all, and in the window of the team's budget on the vendor. */
  vendors: Map<string, { total: number, inBudget?: number }>
  /** All vendors together, in the window of the team's own budget. */
  inBudget?: number
}

/** Reads a team's spend on these vendors: a few reads per vendor, for views and the submit's check. */
export async function readTeamSpend (queue: DispatchQueue, vendors: readonly string[], team: TeamConfig): Promise<TeamSpend> {
  const read = await Promise.all(vendors.map(async (vendor) => {
    const own = team.vendors.get(vendor)?.budget
    const asks = [team.budget, own].filter((b): b is Windowed => b !== undefined).map((b) => ({ team: team.name, windowMs: b.windowMs }))
    const spend = await queue.spend(vendor, asks)
    return { vendor, total: spend.totals.get(team.name) ?? 0, teamWindow: team.budget === undefined ? 0 : spend.windowed[0] ?? 0, ownWindow: own === undefined ? undefined : spend.windowed.at(-1) ?? 0 }
  }))
  return {
    vendors: new Map(read.map((r) => [r.vendor, { total: r.total, ...(r.ownWindow === undefined ? {} : { inBudget: r.ownWindow }) }])),
    ...(team.budget === undefined ? {} : { inBudget: read.reduce((sum, r) => sum + r.teamWindow, 0) })
  }
}

/** A team's spend as GET /teams/me shows it, in the operator's currency. */
export function spendUse (spend: TeamSpend): TeamUse {
  return {
    vendors: new Map([...spend.vendors].map(([vendor, s]) => [vendor, { spend: fromMicros(s.total), ...(s.inBudget === undefined ? {} : { spent: fromMicros(s.inBudget) }) }])),
    ...(spend.inBudget === undefined ? {} : { spent: fromMicros(spend.inBudget) })
  }
}

/**
 * Whether the team can afford one more call of `vendor` costing `reserve` micros (its most expensive,
 * as its take reserves): within its own budget over all vendors and its budget on this vendor.
 */
export function affords (team: TeamConfig, vendor: string, spend: TeamSpend, reserve: number): boolean {
  if (reserve <= 0) return true
  const fits = (budget: Windowed | undefined, spent: number | undefined): boolean => budget === undefined || (spent ?? 0) + reserve <= toMicros(budget.limit)
  return fits(team.budget, spend.inBudget) && fits(team.vendors.get(vendor)?.budget, spend.vendors.get(vendor)?.inBudget)
}
