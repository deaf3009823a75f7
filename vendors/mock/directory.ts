import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockDirectoryOptions extends MockVendorOptions {
  /** Callers send it in the query, as `?api_key=`. */
  apiKey: string
}

/**
 * One vendor, two kinds of job at two endpoints with two payloads: `GET /v1/users/<userId>` answers
 * `{user}`, `POST /v1/companies/lookup {domain}` answers `{company}`; a wrong api_key is a 403.
 */
export function buildMockDirectoryVendor (opts: MockDirectoryOptions): FastifyInstance {
  const { app, admit } = createMockVendor(opts)
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/v1/') && (request.query as { api_key?: string }).api_key !== opts.apiKey) {
      return reply.code(403).send({ error: 'forbidden', message: 'missing or unknown api_key' })
    }
  })

  app.get('/v1/users/:userId', {
    schema: { params: Type.Object({ userId: Type.String({ pattern: '^[0-9]{1,12}$' }) }) }
  }, async (request, reply) => {
    const { userId } = request.params
    if (!await admit(seenId(request.headers, `user-${userId}`), reply)) return reply
    const id = Number(userId)
    return { user: { id, name: `User ${id}`, email: `user${id}@example.com` } }
  })

  app.post('/v1/companies/lookup', {
    schema: { body: Type.Object({ domain: Type.String({ minLength: 1 }) }) }
  }, async (request, reply) => {
    const { domain } = request.body
    if (!await admit(seenId(request.headers, `company-${domain}`), reply)) return reply
    return { company: { domain, name: domain.split('.')[0] ?? domain, industry: 'software' } }
  })
  return app
}
