import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { TeamConfig } from '../core/teams/config.js'
import { combineUse, dispatchUsage, withSaved } from '../core/teams/usage.js'
import { type TeamView, toTeamView } from '../core/teams/view.js'

/** The teams as operators and the teams themselves see them: what each may use and what it used. */
interface TeamsView {
  list (): Promise<TeamView[]>
  /** Undefined for a name no team has. */
  view (name: string): Promise<TeamView | undefined>
}

declare module 'fastify' {
  interface FastifyInstance {
    teams: TeamsView
  }
}

/** GET /teams and /teams/me read through here; the usage behind it is the core's TeamUsage. */
async function teamsPlugin (app: FastifyInstance): Promise<void> {
  const { teams, vendors } = app.config
  const names = [...vendors.keys()]
  const usage = withSaved(dispatchUsage(app.backend.queue, names), (team) => app.backend.results.savedOf(team))
  const view = async (team: TeamConfig): Promise<TeamView> => {
    const [used, spent] = await Promise.all([usage.of(team), app.spend.use(team.name)])
    return toTeamView(team, names, combineUse(used, spent))
  }
  app.decorate('teams', {
    list: () => Promise.all([...teams.byName.values()].map(view)),
    async view (name) {
      const team = teams.byName.get(name)
      return team === undefined ? undefined : view(team)
    }
  } satisfies TeamsView)
}

export default fp(teamsPlugin, { name: 'teams', fastify: '5.x', dependencies: ['config', 'backend', 'spend'] })
