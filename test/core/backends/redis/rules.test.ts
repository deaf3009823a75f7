import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import t, { test } from 'tap'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { defineScripts } from '../../../../core/backends/redis/scripts.js'
import { fromHash, pairs, toHash } from '../../../../core/backends/redis/store.js'
import { applyChange, claimChange, isTerminal, type Job, JOB_STATUSES } from '../../../../core/job.js'
import { projectRoot } from '../../../../core/project-root.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'

const skip = skipWithoutRedis(t)

/** A job in any state a claim can meet: any status, waiting (only ever while processing) or not, held by some delivery of some entry or by none. */
const jobs = fc.record({
  status: fc.constantFrom('pending', 'processing', 'complete', 'failed' as const),
  attempts: fc.integer({ min: 0, max: 5 }),
  waiting: fc.constantFrom(undefined, 'callback', 'poll' as const),
  holder: fc.option(fc.record({ entry: fc.constantFrom('1-0', '2-0'), deliveries: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
  nextAttemptAt: fc.option(fc.integer({ min: 1, max: 1e12 }), { nil: undefined })
}).filter((s) => s.waiting === undefined || s.status === 'processing')
const claimants = fc.record({ entry: fc.constantFrom('1-0', '2-0'), deliveries: fc.integer({ min: 1, max: 4 }), kind: fc.constantFrom('call', 'poll' as const) })

test('claim-job.lua decides every claim as claimChange in core/job.ts does, and leaves the job as applyChange would', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  defineScripts(redis)
  const keys = redisKeys(prefix)
  let n = 0
  await fc.assert(fc.asyncProperty(jobs, claimants, async (state, claimant) => {
    const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
    const job: Job = {
      id, vendor: 'v', team: 'default', status: state.status, payload: { n }, attempts: state.attempts, createdAt: 1, updatedAt: 1,
      ...(state.waiting === undefined ? {} : { waiting: state.waiting }),
      ...(state.holder === undefined ? {} : { holder: `${state.holder.entry}#${state.holder.deliveries}` }),
      ...(state.nextAttemptAt === undefined ? {} : { nextAttemptAt: state.nextAttemptAt })
    }
    await redis.hset(keys.job(id), toHash(job))
    const rule = claimChange(job, claimant)
    const reply = await redis.vfsClaimJob(keys.job(id), claimant.entry, claimant.deliveries, claimant.kind, 42)
    if (!rule.ok) {
      const unchanged = fromHash(await redis.hgetall(keys.job(id)))
      return reply === rule.reason && isDeepStrictEqual(unchanged, job)
    }
    if (!Array.isArray(reply)) return false
    const expected = applyChange(job, rule.change, 42)
    return isDeepStrictEqual(fromHash(pairs(reply)), expected)
  }), { numRuns: 300 })
  t.pass('300 jobs and claims: the same verdict and the same job in TypeScript and in Lua')
})

test('includes/terminal.lua ends the statuses isTerminal in core/job.ts ends, and lists them', { skip }, async (t) => {
  const { url } = await redisFor(t)
  const redis = redisClient(t, url)
  const source = readFileSync(join(projectRoot(import.meta.url), 'core', 'backends', 'redis', 'scripts', 'includes', 'terminal.lua'), 'utf8')
  for (const status of JOB_STATUSES) {
    const lua = await redis.eval(`${source}\nreturn isTerminal(ARGV[1]) and 1 or 0`, 0, status)
    t.equal(lua === 1, isTerminal(status), `${status}: ${isTerminal(status) ? 'ends' : 'does not end'} the job in both`)
  }
  t.same(await redis.eval(`${source}\nreturn TERMINAL`, 0), JOB_STATUSES.filter(isTerminal), 'and TERMINAL lists the same statuses')
})
