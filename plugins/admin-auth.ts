import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { bearerToken, keyDigest, matchesDigest } from '../core/teams/keys.js'
import { AdminUnauthorizedError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook for admin routes: 404 without ADMIN_TOKEN, 401 without the right bearer token. */
    adminOnly (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
  }
}

/**
 * ADMIN_TOKEN as a bearer token. Without it the admin routes do not exist as far as a caller can
 * tell (the same 404 as an unknown route); with it the token is compared in constant time, over
 * digests so that neither its content nor its length leaks through timing.
 */
async function adminAuthPlugin (app: FastifyInstance): Promise<void> {
  const token = app.config.adminToken
  const expected = token === undefined ? undefined : keyDigest(token)
  app.decorate('adminOnly', async (request: FastifyRequest, reply: FastifyReply) => {
    // An async hook that answers returns the reply, so that the route's handler does not run.
    if (expected === undefined) {
      reply.callNotFound()
      return reply
    }
    const given = bearerToken(request.headers.authorization)
    if (given === undefined || !matchesDigest(given, expected)) {
      reply.header('www-authenticate', 'Bearer realm="vfs-admin"')
      throw new AdminUnauthorizedError()
    }
    return undefined
  })
}

export default fp(adminAuthPlugin, { name: 'admin-auth', fastify: '5.x', dependencies: ['config'] })
