import { setTimeout as sleep } from 'node:timers/promises'
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyReply, type FastifyServerOptions } from 'fastify'
import { mockAdmin } from './admin.js'
import { drawCallFault, type MockFaults, NO_FAULTS, withFaults } from './faults.js'
import { createMockStats, type MockStats } from './stats.js'

export interface MockVendorOptions {
  faults?: Partial<MockFaults>
  logger?: FastifyServerOptions['logger']
}

/** The call the service sends: `POST <vendor url>` with an `Idempotency-Key: <request_id>` header. */
export const VendorCall = Type.Object({
  request_id: Type.String({ minLength: 1 }),
  payload: Type.Record(Type.String(), Type.Unknown()),
  callback_url: Type.Optional(Type.String({ pattern: '^https?://' }))
})

/** 200 answers a client cannot use, in turn: an HTML error page, truncated JSON, and JSON that is not an object. */
const GARBAGE = [
  { type: 'text/html; charset=utf-8', body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>' },
  { type: 'application/json; charset=utf-8', body: '{"request_id":"' },
  { type: 'application/json; charset=utf-8', body: '"OK"' }
] as const

/** What every mock vendor shares: the Fastify instance, the admin routes, and how a call meets its faults. */
export function createMockVendor (opts: MockVendorOptions) {
  // Forced closes drop hanging calls, which would otherwise hold close() until their clients give up.
  const app = Fastify({ logger: opts.logger ?? false, forceCloseConnections: true }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  const faults = withFaults(NO_FAULTS, opts.faults ?? {})
  const stats = createMockStats()
  // Each path counted apart too: several vendors of a test may share one mock, each under a path of its own.
  const byPath = new Map<string, MockStats>()
  const pathStats = (path: string): MockStats => {
    let kept = byPath.get(path)
    if (kept === undefined) {
      kept = createMockStats()
      byPath.set(path, kept)
    }
    return kept
  }
  const closing = new AbortController()
  app.addHook('onClose', async () => closing.abort())
  // A call arrives when its head does: the time is taken before its body is read and checked, as a vendor's edge would.
  const arrivals = new WeakMap<object, number>()
  app.addHook('onRequest', (request, _reply, done) => {
    arrivals.set(request, performance.now())
    done()
  })
  app.register(mockAdmin, { stats, faults, byPath })
  let garbageTurn = 0

  /**
   * Counts the call and gives it the fault drawn for it, in the order hang, 429, 500, latency, malformed.
   * Resolves true when the mock should answer normally; otherwise the call is answered, or left hanging.
   */
  async function admit (requestId: string, reply: FastifyReply): Promise<boolean> {
    const path = pathStats(reply.request.url.split('?')[0] ?? '/')
    const at = arrivals.get(reply.request)
    stats.record(requestId, at)
    path.record(requestId, at)
    // Open until the answer has been handed to the socket or the connection closed, whichever comes first:
    // a hanging call stays open until its client gives up. Node emits 'close' for a sent answer before it
    // reads anything more from any socket, so a call sent after this answer was read arrives after it.
    reply.raw.once('close', stats.opened())
    reply.raw.once('close', path.opened())
    const fault = drawCallFault(faults)
    if (fault === 'hang') return false
    if (fault === 'throttle') {
      reply.code(429).header('retry-after', String(faults.retryAfterS)).send({ error: 'Too Many Requests', message: 'rate limit exceeded' })
      return false
    }
    if (fault === 'fail') {
      reply.code(500).send({ error: 'Internal Server Error', message: 'injected failure' })
      return false
    }
    if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: closing.signal }).catch(() => {})
    // Closing has already dropped the connection: there is nobody left to answer.
    if (closing.signal.aborted) return false
    if (fault === 'malformed') {
      const garbage = GARBAGE[garbageTurn++ % GARBAGE.length] ?? GARBAGE[0]
      reply.code(200).type(garbage.type).send(garbage.body)
      return false
    }
    return true
  }

  return { app, faults, stats, admit }
}

/**
 * The id a mock counts a call under: the Idempotency-Key the service sends (its request_id), or, from a
 * client that sends none, what the vendor itself knows the call by.
 */
export function seenId (headers: Record<string, string | string[] | undefined>, fallback: string): string {
  const key = headers['idempotency-key']
  return typeof key === 'string' && key !== '' ? key : fallback
}
