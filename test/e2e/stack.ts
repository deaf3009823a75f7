import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Cluster, Redis } from 'ioredis'
import type { RedisClient } from '../../core/backends/redis/client.js'
import { Agent, request } from 'undici'
import { redisKeys } from '../../core/backends/redis/keys.js'
import { JOB_STATUSES } from '../../core/job.js'
import { startRedisCluster } from '../redis-cluster.js'
import { startRedis, type TestRedis } from '../redis-server.js'
import { freePort, SECRET, type TestContext, waitFor } from '../helper.js'
import type { VendorEntry } from '../../vendors/config.js'
import type { DialectName } from '../../vendors/mock/dialects.js'
import { dialectPorts, exampleVendors, SECRETS } from '../dialects.js'
import { healthy, type Started, startProcess } from './processes.js'

export interface Stack {
  /** The stack's Redis: one server, or a three-master cluster (`cluster: true`). */
  redis: Pick<TestRedis, 'url' | 'stop' | 'kill' | 'start'>
  /** A client of the stack's Redis (a Cluster client on a cluster), closed when the test ends. */
  connect (): RedisClient
  api: Started
  base: string
  syncVendor: string
  asyncVendor: string
  /** Where the mock process serves each dialect of vendors.example.json. */
  dialects: Record<DialectName, string>
  workers: Started[]
  startWorker (): Promise<Started>
  post (body: Record<string, unknown>): Promise<{ status: number, id?: string }>
  statuses (ids: string[]): Promise<string[]>
  vendorStats (url: string): Promise<VendorStats>
  /** The arrival times the vendor saw for these jobs (up to ten each), in order. */
  arrivals (url: string, ids: string[]): Promise<number[]>
}

export interface VendorStats {
  received: number
  /** Calls on the wire now. */
  open: number
  maxPerSecond: number
  maxCallsPerRequest: number
  distinctRequests: number
}

/** "job complete" lines, which a worker logs once per compare-and-set that completed a job. */
export const completion = (line: string): boolean => line.includes('"msg":"job complete"')

/**
 * The deployed shape, all real processes: a throwaway Redis, the mock vendors, an API that consumes
 * nothing (WORKER=off), and as many standalone workers as the test starts.
 */
export async function startStack (t: TestContext & { testdir (): string }, opts: {
  /** Entries over the defaults; a function is given the mock vendors' URLs, for vendors of its own. */
  vendors?: Record<string, VendorEntry> | ((urls: { sync: string, async: string } & Record<DialectName, string>) => Record<string, VendorEntry>)
  env?: Record<string, string>
  mockEnv?: Record<string, string>
  appendonly?: boolean
  /** Run on a three-master Redis Cluster instead of one server. */
  cluster?: boolean
  /** Configures the vendors of vendors.example.json, pointed at the mock process, with these fields over theirs. */
  dialects?: Partial<Record<DialectName, Partial<VendorEntry>>>
  /** Every process keeps every line it writes in `kept` (the workers then not only their completions). */
  keepAll?: boolean
} = {}): Promise<Stack> {
  const redis = opts.cluster === true
    ? await startRedisCluster(t, { appendonly: opts.appendonly ?? false })
    : await startRedis(t, { appendonly: opts.appendonly ?? false })
  const [port, syncPort, asyncPort] = [await freePort(), await freePort(), await freePort()]
  const syncVendor = `http://127.0.0.1:${syncPort}`
  const asyncVendor = `http://127.0.0.1:${asyncPort}`
  // The mock process always serves the dialects too: on ports of their own, so that stacks never collide.
  const dialects = await dialectPorts()
  const vendorsFile = join(t.testdir(), 'vendors.json')
  const vendors = typeof opts.vendors === 'function' ? opts.vendors({ sync: syncVendor, async: asyncVendor, ...dialects.urls }) : opts.vendors
  writeFileSync(vendorsFile, JSON.stringify({
    ...(opts.dialects === undefined ? {} : exampleVendors(dialects.urls, opts.dialects)),
    ...vendors,
    syncVendor: { url: syncVendor, ...vendors?.syncVendor },
    asyncVendor: { url: asyncVendor, ...vendors?.asyncVendor }
  }))
  const base = `http://127.0.0.1:${port}`
  const env = { REDIS_URL: redis.url, REDIS_CLUSTER: String(opts.cluster === true), VENDORS_FILE: vendorsFile, PUBLIC_URL: base, HOST: '127.0.0.1', ASYNC_VENDOR_SECRET: SECRET, ...SECRETS, ...opts.env }
  const keep = opts.keepAll ? () => true : undefined

  const mocks = startProcess(t, 'vendors/mock/server.ts', {
    SYNC_VENDOR_PORT: String(syncPort), ASYNC_VENDOR_PORT: String(asyncPort), ...dialects.env, HOST: '127.0.0.1', ASYNC_VENDOR_SECRET: SECRET, ...SECRETS, ...opts.mockEnv
  }, keep)
  const api = startProcess(t, 'server.ts', { ...env, PORT: String(port), WORKER: 'off' }, keep)
  await healthy(api, base)
  // The mock process listens on all its ports before the last one answers.
  await waitFor(async () => (await fetch(`${dialects.urls.enrichHmacVendor}/admin/stats`).catch(() => undefined))?.ok || undefined, 60_000, 'mock vendors')
  if (mocks.child.exitCode !== null) throw new Error(mocks.output())

  const dispatcher = new Agent({ connections: 50 })
  t.teardown(() => dispatcher.close())
  const workers: Started[] = []
  return {
    redis,
    connect () {
      const { hostname, port } = new URL(redis.url)
      const client = opts.cluster === true ? new Cluster([{ host: hostname, port: Number(port) }]) : new Redis(redis.url)
      t.teardown(() => client.disconnect())
      return client
    },
    api,
    base,
    syncVendor,
    asyncVendor,
    dialects: dialects.urls,
    workers,
    async startWorker () {
      const workerPort = await freePort()
      const worker = startProcess(t, 'workers/worker.ts', { LOG_LEVEL: 'info', ...env, WORKER_PORT: String(workerPort) }, keep ?? completion)
      await healthy(worker, `http://127.0.0.1:${workerPort}`)
      workers.push(worker)
      return worker
    },
    async post (body) {
      const res = await request(`${base}/jobs`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const json = await res.body.json() as { request_id?: string }
      return { status: res.statusCode, ...(json.request_id === undefined ? {} : { id: json.request_id }) }
    },
    async statuses (ids) {
      return Promise.all(ids.map(async (id) => {
        const res = await request(`${base}/jobs/${id}`, { dispatcher })
        return (await res.body.json() as { status: string }).status
      }))
    },
    async vendorStats (url) {
      const res = await request(`${url}/admin/stats`)
      return await res.body.json() as VendorStats
    },
    async arrivals (url, ids) {
      const times = await Promise.all(ids.map(async (id) => {
        const res = await request(`${url}/admin/stats?request_id=${id}`, { dispatcher })
        return (await res.body.json() as { times: number[] }).times
      }))
      return times.flat().sort((a, b) => a - b)
    }
  }
}

/** Posts `n` jobs concurrently and returns their ids; every one must be acknowledged with 202. */
export async function postMany (stack: Stack, n: number, body: (i: number) => Record<string, unknown>): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const { status, id } = await stack.post(body(i))
    if (status !== 202 || id === undefined) throw new Error(`POST /jobs answered ${status}`)
    return id
  }))
}

/** How many jobs are in each status, summed over the vendors' listing indexes, cheaply enough to poll. */
export async function countByStatus (redis: RedisClient, vendors: string[] = ['syncVendor', 'asyncVendor']): Promise<Record<string, number>> {
  const keys = redisKeys()
  const counts = await Promise.all(JOB_STATUSES.map(async (s) => {
    const each = await Promise.all(vendors.map((v) => redis.zcard(keys.vendor(v).status(s))))
    return each.reduce((a, b) => a + b, 0)
  }))
  return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, counts[i] ?? 0]))
}

/** Waits until `n` jobs have ended, then reads every job's status through the API. */
export async function allEnded (stack: Stack, redis: RedisClient, ids: string[], timeoutMs: number, vendors?: string[]): Promise<string[]> {
  let counts: Record<string, number> = {}
  await waitFor(async () => {
    counts = await countByStatus(redis, vendors)
    return (counts.complete ?? 0) + (counts.failed ?? 0) >= ids.length ? true : undefined
  }, timeoutMs, `${ids.length} jobs to end`).catch(async (err: Error) => {
    const statuses = await stack.statuses(ids)
    const stuck = ids.filter((_, i) => statuses[i] !== 'complete' && statuses[i] !== 'failed')
    throw new Error(`${err.message}; listed ${JSON.stringify(counts)}, ${stuck.length} not ended: ${stuck.slice(0, 3).join(', ')}`)
  })
  return stack.statuses(ids)
}

/** Changes a mock vendor's faults while it runs. */
export async function setFaults (url: string, faults: Record<string, number>): Promise<void> {
  const res = await request(`${url}/admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) })
  if (res.statusCode !== 200) throw new Error(`faults refused: ${await res.body.text()}`)
  await res.body.dump()
}

/** A job as GET /jobs/{id} shows it. */
export async function job (stack: Stack, id: string): Promise<{ status: string, attempts: number, created_at: string, updated_at: string }> {
  return (await request(`${stack.base}/jobs/${id}`)).body.json() as never
}

/** A mock vendor's counts, with the busiest window of `windowMs` and the calls open at once. */
export async function windowStats (url: string, windowMs: number): Promise<{ maxInWindow: number, maxOpen: number, open: number, received: number }> {
  return (await request(`${url}/admin/stats?window_ms=${windowMs}`)).body.json() as never
}
