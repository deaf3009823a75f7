import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { FaultsError, MockFaults, MockFaultsPatch, withFaults } from './faults.js'
import { createMockStats, type MockStats, RequestStats, StatsSnapshot } from './stats.js'

export interface MockAdminOptions {
  stats: MockStats
  /** The mock's live faults: a PUT changes this object in place, so the next call sees the change. */
  faults: MockFaults
  /** What each path received, apart: vendors sharing one mock under paths of their own. */
  byPath: ReadonlyMap<string, MockStats>
}

const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.Optional(Type.String()),
  error: Type.String(),
  message: Type.String()
})

/** Lets a test or an operator read what a mock vendor received, and change its faults while it runs. */
export async function mockAdmin (instance: FastifyInstance, { stats, faults, byPath }: MockAdminOptions): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>()
  // TypeBox checks as written: Fastify's default Ajv would coerce types and silently drop unknown knobs.
  app.setValidatorCompiler(TypeBoxValidatorCompiler)

  app.get('/admin/stats', {
    schema: {
      querystring: Type.Object({
        request_id: Type.Optional(Type.String({ minLength: 1 })),
        path: Type.Optional(Type.String({ pattern: '^/', description: 'only the calls to this path (without its query)' })),
        // A query value is a string, and the validator does not coerce: digits, read below.
        window_ms: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,11}$', description: 'adds maxInWindow for sliding windows of this many ms' }))
      }),
      response: { 200: Type.Union([StatsSnapshot, RequestStats]), 400: ErrorReply }
    }
  }, async (request, reply) => {
    const { request_id: id, window_ms: windowMs, path } = request.query
    const counted = path === undefined ? stats : byPath.get(path) ?? createMockStats()
    if (id === undefined) return counted.snapshot(windowMs === undefined ? undefined : Number(windowMs))
    if (windowMs !== undefined) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'window_ms measures all calls, not one request_id\'s: ask for one or the other' })
    }
    return counted.forRequest(id)
  })

  app.post('/admin/reset', {
    schema: { response: { 204: Type.Null({ description: 'stats cleared' }) } }
  }, async (_request, reply) => {
    stats.reset()
    for (const counted of byPath.values()) counted.reset()
    return reply.code(204).send(null)
  })

  app.get('/admin/faults', {
    schema: { response: { 200: MockFaults } }
  }, async () => faults)

  app.put('/admin/faults', {
    schema: { body: MockFaultsPatch, response: { 200: MockFaults, 400: ErrorReply } }
  }, async (request, reply) => {
    try {
      Object.assign(faults, withFaults(faults, request.body))
    } catch (err) {
      if (!(err instanceof FaultsError)) throw err
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message })
    }
    return faults
  })
}
