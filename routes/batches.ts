import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { waitFor } from './jobs.js'
import { BatchParams, BatchStatusReply, batchNotFound, errors, readSecurity, teamErrors, WaitQuery } from './schemas.js'

/** A batch's progress; its jobs are listed by GET /jobs?batch_id=. */
const batchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/batches/:id', {
    onRequest: app.teamAuth,
    schema: {
      tags: ['jobs'],
      summary: "A batch's jobs counted by status; with ?wait=, as soon as every one is done",
      security: readSecurity,
      params: BatchParams,
      querystring: WaitQuery,
      response: { 200: Type.Ref(BatchStatusReply), 400: errors[400], 401: teamErrors[401], 404: batchNotFound, 414: errors[414], 503: errors[503] }
    }
  }, async (request, reply) => app.batches.view(request.caller, request.params.id, waitFor(request.query.wait, reply)))
}

export default batchRoutes
