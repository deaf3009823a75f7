/**
 * What calls cost and how budgets are kept (DESIGN "Spend (v3)"). Amounts are counted in micros, a
 * millionth of the operator's currency, as whole numbers: sums in Redis and in memory stay exact.
 *
 * A budget's spend is kept in a ledger of time buckets, each a sixtieth of its window (at least a
 * second). A bucket counts until all of it has left the window, so the sum read is never less than the
 * spend of the last window: a budget may let a call wait a bucket longer than it must, never overspend.
 * take.lua and settle.lua keep the same ledger in Redis.
 */

/** Micros in one unit of the operator's currency. */
const MICROS = 1_000_000

export const toMicros = (amount: number): number => Math.round(amount * MICROS)
export const fromMicros = (micros: number): number => micros / MICROS

/** A call's price, in micros: `perCall` for each call the vendor receives, `perResult` once a job completes with its result. */
export interface Price { perCall: number, perResult: number }

/** What a vendor (or one of its types) declares; absent fields cost nothing. */
export interface CostEntry { perCall?: number, perResult?: number }

const priceOf = (cost: CostEntry | undefined): Price => ({ perCall: toMicros(cost?.perCall ?? 0), perResult: toMicros(cost?.perResult ?? 0) })

/** The price of a job of `type`: its type's cost where the type declares one, else the vendor's. */
export function priceFor (vendor: { cost?: CostEntry, types?: Record<string, { cost?: CostEntry }> }, type: unknown): Price {
  const own = typeof type === 'string' && Object.hasOwn(vendor.types ?? {}, type) ? vendor.types?.[type]?.cost : undefined
  return priceOf(own ?? vendor.cost)
}

/**
 * What a take reserves for each call it grants: the most any call of the vendor may cost (a take does
 * not read the job, so not its type), its call and its result. Settling gives back what was not spent.
 */
export function reserveOf (vendor: { cost?: CostEntry, types?: Record<string, { cost?: CostEntry }> }): number {
  const prices = [priceOf(vendor.cost), ...Object.values(vendor.types ?? {}).map((t) => priceOf(t.cost ?? vendor.cost))]
  return Math.max(...prices.map((p) => p.perCall + p.perResult))
}

/** What one call spent, once known: nothing (it never reached the vendor), the call, or the call and the job's result. */
export function charge (price: Price, spent: 'nothing' | 'call' | 'result'): number {
  return spent === 'nothing' ? 0 : spent === 'call' ? price.perCall : price.perCall + price.perResult
}

/** A ledger's bucket length for a window: a sixtieth of it, at least a second. */
export const bucketMs = (windowMs: number): number => Math.max(1000, Math.ceil(windowMs / 60))

/** The first bucket that still counts at `now`: any part of it is inside the window. */
export const firstCounted = (now: number, windowMs: number): number => Math.floor((now - windowMs) / bucketMs(windowMs))

/** The bucket an amount spent at `at` goes in. */
export const bucketAt = (at: number, windowMs: number): number => Math.floor(at / bucketMs(windowMs))

/** A ledger's sum at `now`, dropping the buckets that left the window. */
export function ledgerSum (ledger: Map<number, number>, now: number, windowMs: number): number {
  const from = firstCounted(now, windowMs)
  let sum = 0
  for (const [bucket, micros] of ledger) {
    if (bucket < from) ledger.delete(bucket)
    else sum += micros
  }
  return sum
}

/** How many more calls costing `reserve` fit in a budget of `limit` of which `spent` is used. */
export function callsThatFit (limit: number, spent: number, reserve: number): number {
  if (reserve <= 0) return Number.POSITIVE_INFINITY
  return Math.max(0, Math.floor((limit - spent) / reserve))
}

/** A budget as a take applies it: `limit` micros in any window of `windowMs`; `team`: all the team's vendors together. */
export interface BudgetRule { limit: number, windowMs: number, team: boolean }
