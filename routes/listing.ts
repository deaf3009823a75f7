import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminErrors, batchNotFound, errorRef, errors, JobPage, ListJobsQuery, readSecurity, RetryFailedQuery, RetryFailedReply, teamErrors } from './schemas.js'

/** Listing jobs, and replaying failed ones in bounded batches (an admin route). */
const listingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/jobs', {
    onRequest: app.teamAuth,
    schema: {
      tags: ['operations'],
      summary: "Jobs newest first, filtered, a page at a time (results only through GET /jobs/{id}); a team's own, or any team's with the admin token",
      security: readSecurity,
      querystring: ListJobsQuery,
      response: {
        200: Type.Ref(JobPage),
        400: errors[400],
        401: teamErrors[401],
        403: errorRef("a team's key asked for another team's jobs"),
        404: batchNotFound,
        503: errors[503]
      }
    }
  }, async (request) => app.jobListing.list(request.caller, request.query))

  app.post('/jobs/retry', {
    onRequest: app.adminOnly,
    schema: {
      tags: ['operations'],
      summary: 'Send the newest failed jobs matching a filter back to pending, a bounded batch per call (admin)',
      security: [{ adminToken: [] }],
      querystring: RetryFailedQuery,
      response: { 202: Type.Ref(RetryFailedReply, { description: 'queued again' }), 400: errors[400], ...adminErrors, 503: errors[503] }
    }
  }, async (request, reply) => {
    const { retried, more } = await app.jobListing.retryFailed(request.query)
    return reply.code(202).send({ retried: retried.length, request_ids: retried, more })
  })
}

export default listingRoutes
