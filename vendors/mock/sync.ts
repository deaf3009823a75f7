import type { FastifyInstance } from 'fastify'
import { vendorResult } from './data.js'
import { createMockVendor, type MockVendorOptions, VendorCall } from './vendor.js'

/** A sync vendor: answers every call at once with its data, unless a fault says otherwise. Any path works. */
export function buildMockSyncVendor (opts: MockVendorOptions = {}): FastifyInstance {
  const { app, admit } = createMockVendor(opts)
  app.post('/*', { schema: { body: VendorCall } }, async (request, reply) => {
    const { request_id: requestId, payload } = request.body
    if (!await admit(requestId, reply)) return reply
    return vendorResult(requestId, payload, 'syncVendor')
  })
  return app
}
