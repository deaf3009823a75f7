import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { DEFAULT_TEAM } from '../core/job.js'
import { createRedisBackend } from '../core/backends/redis/index.js'
import { redisKeys } from '../core/backends/redis/keys.js'
import { atExit, type Child, freePort, start, waitUntil } from './processes.js'

export interface BenchRedis {
  url: string
  client: Redis
  version: string
  stop (): Promise<void>
}

/** A throwaway redis-server on a free loopback port, without persistence, removed at exit. */
export async function startRedis (name: string): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'vfs-bench-redis-'))
  atExit(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const server: Child = start(name, 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir
  ])
  const url = `redis://127.0.0.1:${port}`
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true })
  client.on('error', () => {})
  await waitUntil(`${name} on ${port}`, async () => {
    if (client.status !== 'ready') await client.connect()
    return await client.ping() === 'PONG' ? true : undefined
  }, { timeoutMs: 10_000, child: server })
  const info = await client.info('server')
  return {
    url,
    client,
    version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    async stop () {
      client.disconnect()
      await server.stop(2_000)
    }
  }
}

export async function usedMemory (redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? Number.NaN)
}

/** How many of a vendor's jobs are in `status`, from the vendor's own listing index. */
export async function countStatus (redis: Redis, vendor: string, status: 'complete' | 'failed'): Promise<number> {
  return redis.zcard(redisKeys().vendor(vendor).status(status))
}

const BATCH = 5_000

/** A connection that stores and queues jobs as `POST /jobs` does, kept open across batches. */
export interface Filler {
  /** The local ports of its connections: how Redis (CLIENT LIST, MONITOR) tells them apart. */
  ports (): number[]
  /** Stores and queues `n` of `vendor`'s jobs, of `team` (by default the open mode's), or of each team in turn; returns their ids unless `keepIds` is false. */
  fill (n: number, vendor: string, keepIds?: boolean, team?: string | string[]): Promise<string[]>
  close (): Promise<void>
}

/**
 * A producer with the service's own backend and scripts: each job is `backend.submit`, the create-job
 * and enqueue scripts (EVALSHA each), auto-pipelined in batches. `vendors` get their consumer groups now.
 */
export async function openFiller (url: string, vendors: string[], weightOf?: (team: string) => number): Promise<Filler> {
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 })
  const subscriber = redis.duplicate()
  const backend = await createRedisBackend(redis, {
    prefix: 'vfs', jobTtlMs: 30 * 24 * 3_600_000, consumer: 'bench-fill', vendors, subscriber, leaseMs: 30_000, marginMs: 0, ...(weightOf === undefined ? {} : { weightOf })
  })
  let userId = 0
  return {
    ports: () => [redis, subscriber].map((c) => c.stream?.localPort).filter((p): p is number => p !== undefined),
    async fill (n, vendor, keepIds = true, team = DEFAULT_TEAM) {
      const ids: string[] = []
      const teams = Array.isArray(team) ? team : [team]
      for (let done = 0; done < n;) {
        const size = Math.min(BATCH, n - done)
        const now = Date.now()
        await Promise.all(Array.from({ length: size }, (_, i) => {
          const id = randomUUID()
          if (keepIds) ids.push(id)
          const of = teams[(done + i) % teams.length] ?? DEFAULT_TEAM
          return backend.submit({ id, vendor, team: of, status: 'pending', payload: { type: 'user_data', userId: ++userId }, attempts: 0, createdAt: now, updatedAt: now })
        }))
        done += size
      }
      return ids
    },
    async close () {
      await backend.close()
      subscriber.disconnect()
      redis.disconnect()
    }
  }
}

/** Stores and queues `n` jobs with a filler of their own. Returns the ids; `keepIds` false keeps none, for large fills. */
export async function fillJobs (url: string, n: number, vendor: string, keepIds = true): Promise<string[]> {
  const filler = await openFiller(url, [vendor])
  try {
    return await filler.fill(n, vendor, keepIds)
  } finally {
    await filler.close()
  }
}

/** Redis's own CPU time per call (µs) of the commands the API sends, since the last CONFIG RESETSTAT. */
export async function commandCost (redis: Redis): Promise<Record<string, number>> {
  const text = await redis.info('commandstats')
  const cost: Record<string, number> = {}
  for (const name of ['evalsha', 'hgetall']) {
    const usec = new RegExp(`cmdstat_${name}:calls=\\d+,usec=\\d+,usec_per_call=([\\d.]+)`).exec(text)?.[1]
    if (usec !== undefined) cost[name] = Number(usec)
  }
  return cost
}
