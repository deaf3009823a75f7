import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Cluster, Redis, RedisKey, Result } from 'ioredis'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** create-job.lua: 1 when created, 0 when the id exists. */
    vfsCreateJob (job: RedisKey, statusIndex: RedisKey, vendorIndex: RedisKey, queue: RedisKey,
      id: string, createdAt: number, ttlMs: number, cutoff: number, enqueueFor: string, ...hash: string[]): Result<0 | 1, Context>
    /** transition-job.lua: the changed hash as a flat array, or null when the job was not in `from`. */
    vfsTransitionJob (job: RedisKey, fromIndex: RedisKey, toIndex: RedisKey, events: RedisKey, queue: RedisKey,
      from: string, updatedAt: number, cutoff: number, eventsMaxLen: number, enqueue: '0' | '1', setCount: number,
      ...setThenRemove: string[]): Result<string[] | null, Context>
    /** promote-delayed.lua: [entries queued, when the next is due or -1]. */
    vfsPromoteDelayed (delayed: RedisKey, queue: RedisKey, now: number, max: number): Result<[number, number], Context>
    /** breaker-permit.lua: [1, 0] call; [1, 1] call as a probe; [0, when] wait until `when`. */
    vfsBreakerPermit (state: RedisKey, now: number, maxProbes: number, halfOpenAfterMs: number): Result<[number, number], Context>
    /** breaker-record.lua: the breaker's state after this outcome. */
    vfsBreakerRecord (...keysThenArgs: Array<string | number>): Result<'open' | 'closed', Context>
    /** cache-read.lua: the cached job's JSON; else 1 when this caller took the fill lease, 0 when someone else holds it. */
    vfsCacheRead (entry: RedisKey, lease: RedisKey, token: string, leaseMs: number): Result<string | 0 | 1, Context>
    /** cache-write.lua: 1 when the job was put (the token still held the lease), else 0. */
    vfsCacheWrite (entry: RedisKey, lease: RedisKey, token: string, job: string, ttlS: number, stored: 0 | 1): Result<0 | 1, Context>
    /** lease-due.lua: the job ids whose deadline passed, each leased to this caller for `leaseMs`. */
    vfsLeaseDue (deadlines: RedisKey, now: number, max: number, leaseMs: number): Result<string[], Context>
  }
}

/**
 * The .lua files are read from the source tree, found as the nearest folder above this module with a
 * package.json: that is the project root both from plugins/redis (tsx) and from dist/plugins/redis
 * (tsc copies no .lua files into dist/, and dist/ has no package.json of its own).
 */
function scriptsDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: cannot find the Lua scripts`)
    dir = parent
  }
  return join(dir, 'plugins', 'redis', 'scripts')
}

const dir = scriptsDir()
const lua = (name: string): string => readFileSync(join(dir, `${name}.lua`), 'utf8')
const CREATE_JOB = lua('create-job')
const TRANSITION_JOB = lua('transition-job')
const PROMOTE_DELAYED = lua('promote-delayed')
const LEASE_DUE = lua('lease-due')
const BREAKER_PERMIT = lua('breaker-permit')
const BREAKER_RECORD = lua('breaker-record')
const CACHE_READ = lua('cache-read')
const CACHE_WRITE = lua('cache-write')

/** Registers the scripts on a client; ioredis sends EVALSHA and falls back to EVAL after a restart. */
export function defineScripts (redis: Redis | Cluster): void {
  redis.defineCommand('vfsCreateJob', { numberOfKeys: 4, lua: CREATE_JOB })
  redis.defineCommand('vfsTransitionJob', { numberOfKeys: 5, lua: TRANSITION_JOB })
  redis.defineCommand('vfsPromoteDelayed', { numberOfKeys: 2, lua: PROMOTE_DELAYED })
  redis.defineCommand('vfsLeaseDue', { numberOfKeys: 1, lua: LEASE_DUE })
  redis.defineCommand('vfsCacheRead', { numberOfKeys: 2, lua: CACHE_READ })
  redis.defineCommand('vfsCacheWrite', { numberOfKeys: 2, lua: CACHE_WRITE })
  redis.defineCommand('vfsBreakerPermit', { numberOfKeys: 1, lua: BREAKER_PERMIT })
  // The number of buckets varies with the window, so the caller passes the key count first.
  redis.defineCommand('vfsBreakerRecord', { lua: BREAKER_RECORD })
}
