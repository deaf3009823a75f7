import { JOB_STATUSES, type Job } from '../../job.js'
import { type JobIndex, type JobQuery, matches, newerFirst, type Position, positionBetween } from '../../listing.js'
import type { JobStore } from '../../store.js'
import type { RedisClient } from './client.js'
import type { RedisKeys } from './keys.js'
import { defineScripts } from './scripts.js'

/** Index pages read for one listing at most: a team's jobs may be few among every team's in the per-vendor indexes. */
const MAX_ROUNDS = 10
/** Ids read per round when the jobs are filtered by team, whatever the page's size. */
const TEAM_ROUND = 50

/**
 * Redis mode's listing, over the per-vendor status indexes the queue scripts keep (job id -> createdAt):
 * a page from each index the query covers (one per status and vendor, each in its vendor's slot),
 * merged newest first, then the jobs read from the store and filtered (by team, and by status for an id
 * that has just moved on or expired). Short of a full page, it reads on from where the last one ended, a
 * few pages at most: a page may then be short, and its cursor still moves on, naming no job it skipped.
 */
export function createRedisIndex (redis: RedisClient, keys: RedisKeys, store: JobStore): JobIndex {
  defineScripts(redis)
  const positions = async (q: JobQuery, after: Position | undefined, size: number): Promise<Position[]> => {
    const vendors = q.vendor === undefined ? q.vendors : [q.vendor]
    const statuses = q.status === undefined ? JOB_STATUSES : [q.status]
    const indexes = vendors.flatMap((vendor) => statuses.map((status) => keys.vendor(vendor).status(status)))
    const pages = await Promise.all(indexes.map((index) => redis.vfsListIndex(index, after === undefined ? '+inf' : String(after.createdAt),
      after?.id ?? '', q.createdAfter === undefined ? '-inf' : String(q.createdAfter), size + 1)))
    return pages.flatMap((flat) => {
      const page: Position[] = []
      for (let i = 0; i + 1 < flat.length; i += 2) page.push({ id: flat[i] as string, createdAt: Number(flat[i + 1]) })
      return page
    }).sort(newerFirst)
  }
  return {
    async list (q) {
      const found: Job[] = []
      let after = q.after
      let next: Position | undefined
      const size = q.team === undefined ? q.limit : Math.max(q.limit, TEAM_ROUND)
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const all = await positions(q, after, size)
        const listed = all.slice(0, size)
        const jobs = await Promise.all(listed.map((p) => store.get(p.id)))
        for (const [i, job] of jobs.entries()) {
          if (job === null || !matches(job, q)) continue
          found.push(job)
          const more = i < listed.length - 1 || all.length > size
          if (found.length === q.limit) return { jobs: found, ...(more ? { next: listed[i] as Position } : {}) }
        }
        if (all.length <= size) return { jobs: found }
        after = listed.at(-1)
        next = all[size]
      }
      // Read on from between the last read and the next, which may both be other teams' jobs.
      return { jobs: found, ...(after === undefined || next === undefined ? {} : { next: positionBetween(after, next) }) }
    }
  }
}
