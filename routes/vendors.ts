import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminErrors, errors, errorRef, PauseQuery, VendorHistoryReply, VendorParams, VendorReply, VendorsReply, viewSecurity } from './schemas.js'

/** Each vendor's configuration without secrets and its live state; an operator's pause and resume. */
const unknownKey = errorRef("with TEAMS_FILE: a key no team has (WWW-Authenticate: Bearer); send your team's key, the admin token, or none")

const vendorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/vendors', {
    schema: {
      tags: ['operations'],
      summary: "Every vendor's configuration (no secrets), limits and their live state, queue and counts by status",
      security: viewSecurity,
      response: { 200: Type.Ref(VendorsReply), 401: unknownKey, 503: errors[503] }
    }
  }, async (request, reply) => ({ vendors: await app.vendorAdmin.list(app.viewer(request, reply)) }))

  app.get('/vendors/:name', {
    schema: {
      tags: ['operations'],
      summary: "One vendor's configuration (no secrets), limits and their live state, queue and counts by status",
      security: viewSecurity,
      params: VendorParams,
      response: { 200: Type.Ref(VendorReply), 400: errors[400], 401: unknownKey, 404: errors[404], 414: errors[414], 503: errors[503] }
    }
  }, async (request, reply) => app.vendorAdmin.view(request.params.name, app.viewer(request, reply)))

  app.get('/vendors/:name/history', {
    schema: {
      tags: ['operations'],
      summary: "One vendor's last 15 minutes, the whole fleet's: calls per second against its limit, and its queue, per interval",
      params: VendorParams,
      response: { 200: Type.Ref(VendorHistoryReply), 400: errors[400], 404: errors[404], 414: errors[414], 503: errors[503] }
    }
  }, async (request) => app.history.read(request.params.name))

  app.post('/vendors/:name/pause', {
    onRequest: app.adminOnly,
    schema: {
      tags: ['operations'],
      summary: 'Stop every worker from calling the vendor until resumed; its jobs wait without spending attempts (admin)',
      security: [{ adminToken: [] }],
      params: VendorParams,
      querystring: PauseQuery,
      response: { 200: Type.Ref(VendorReply, { description: 'paused' }), 400: errors[400], ...adminErrors, 414: errors[414], 503: errors[503] }
    }
  }, async (request) => app.vendorAdmin.pause(request.params.name, request.query.reason))

  app.post('/vendors/:name/resume', {
    onRequest: app.adminOnly,
    schema: {
      tags: ['operations'],
      summary: "Lift an operator's pause; a Retry-After pause the vendor asked for still runs its course (admin)",
      security: [{ adminToken: [] }],
      params: VendorParams,
      response: { 200: Type.Ref(VendorReply, { description: 'resumed' }), 400: errors[400], ...adminErrors, 414: errors[414], 503: errors[503] }
    }
  }, async (request) => app.vendorAdmin.resume(request.params.name))
}

export default vendorRoutes
