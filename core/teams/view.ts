import { type Static, Type } from '@sinclair/typebox'
import type { TeamConfig, Windowed } from './config.js'
import type { TeamUse } from './usage.js'

// A team as GET /teams and /teams/me show it: the reply's schema (routes/schemas.ts lists it in the
// contract) and the rule that builds it from TEAMS_FILE and what the team used.

const Millis = (description: string) => Type.Integer({ minimum: 0, description })

/** What a team may use, as TEAMS_FILE sets it; the optional numbers are live where the service counts them. */
const TeamBudget = Type.Object({
  limit: Type.Number({ description: "in the operator's currency" }),
  window: Millis('the sliding window, ms'),
  spent: Type.Optional(Type.Number({ minimum: 0, description: 'spent in the current window' })),
  remaining: Type.Optional(Type.Number({ minimum: 0 }))
})

export const TeamReply = Type.Object({
  name: Type.String(),
  weight: Type.Number({ description: "the team's share of each vendor against the other teams with work ready for it" }),
  intake: Type.Optional(Type.Object({
    perSecond: Type.Number(),
    burst: Type.Integer(),
    window: Millis('burst jobs are taken in each fixed window this long')
  }, { description: 'jobs the team may submit, fleet-wide; past it POST /jobs answers 429' })),
  budget: Type.Optional(TeamBudget),
  vendors: Type.Array(Type.Object({
    name: Type.String(),
    quotas: Type.Array(Type.Object({
      limit: Type.Integer(),
      window: Millis('the sliding window, ms'),
      used: Type.Optional(Type.Integer({ minimum: 0, description: 'calls counted in the window now' }))
    }), { description: "the team's own quotas on the vendor, counted at dispatch" }),
    budget: Type.Optional(TeamBudget),
    spend: Type.Optional(Type.Number({ minimum: 0, description: "what the team's calls of the vendor cost in all, in the operator's currency (the vendor's cost)" })),
    calls: Type.Optional(Type.Integer({ minimum: 0, description: 'calls made for the team in the last hour' })),
    queued: Type.Optional(Type.Integer({ minimum: 0, description: "the team's jobs waiting for the vendor" })),
    share: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "the team's part of the vendor's calls of the last minute or two" })),
    saved_calls: Type.Optional(Type.Object({
      cache: Type.Integer({ minimum: 0, description: 'jobs that took a kept result' }),
      coalesced: Type.Integer({ minimum: 0, description: 'jobs that joined an identical job on the wire' })
    }, { description: 'vendor calls the team did not make, for a vendor that keeps results (its `cache`)' })),
    saved_cost: Type.Optional(Type.Number({ minimum: 0, description: "what those calls would have cost, in the operator's currency (the call and its result at the job's type's cost)" }))
  }), { description: 'every vendor, with what the team may use of it and, where counted, what it used' })
}, { $id: 'TeamReply' })

export type TeamView = Static<typeof TeamReply>

const budgetView = (budget: Windowed, spent: number | undefined): NonNullable<TeamView['budget']> => ({
  limit: budget.limit,
  window: budget.windowMs,
  ...(spent === undefined ? {} : { spent, remaining: Math.max(0, budget.limit - spent) })
})

export function toTeamView (team: TeamConfig, vendors: readonly string[], use: TeamUse): TeamView {
  return {
    name: team.name,
    weight: team.weight,
    ...(team.intake === undefined ? {} : { intake: { ...team.intake, window: Math.round(team.intake.burst / team.intake.perSecond) * 1000 } }),
    ...(team.budget === undefined ? {} : { budget: budgetView(team.budget, use.spent) }),
    vendors: vendors.map((name) => {
      const limits = team.vendors.get(name)
      const used = use.vendors.get(name) ?? {}
      return {
        name,
        quotas: (limits?.quotas ?? []).map((q, i) => ({ limit: q.limit, window: q.windowMs, ...(used.quotas?.[i] === undefined ? {} : { used: used.quotas[i] }) })),
        ...(limits?.budget === undefined ? {} : { budget: budgetView(limits.budget, used.spent) }),
        ...(used.spend === undefined ? {} : { spend: used.spend }),
        ...(used.calls === undefined ? {} : { calls: used.calls }),
        ...(used.queued === undefined ? {} : { queued: used.queued }),
        ...(used.share === undefined ? {} : { share: used.share }),
        ...(used.saved === undefined ? {} : { saved_calls: { cache: used.saved.cache, coalesced: used.saved.coalesced }, saved_cost: used.saved.cost })
      }
    })
  }
}
