import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { describeIssues } from '../plugins/error-handler.js'
import { jobPathLogger } from '../plugins/job-logs.js'
import { errorRef, errors, JobParams, JobReply, SubmitJobBody, SubmitJobHeaders, SubmitJobReply } from './schemas.js'

const jobsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/jobs', {
    schema: {
      tags: ['jobs'],
      summary: 'Queue a job for a vendor',
      body: SubmitJobBody,
      headers: SubmitJobHeaders,
      response: {
        200: Type.Ref(SubmitJobReply, { description: 'an earlier request with this Idempotency-Key and the same body queued this job' }),
        202: Type.Ref(SubmitJobReply, { description: 'queued; poll the Location' }),
        400: errors[400],
        409: errorRef('a request with this Idempotency-Key is still in progress; retry shortly'),
        413: errors[413],
        415: errors[415],
        422: errors[422],
        503: errors[503]
      }
    },
    // A missing vendor is answered with the list of vendors, like an unknown one.
    schemaErrorFormatter: (issues, dataVar) => new Error(dataVar === 'body'
      ? `${describeIssues(issues, dataVar)}; known vendors: ${app.vendors.names().join(', ')}`
      : describeIssues(issues, dataVar))
  }, async (request, reply) => {
    const { id, created } = await app.jobs.submit(request.body, request.headers['idempotency-key'])
    return reply.code(created ? 202 : 200).header('location', `/jobs/${id}`).send({ request_id: id })
  })

  app.get('/jobs/:id', {
    childLoggerFactory: jobPathLogger,
    schema: {
      tags: ['jobs'],
      summary: "A job's status and, once done, its result or error",
      params: JobParams,
      response: { 200: Type.Ref(JobReply), 400: errors[400], 404: errors[404], 414: errors[414], 503: errors[503] }
    }
  }, async (request) => app.jobs.view(request.params.id))

  app.post('/jobs/:id/retry', {
    childLoggerFactory: jobPathLogger,
    schema: {
      tags: ['jobs'],
      summary: 'Send a failed job back to pending with a new attempt budget',
      params: JobParams,
      // No body is read, but one that is sent is parsed like any other: JSON only, within the size limit.
      response: {
        202: Type.Ref(JobReply, { description: 'queued again' }),
        400: errors[400],
        404: errors[404],
        409: errors[409],
        413: errors[413],
        414: errors[414],
        415: errors[415],
        503: errors[503]
      }
    }
  }, async (request, reply) => reply.code(202).send(await app.jobs.retry(request.params.id)))
}

export default jobsRoutes
