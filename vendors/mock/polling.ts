import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockPollingOptions extends MockVendorOptions {
  /** Callers send it as `X-Api-Key`. */
  apiKey: string
  /** How long a job runs before its poll says it is done. */
  readyAfterMs?: number
}

const KEPT_JOBS = 100_000

/**
 * A vendor without webhooks: `POST /jobs {query}` answers 201 `{job_id}`; `GET /jobs/<job_id>` says
 * `{state: "running"}` until `readyAfterMs` have passed, then `succeeded` with `output`, or `failed` with
 * `error.message` when the query says `simulate: "failure"`. An unknown id is a 404. Polls count under the job's id.
 */
export function buildMockPollingVendor (opts: MockPollingOptions): FastifyInstance {
  const { app, admit } = createMockVendor(opts)
  const readyAfterMs = opts.readyAfterMs ?? 1000
  const jobs = new Map<string, { query: Record<string, unknown>, startedAt: number }>()

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/jobs') && request.headers['x-api-key'] !== opts.apiKey) {
      return reply.code(401).send({ error: 'unauthorized', message: 'missing or unknown X-Api-Key' })
    }
  })

  app.post('/jobs', {
    schema: { body: Type.Object({ query: Type.Record(Type.String(), Type.Unknown()) }) }
  }, async (request, reply) => {
    const id = `pj-${randomUUID()}`
    if (!await admit(seenId(request.headers, id), reply)) return reply
    jobs.set(id, { query: request.body.query, startedAt: Date.now() })
    if (jobs.size > KEPT_JOBS) jobs.delete(jobs.keys().next().value as string)
    return reply.code(201).send({ job_id: id })
  })

  app.get('/jobs/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async (request, reply) => {
    const { id } = request.params
    if (!await admit(id, reply)) return reply
    const job = jobs.get(id)
    if (job === undefined) return reply.code(404).send({ error: 'not_found', message: `no job ${id}` })
    const elapsed = Date.now() - job.startedAt
    if (elapsed < readyAfterMs) return { job_id: id, state: 'running', progress: Math.floor((100 * elapsed) / readyAfterMs) }
    if (job.query.simulate === 'failure') return { job_id: id, state: 'failed', error: { message: 'the query could not be answered' } }
    return { job_id: id, state: 'succeeded', output: { query: job.query, rows: 3 } }
  })
  return app
}
