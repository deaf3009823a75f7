import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { type Caller, identify, type Unidentified } from '../core/teams/caller.js'
import { keyDigest } from '../core/teams/keys.js'
import { UnauthenticatedError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook for the job routes: sets `request.caller`, or answers 401 for a missing or unknown key. */
    teamAuth: onRequestHookHandler
    /**
     * For the routes anyone may read, which show a team's data only to it (and the admin): the caller its key
     * names, undefined when none was sent; a key that names nobody is a 401, as on the job routes.
     */
    viewer (request: FastifyRequest, reply: FastifyReply): Caller | undefined
  }
  interface FastifyRequest {
    /** Who calls a job route, once teamAuth ran: a team, or the admin. */
    caller: Caller
  }
}

const REASONS = { missing: 'none was sent', unknown: 'the key is not one this service knows' }

/**
 * Teams' keys as bearer tokens on the job routes (TEAMS_FILE). Without TEAMS_FILE every caller is the
 * default team and no header is read. The admin token is known here too: it reads across teams.
 */
async function teamAuthPlugin (app: FastifyInstance): Promise<void> {
  const { teams, adminToken } = app.config
  const admin = adminToken === undefined ? undefined : keyDigest(adminToken)
  app.decorateRequest<Caller | null>('caller', null)
  const refuse = (reply: FastifyReply, why: Unidentified): Error => {
    // RFC 6750: a token that was sent but is not valid says so.
    reply.header('www-authenticate', why === 'missing' ? 'Bearer realm="vfs"' : 'Bearer realm="vfs", error="invalid_token"')
    return new UnauthenticatedError(REASONS[why])
  }
  // A callback hook: an async one would cost a promise on every job route's request.
  const teamAuth: onRequestHookHandler = (request, reply, done) => {
    const caller = identify(teams, admin, request.headers.authorization)
    if (typeof caller === 'string') {
      done(refuse(reply, caller))
      return
    }
    request.caller = caller
    done()
  }
  app.decorate('teamAuth', teamAuth)
  app.decorate('viewer', (request: FastifyRequest, reply: FastifyReply) => {
    const caller = identify(teams, admin, request.headers.authorization)
    if (caller === 'missing') return undefined
    if (caller === 'unknown') throw refuse(reply, caller)
    return caller
  })
}

export default fp(teamAuthPlugin, { name: 'team-auth', fastify: '5.x', dependencies: ['config'] })
