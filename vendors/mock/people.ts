import { createHash } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockPeopleOptions extends MockVendorOptions {
  /** The key callers must send as `Authorization: Bearer <apiKey>`. */
  apiKey: string
}

/**
 * A people-search vendor in the dialect many real ones speak: `GET /v2/people/find?email=...` behind a
 * bearer key, the data under `person`, and "not found" a 404. Emails whose name starts with "nobody" are unknown.
 */
export function buildMockPeopleVendor (opts: MockPeopleOptions): FastifyInstance {
  const { app, admit } = createMockVendor(opts)
  app.get('/v2/people/find', {
    schema: { querystring: Type.Object({ email: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }) }) }
  }, async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return reply.code(401).send({ error: 'unauthorized', message: 'missing or unknown API key' })
    }
    const { email } = request.query
    if (!await admit(seenId(request.headers, email), reply)) return reply
    const person = findPerson(email)
    if (person === undefined) return reply.code(404).send({ error: 'not_found', message: `no person with email ${email}` })
    return { person, credits_left: 9999 }
  })
  return app
}

function findPerson (email: string) {
  const [name = '', domain = ''] = email.toLowerCase().split('@')
  if (name.startsWith('nobody')) return undefined
  return {
    id: `per_${createHash('sha256').update(email).digest('hex').slice(0, 12)}`,
    email,
    full_name: name.split(/[._-]+/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(' '),
    employer: { domain, name: domain.split('.')[0] ?? domain }
  }
}
