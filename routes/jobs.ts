import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import type { FastifyReply } from 'fastify'
import { describeIssues } from '../plugins/error-handler.js'
import { jobPathLogger } from '../plugins/job-logs.js'
import type { WaitFor } from '../plugins/jobs.js'
import {
  BatchBody, BatchReply, errorRef, errors, JobParams, JobReply, readSecurity, SubmitJobBody, SubmitJobHeaders, SubmitJobReply, SubmitOneJobHeaders, submitSecurity, teamErrors, WaitQuery
} from './schemas.js'

/** A long poll of `seconds`, ended early when the client goes away. */
export function waitFor (seconds: number | undefined, reply: FastifyReply): WaitFor | undefined {
  if (seconds === undefined) return undefined
  const gone = new AbortController()
  reply.raw.once('close', () => gone.abort())
  return { seconds, signal: gone.signal }
}

const jobsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // A missing vendor is answered with the list of vendors, like an unknown one.
  const withVendors = (message: string): string => `${message}; known vendors: ${app.vendors.names().join(', ')}`

  app.post('/jobs', {
    schema: {
      tags: ['jobs'],
      summary: 'Queue a job for a vendor',
      security: submitSecurity,
      body: SubmitJobBody,
      headers: SubmitOneJobHeaders,
      response: {
        200: Type.Ref(SubmitJobReply, { description: 'an earlier request with this Idempotency-Key and the same body queued this job' }),
        202: Type.Ref(SubmitJobReply, { description: 'queued; poll the Location' }),
        400: errors[400],
        401: teamErrors[401],
        402: teamErrors[402],
        403: errorRef('the admin token reads every team\'s jobs but submits none: send a team\'s key'),
        409: errorRef('a request with this Idempotency-Key is still in progress; retry shortly'),
        413: errors[413],
        415: errors[415],
        422: errors[422],
        429: teamErrors[429],
        503: errors[503]
      }
    },
    onRequest: app.teamAuth,
    preHandler: async (request, reply) => app.intake.take(request, reply, 1),
    schemaErrorFormatter: (issues, dataVar) => new Error(dataVar === 'body' ? withVendors(describeIssues(issues, dataVar)) : describeIssues(issues, dataVar))
  }, async (request, reply) => {
    const { id, created } = await app.jobs.submit(request.caller, request.body, request.headers['idempotency-key'], request.headers['notify-url'], request.headers['cache-control'])
    return reply.code(created ? 202 : 200).header('location', `/jobs/${id}`).send({ request_id: id })
  })

  // Each job of a batch is checked against POST /jobs's body schema as that route checks its body: no coercion.
  const validate = new Ajv({ coerceTypes: false }).compile(SubmitJobBody)
  const check = (item: unknown): string | undefined => validate(item) ? undefined : withVendors(describeIssues(validate.errors ?? [], 'body'))

  app.post('/jobs/batch', {
    schema: {
      tags: ['jobs'],
      summary: 'Queue many jobs at once: each checked as POST /jobs checks one, the valid ones queued even when others are refused',
      security: submitSecurity,
      body: BatchBody(app.config.maxBatch),
      headers: SubmitJobHeaders,
      response: {
        200: Type.Ref(BatchReply, { description: 'an earlier request with this Idempotency-Key and the same body queued this batch: its answer' }),
        202: Type.Ref(BatchReply, { description: 'queued; GET /batches/{batch_id} tells how far it got' }),
        400: errorRef('a body that is not {"jobs": [...]} of 1 to MAX_BATCH jobs, or a Notify-Url the service may not call'),
        401: teamErrors[401],
        403: errorRef('the admin token reads every team\'s jobs but submits none: send a team\'s key'),
        409: errorRef('a request with this Idempotency-Key is still in progress; retry shortly'),
        413: errors[413],
        415: errors[415],
        422: errors[422],
        429: errorRef("the batch does not fit in the team's intake limit: none of it is queued; Retry-After says when to try again"),
        503: errors[503]
      }
    },
    onRequest: app.teamAuth,
    // The intake takes the whole batch, or refuses it whole.
    preHandler: async (request, reply) => app.intake.take(request, reply, request.body.jobs.length)
  }, async (request, reply) => {
    const { answer, created } = await app.batches.submit(request.caller, request.body.jobs, {
      check, idempotencyKey: request.headers['idempotency-key'], notifyUrl: request.headers['notify-url']
    })
    return reply.code(created ? 202 : 200).header('location', `/batches/${answer.batch_id}`).send(answer)
  })

  app.get('/jobs/:id', {
    childLoggerFactory: jobPathLogger,
    onRequest: app.teamAuth,
    schema: {
      tags: ['jobs'],
      summary: "A job's status and, once done, its result or error; with ?wait=, as soon as it is done",
      security: readSecurity,
      params: JobParams,
      querystring: WaitQuery,
      response: { 200: Type.Ref(JobReply), 400: errors[400], 401: teamErrors[401], 404: teamErrors[404], 414: errors[414], 503: errors[503] }
    }
  }, async (request, reply) => app.jobs.view(request.caller, request.params.id, waitFor(request.query.wait, reply)))

  app.post('/jobs/:id/retry', {
    childLoggerFactory: jobPathLogger,
    onRequest: app.teamAuth,
    schema: {
      tags: ['jobs'],
      summary: 'Send a failed job back to pending with a new attempt budget',
      security: readSecurity,
      params: JobParams,
      // No body is read, but one that is sent is parsed like any other: JSON only, within the size limit.
      response: {
        202: Type.Ref(JobReply, { description: 'queued again' }),
        400: errors[400],
        401: teamErrors[401],
        404: teamErrors[404],
        409: errors[409],
        413: errors[413],
        414: errors[414],
        415: errors[415],
        503: errors[503]
      }
    }
  }, async (request, reply) => reply.code(202).send(await app.jobs.retry(request.caller, request.params.id)))

  app.post('/jobs/:id/notify', {
    childLoggerFactory: jobPathLogger,
    onRequest: app.teamAuth,
    schema: {
      tags: ['jobs'],
      summary: 'Send a completion webhook that failed for good again, from its first try',
      security: readSecurity,
      params: JobParams,
      response: {
        202: Type.Ref(JobReply, { description: 'to be sent again' }),
        400: errors[400],
        401: teamErrors[401],
        404: teamErrors[404],
        409: errorRef('the job asked for no completion webhook, or its webhook has not failed for good'),
        413: errors[413],
        414: errors[414],
        415: errors[415],
        503: errors[503]
      }
    }
  }, async (request, reply) => reply.code(202).send(await app.jobs.resendNotify(request.caller, request.params.id)))
}

export default jobsRoutes
