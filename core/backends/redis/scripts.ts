import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RedisKey, Result } from 'ioredis'
import { projectRoot } from '../../project-root.js'
import type { RedisClient } from './client.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** create-job.lua: 1 when created, 0 when the id exists. */
    vfsCreateJob (job: RedisKey, ttlMs: number, ...hash: string[]): Result<0 | 1, Context>
    /** submit.lua: 1 when created and queued, 0 when the id exists. */
    vfsSubmit (job: RedisKey, wake: RedisKey, ttlMs: number, base: string, channel: string, vendor: string,
      id: string, createdAt: number, trace: string, team: string, weight: number, ...hash: string[]): Result<0 | 1, Context>
    /** submit-batch.lua: how many of the batch's jobs were created (the others existed). */
    vfsSubmitBatch (batch: RedisKey, ...args: Array<string | number>): Result<number, Context>
    /** claim-job.lua: the claimed job's hash as a flat array, or why it was refused. */
    vfsClaimJob (job: RedisKey, entry: string, deliveries: number, kind: string, now: number): Result<string[] | 'missing' | 'done' | 'held', Context>
    /** update-job.lua: the changed hash (or 1), or null when the compared field held something else. */
    vfsUpdateJob (job: RedisKey, field: 'status' | 'holder', expected: string, updatedAt: number, reply: 'job' | 'ok', ending: string, setCount: number,
      ...setThenRemove: string[]): Result<string[] | 1 | null, Context>
    /** notify-job.lua: 1 when the delivery's state was recorded, 0 when it had changed. */
    vfsNotifyJob (job: RedisKey, expected: string, next: string): Result<0 | 1, Context>
    /** watch-job.lua: the job's status (its end told on the ended channel until then), or null. */
    vfsWatchJob (job: RedisKey, until: number): Result<string | null, Context>
    /** enqueue.lua: how many jobs were queued. */
    vfsEnqueue (delayed: RedisKey, wake: RedisKey, base: string, channel: string, vendor: string, now: string, sent: number,
      ...jobs: Array<string | number>): Result<number, Context>
    /** take.lua: [blocked, wakeAt, now, from, then id, job, kind, deliveries, probe, createdAt, traceparent, claim, team, queuedAt per delivery]. */
    vfsTake (queue: RedisKey, state: RedisKey, inflight: RedisKey, delayed: RedisKey, wake: RedisKey, usage: RedisKey, ...args: Array<string | number>): Result<Array<string | number | string[]>, Context>
    /** team-use.lua: [now, the usage fields' count, the usage hash flat, then per team its waiting entries and its quotas' counts]. */
    vfsTeamUse (...keysThenArgs: Array<string | number>): Result<Array<string | number>, Context>
    /** renew.lua: the entry ids lost to another worker. */
    vfsRenew (queue: RedisKey, inflight: RedisKey, now: string, consumer: string, leaseMs: number, ...deliveries: Array<string | number>): Result<string[], Context>
    /** settle.lua: [the breaker's state afterwards, then 1 or 0 per delivery: its job change applied]. */
    vfsSettle (...keysThenArgs: Array<string | number>): Result<Array<string | number>, Context>
    /** reindex.lua: how many jobs were listed. */
    vfsReindex (deadlines: RedisKey, base: string, ...jobs: Array<string | number>): Result<number, Context>
    /** snapshot.lua: counts, the oldest waiting entry, slots, the state hash's fields, the status counts and the time read at. */
    vfsSnapshot (queue: RedisKey, state: RedisKey, inflight: RedisKey, delayed: RedisKey, pending: RedisKey, processing: RedisKey,
      complete: RedisKey, failed: RedisKey, now: string, base: string): Result<Array<string | number>, Context>
    /** trim-indexes.lua: how many listing entries went. */
    vfsTrimIndexes (pending: RedisKey, processing: RedisKey, complete: RedisKey, failed: RedisKey, before: number, keep: number): Result<number, Context>
    /** list-index.lua: [id, createdAt, ...], newest first, after a position. */
    vfsListIndex (index: RedisKey, maxScore: string, afterId: string, createdAfter: string, limit: number): Result<string[], Context>
    /** lease-due.lua: [the earliest due time left or -1, then the ids whose time came, each leased to this caller for `leaseMs`]. */
    vfsLeaseDue (zset: RedisKey, now: number, max: number, leaseMs: number): Result<Array<string | number>, Context>
    /** cache-read.lua: the cached job's JSON; else 1 when this caller took the fill lease, 0 when someone else holds it. */
    vfsCacheRead (entry: RedisKey, lease: RedisKey, token: string, leaseMs: number): Result<string | 0 | 1, Context>
    /** cache-write.lua: 1 when the job was put (the token still held the lease), else 0. */
    vfsCacheWrite (entry: RedisKey, lease: RedisKey, token: string, job: string, ttlS: number, stored: 0 | 1): Result<0 | 1, Context>
    /** coverage.lua: [next entry id or '', then one flags string per job]. */
    vfsCoverage (queue: RedisKey, delayed: RedisKey, deadlines: RedisKey, from: string, count: number, base: string, ...jobs: Array<string | number>): Result<string[], Context>
    /** idempotency-reserve.lua: null when reserved, else the record the key holds. */
    vfsIdempotencyReserve (key: RedisKey, record: string, ttlMs: number): Result<string | null, Context>
    /** drop-consumers.lua: how many consumers without pending entries were removed from the group. */
    vfsDropConsumers (queue: RedisKey, group: string, consumer: string, idleMs: number | ''): Result<number, Context>
    /** result-admit.lua: ['hit', result JSON, at], ['follow', leader id] or ['lead']. */
    vfsResultAdmit (result: RedisKey, claim: RedisKey, followers: string, id: string, maxAgeMs: number | '', claimMs: number, now: string): Result<string[], Context>
    /** result-finish.lua: the leader's followers' ids. */
    vfsResultFinish (result: RedisKey, claim: RedisKey, followers: string, id: string, json: string, ttlMs: number, now: string): Result<string[], Context>
    /** idempotency-swap.lua: 1 when the expected record was replaced, else 0. */
    vfsIdempotencySwap (key: RedisKey, expected: string, next: string, ttlMs: number): Result<0 | 1, Context>
  }
}

/** The .lua files are read from the source tree: tsc copies none of them into dist/. */
const dir = join(projectRoot(import.meta.url), 'core', 'backends', 'redis', 'scripts')
/**
 * A script with its `--- @include "includes/<name>"` lines replaced by those files, as BullMQ's scripts do;
 * an include may include others, and each file comes in once.
 */
const lua = (name: string, included = new Set<string>()): string => readFileSync(join(dir, `${name}.lua`), 'utf8')
  .replace(/^--- @include "([\w/-]+)"$/gm, (_line, include: string) => {
    if (included.has(include)) return ''
    included.add(include)
    return lua(include, included)
  })

/** Each script with its number of keys; undefined: the caller passes the count first. */
const SCRIPTS: Record<string, [file: string, keys: number | undefined]> = {
  vfsCreateJob: ['create-job', 1],
  vfsSubmit: ['submit', 2],
  vfsSubmitBatch: ['submit-batch', 1],
  vfsClaimJob: ['claim-job', 1],
  vfsUpdateJob: ['update-job', 1],
  vfsNotifyJob: ['notify-job', 1],
  vfsWatchJob: ['watch-job', 1],
  vfsEnqueue: ['enqueue', 2],
  vfsTake: ['take', 6],
  vfsTeamUse: ['team-use', undefined],
  vfsRenew: ['renew', 2],
  vfsSettle: ['settle', 7],
  vfsReindex: ['reindex', 1],
  vfsLeaseDue: ['lease-due', 1],
  vfsSnapshot: ['snapshot', 8],
  vfsTrimIndexes: ['trim-indexes', 4],
  vfsListIndex: ['list-index', 1],
  vfsCacheRead: ['cache-read', 2],
  vfsCacheWrite: ['cache-write', 2],
  vfsCoverage: ['coverage', 3],
  vfsDropConsumers: ['drop-consumers', 1],
  vfsIdempotencyReserve: ['idempotency-reserve', 1],
  vfsIdempotencySwap: ['idempotency-swap', 1],
  vfsResultAdmit: ['result-admit', 3],
  vfsResultFinish: ['result-finish', 3]
}
/** intake.lua, which rate-limiter-flexible registers itself (see intake.ts). */
export const INTAKE_SCRIPT = lua('intake')

const SOURCES = Object.fromEntries(Object.entries(SCRIPTS).map(([command, [file, keys]]) => [command, { lua: lua(file), keys }]))

const defined = new WeakSet<RedisClient>()

/** Registers every script on a client, once per client; ioredis sends EVALSHA and falls back to EVAL after a restart. */
export function defineScripts (redis: RedisClient): void {
  if (defined.has(redis)) return
  defined.add(redis)
  for (const [command, { lua: source, keys }] of Object.entries(SOURCES)) {
    redis.defineCommand(command, keys === undefined ? { lua: source } : { numberOfKeys: keys, lua: source })
  }
}
