import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import pLimit from 'p-limit'
import type { JobStatus } from '../core/job.js'
import { decodeCursor, encodeCursor, type JobQuery } from '../core/listing.js'
import { clip } from '../core/input/clip.js'
import { BadCursorError, UnknownVendorError } from './errors.js'
import { type JobView, toView } from './jobs.js'

export type JobSummary = Omit<JobView, 'result'>

export interface ListFilter {
  status?: JobStatus
  vendor?: string
  /** ISO-8601. */
  created_after?: string
  limit: number
  cursor?: string
}

export interface JobListing {
  /** A page of jobs, newest first, without their results (read one job for that). */
  list (filter: ListFilter): Promise<{ jobs: JobSummary[], next_cursor?: string }>
  /** Replays the newest `limit` failed jobs matching the filter; `more` says whether others match. */
  retryFailed (filter: Omit<ListFilter, 'status' | 'cursor'>): Promise<{ retried: string[], more: boolean }>
}

declare module 'fastify' {
  interface FastifyInstance {
    jobListing: JobListing
  }
}

/** Replays run a few at a time: each is three store and queue calls, and a batch may be a thousand. */
const REPLAYS_AT_ONCE = 10

/** Listing jobs for operators over the backend's index, and replaying failed ones in bounded batches. */
async function jobListingPlugin (app: FastifyInstance): Promise<void> {
  const { backend } = app
  const vendors = [...app.config.vendors.keys()]
  const query = (f: Omit<ListFilter, 'cursor'> & { cursor?: string }): JobQuery => {
    if (f.vendor !== undefined && !app.config.vendors.has(f.vendor)) throw new UnknownVendorError(clip(f.vendor), vendors.join(', '))
    const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor)
    if (f.cursor !== undefined && after === undefined) throw new BadCursorError()
    return {
      vendors,
      limit: f.limit,
      ...(f.status === undefined ? {} : { status: f.status }),
      ...(f.vendor === undefined ? {} : { vendor: f.vendor }),
      ...(f.created_after === undefined ? {} : { createdAfter: Date.parse(f.created_after) }),
      ...(after === undefined ? {} : { after })
    }
  }
  app.decorate('jobListing', {
    async list (filter) {
      const page = await backend.index.list(query(filter))
      return {
        jobs: page.jobs.map((job) => {
          const { result: _result, ...summary } = toView(job)
          return summary
        }),
        ...(page.next === undefined ? {} : { next_cursor: encodeCursor(page.next) })
      }
    },
    async retryFailed (filter) {
      const page = await backend.index.list(query({ ...filter, status: 'failed' }))
      const limit = pLimit(REPLAYS_AT_ONCE)
      const replayed = await Promise.all(page.jobs.map((job) => limit(() => backend.replay(job.id))))
      const retried = replayed.flatMap((job) => job === null ? [] : [job.id])
      app.log.info({ retried: retried.length, vendor: filter.vendor }, 'failed jobs replayed by an operator')
      return { retried, more: page.next !== undefined }
    }
  } satisfies JobListing)
}

export default fp(jobListingPlugin, { name: 'job-listing', fastify: '5.x', dependencies: ['config', 'backend'] })
