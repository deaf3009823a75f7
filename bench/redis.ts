import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
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

/**
 * Stores and queues `n` jobs exactly as `POST /jobs` does, with the service's own backend and scripts
 * (EVALSHA, pipelined in batches). Returns the ids; `keepIds` false keeps none, for large fills.
 */
export async function fillJobs (url: string, n: number, vendor: string, keepIds = true): Promise<string[]> {
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 })
  const subscriber = redis.duplicate()
  const backend = await createRedisBackend(redis, {
    prefix: 'vfs', jobTtlMs: 30 * 24 * 3_600_000, consumer: 'bench-fill', vendors: [vendor], subscriber, leaseMs: 30_000, marginMs: 0
  })
  const ids: string[] = []
  try {
    for (let done = 0; done < n;) {
      const size = Math.min(BATCH, n - done)
      const now = Date.now()
      await Promise.all(Array.from({ length: size }, (_, i) => {
        const id = randomUUID()
        if (keepIds) ids.push(id)
        return backend.submit({ id, vendor, status: 'pending', payload: { type: 'user_data', userId: done + i }, attempts: 0, createdAt: now, updatedAt: now })
      }))
      done += size
    }
  } finally {
    await backend.close()
    subscriber.disconnect()
    redis.disconnect()
  }
  return ids
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
