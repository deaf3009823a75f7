import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import pLimit from 'p-limit'
import type { JobStatus } from '../core/job.js'
import { decodeCursor, encodeCursor, type JobQuery } from '../core/listing.js'
import { clip } from '../core/input/clip.js'
import { listBatch } from '../core/batches.js'
import { type Caller, scopeOf } from '../core/teams/caller.js'
import { parseInstant } from '../core/time.js'
import { BadCursorError, BadTimeError, OtherTeamError, UnknownTeamError, UnknownVendorError } from './errors.js'
import { type JobView, toView } from './jobs.js'

type JobSummary = Omit<JobView, 'result'>

interface ListFilter {
  status?: JobStatus
  vendor?: string
  team?: string
  /** ISO-8601. */
  created_after?: string
  /** Only this batch's jobs. */
  batch_id?: string
  limit: number
  cursor?: string
}

interface JobListing {
  /** A page of the caller's team's jobs (any team's for the admin), newest first, without their results (read one job for that). */
  list (caller: Caller, filter: ListFilter): Promise<{ jobs: JobSummary[], next_cursor?: string }>
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
  const query = (f: Omit<ListFilter, 'cursor' | 'batch_id'> & { cursor?: string }): JobQuery => {
    if (f.vendor !== undefined && !app.config.vendors.has(f.vendor)) throw new UnknownVendorError(clip(f.vendor), vendors.join(', '))
    if (f.team !== undefined && !app.config.teams.byName.has(f.team)) throw new UnknownTeamError(clip(f.team), [...app.config.teams.byName.keys()].join(', '))
    const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor)
    if (f.cursor !== undefined && after === undefined) throw new BadCursorError()
    const createdAfter = f.created_after === undefined ? undefined : parseInstant(f.created_after)
    if (f.created_after !== undefined && createdAfter === undefined) throw new BadTimeError('created_after', clip(f.created_after))
    return {
      vendors,
      limit: f.limit,
      ...(f.status === undefined ? {} : { status: f.status }),
      ...(f.vendor === undefined ? {} : { vendor: f.vendor }),
      ...(f.team === undefined ? {} : { team: f.team }),
      ...(createdAfter === undefined ? {} : { createdAfter }),
      ...(after === undefined ? {} : { after })
    }
  }
  app.decorate('jobListing', {
    async list (caller, filter) {
      const own = scopeOf(caller)
      // Asking for one's own team is fine; another's is refused before the name is even checked.
      if (own !== undefined && filter.team !== undefined && filter.team !== own) throw new OtherTeamError()
      const q = query({ ...filter, ...(own === undefined ? {} : { team: own }) })
      const page = filter.batch_id === undefined ? await backend.index.list(q) : await listBatch(backend.store, await app.batches.get(caller, filter.batch_id), q)
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
      app.log.info({ retried: retried.length, vendor: filter.vendor, team: filter.team }, 'failed jobs replayed by an operator')
      return { retried, more: page.next !== undefined }
    }
  } satisfies JobListing)
}

export default fp(jobListingPlugin, { name: 'job-listing', fastify: '5.x', dependencies: ['config', 'backend', 'batches'] })
