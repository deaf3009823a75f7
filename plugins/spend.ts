import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { fromMicros, reserveOf } from '../core/dispatch/spend.js'
import { affords, readTeamSpend, spendUse } from '../core/teams/spend.js'
import type { TeamUse } from '../core/teams/usage.js'
import { BudgetExhaustedError } from './errors.js'

/** What calls cost the teams (DESIGN "Spend (v3)"): read from the queues, where the takes keep it. */
interface Spend {
  /** Throws 402 when the team cannot afford one more call of the vendor. */
  check (team: string, vendor: string): Promise<void>
  /** The vendors of these the team cannot afford one more call of. */
  unaffordable (team: string, vendors: Iterable<string>): Promise<Set<string>>
  /** The team's spend, per vendor and in its budgets' windows, for GET /teams/me. */
  use (team: string): Promise<TeamUse>
  /** What each team spent on the vendor in all, in the operator's currency. */
  byTeam (vendor: string): Promise<Map<string, number>>
}

declare module 'fastify' {
  interface FastifyInstance {
    spend: Spend
  }
}

/**
 * A submit's answer stands this long for the same team and vendor: the check is advice to the client,
 * the take is what keeps the budget, so a moment's staleness costs nothing but a job failed by the take.
 */
const CHECK_TTL_MS = 250

async function spendPlugin (app: FastifyInstance): Promise<void> {
  const { queue } = app.backend
  const { teams, vendors } = app.config
  const names = [...vendors.keys()]
  const reserves = new Map([...vendors.values()].map((v) => [v.name, reserveOf(v)]))
  const checked = new Map<string, { at: number, ok: boolean }>()

  const affordable = async (name: string, vendor: string): Promise<boolean> => {
    const team = teams.byName.get(name)
    const reserve = reserves.get(vendor) ?? 0
    if (team === undefined || reserve <= 0 || (team.budget === undefined && team.vendors.get(vendor)?.budget === undefined)) return true
    const key = `${name}\u0000${vendor}`
    const now = Date.now()
    const seen = checked.get(key)
    if (seen !== undefined && now - seen.at < CHECK_TTL_MS) return seen.ok
    const ok = affords(team, vendor, await readTeamSpend(queue, names, team), reserve)
    // Keys are teams x vendors, both configuration: the map stays small.
    checked.set(key, { at: now, ok })
    return ok
  }

  app.decorate('spend', {
    async check (team, vendor) {
      if (!await affordable(team, vendor)) throw new BudgetExhaustedError(team, vendor)
    },
    async unaffordable (team, of) {
      const asked = [...new Set(of)].filter((v) => vendors.has(v))
      const ok = await Promise.all(asked.map((v) => affordable(team, v)))
      return new Set(asked.filter((_, i) => ok[i] === false))
    },
    async use (name) {
      const team = teams.byName.get(name)
      if (team === undefined) return { vendors: new Map() }
      return spendUse(await readTeamSpend(queue, names, team))
    },
    async byTeam (vendor) {
      const { totals } = await queue.spend(vendor, [])
      return new Map([...totals].map(([team, micros]) => [team, fromMicros(micros)]))
    }
  } satisfies Spend)
}

export default fp(spendPlugin, { name: 'spend', fastify: '5.x', dependencies: ['config', 'backend'] })
