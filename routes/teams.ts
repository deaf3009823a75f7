import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { clip } from '../core/input/clip.js'
import { TeamReply } from '../core/teams/view.js'
import { AdminHasNoTeamError, TeamNotFoundError } from '../plugins/errors.js'
import { adminErrors, errorRef, errors, readSecurity, TeamParams, TeamsReply, teamErrors } from './schemas.js'

/** A team's own view of what it may use and used; every team's for the admin. */
const teamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/teams/me', {
    onRequest: app.teamAuth,
    schema: {
      tags: ['teams'],
      summary: "The calling team: its weight, intake, budget and quotas per vendor, and what it used where counted",
      security: readSecurity,
      response: { 200: Type.Ref(TeamReply), 401: teamErrors[401], 404: errorRef("the admin token is no team's"), 503: errors[503] }
    }
  }, async (request) => {
    if (!('team' in request.caller)) throw new AdminHasNoTeamError()
    const team = await app.teams.view(request.caller.team)
    if (team === undefined) throw new TeamNotFoundError(request.caller.team)
    return team
  })

  app.get('/teams', {
    onRequest: app.adminOnly,
    schema: {
      tags: ['teams'],
      summary: 'Every team, as GET /teams/me shows it (admin)',
      security: [{ adminToken: [] }],
      response: { 200: Type.Ref(TeamsReply), ...adminErrors, 503: errors[503] }
    }
  }, async () => ({ teams: await app.teams.list() }))

  app.get('/teams/:name', {
    onRequest: app.adminOnly,
    schema: {
      tags: ['teams'],
      summary: 'One team, as GET /teams/me shows it (admin)',
      security: [{ adminToken: [] }],
      params: TeamParams,
      response: { 200: Type.Ref(TeamReply), 400: errors[400], ...adminErrors, 404: errorRef('no such team; or ADMIN_TOKEN is not set'), 414: errors[414], 503: errors[503] }
    }
  }, async (request) => {
    const team = await app.teams.view(request.params.name)
    if (team === undefined) throw new TeamNotFoundError(clip(request.params.name))
    return team
  })
}

export default teamRoutes
