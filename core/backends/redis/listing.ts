import { JOB_STATUSES, type Job } from '../../job.js'
import { type JobIndex, matches, newerFirst, type Position } from '../../listing.js'
import type { JobStore } from '../../store.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

/**
 * Redis mode's listing, over the per-vendor status indexes the queue scripts keep (job id -> createdAt):
 * a page from each index the query covers (one per status and vendor, each in its vendor's slot),
 * merged newest first, then the jobs read from the store. An id whose job has expired or has just
 * moved to another status is left out of the page, which may then be short; the cursor still moves on.
 */
export function createRedisIndex (redis: RedisClient, keys: RedisKeys, store: JobStore): JobIndex {
  defineScripts(redis)
  return {
    async list (q) {
      const vendors = q.vendor === undefined ? q.vendors : [q.vendor]
      const statuses = q.status === undefined ? JOB_STATUSES : [q.status]
      const indexes = vendors.flatMap((vendor) => statuses.map((status) => keys.vendor(vendor).status(status)))
      const pages = await Promise.all(indexes.map((index) => redis.vfsListIndex(index, q.after === undefined ? '+inf' : String(q.after.createdAt),
        q.after?.id ?? '', q.createdAfter === undefined ? '-inf' : String(q.createdAfter), q.limit + 1)))
      const positions: Position[] = pages.flatMap((flat) => {
        const page: Position[] = []
        for (let i = 0; i + 1 < flat.length; i += 2) page.push({ id: flat[i] as string, createdAt: Number(flat[i + 1]) })
        return page
      }).sort(newerFirst)
      const listed = positions.slice(0, q.limit)
      const jobs = await Promise.all(listed.map((p) => store.get(p.id)))
      const last = listed.at(-1)
      return {
        jobs: jobs.filter((job): job is Job => job !== null && matches(job, q)),
        ...(positions.length > q.limit && last !== undefined ? { next: last } : {})
      }
    }
  }
}
