import { writeFileSync } from 'node:fs'
import { setTimeout } from 'node:timers/promises'
import { setPriority } from 'node:os'
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
  workers: Worker[]
  startWorker (): Promise<Worker>
  /** Starts the API again, on its port and with its settings (after it was stopped or killed); `api` names the new process. */
  restartApi (): Promise<Started>
  /** Starts one more API process with the same settings on a port of its own, and answers its base URL. */
  startApi (): Promise<string>
  /** POST /jobs, as the team whose key is given when there is one. */
  post (body: Record<string, unknown>, key?: string): Promise<{ status: number, id?: string }>
  statuses (ids: string[]): Promise<string[]>
  /** Waits until every job has ended, asking the API (any mode; slower than allEnded on many jobs), and answers their statuses. */
  ended (ids: string[], timeoutMs: number): Promise<string[]>
  vendorStats (url: string): Promise<VendorStats>
  /** The arrival times the vendor saw for these jobs (up to ten each), in order. */
  arrivals (url: string, ids: string[]): Promise<number[]>
}

/** A standalone worker process, with the base URL of its /health and /metrics. */
type Worker = Started & { url: string }

interface VendorStats {
  received: number
  /** Calls on the wire now. */
  open: number
  maxPerSecond: number
  maxCallsPerRequest: number
  distinctRequests: number
}

const noRedis = (): never => { throw new Error('an embedded stack has no Redis and no standalone workers') }

/** "job complete" lines, which a worker logs once per compare-and-set that completed a job. */
const completion = (line: string): boolean => line.includes('"msg":"job complete"')

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
  /** Embedded mode: no Redis, the API process runs the worker (startWorker and connect are then refused). */
  embedded?: boolean
  /** Configures the vendors of vendors.example.json, pointed at the mock process, with these fields over theirs. */
  dialects?: Partial<Record<DialectName, Partial<VendorEntry>>>
  /** Every process keeps every line it writes in `kept` (the workers then not only their completions). */
  keepAll?: boolean
  /** Changes the vendor entries once every mock's URL is known, before the processes read them. */
  rewrite? (entries: Record<string, VendorEntry>, urls: { sync: string, async: string } & Record<DialectName, string>): Promise<Record<string, VendorEntry>>
} = {}): Promise<Stack> {
  const redis: Stack['redis'] = opts.embedded === true
    ? { url: '', stop: noRedis, kill: noRedis, start: noRedis }
    : opts.cluster === true
      ? await startRedisCluster(t, { appendonly: opts.appendonly ?? false })
      : await startRedis(t, { appendonly: opts.appendonly ?? false })
  const [port, syncPort, asyncPort] = [await freePort(), await freePort(), await freePort()]
  const syncVendor = `http://127.0.0.1:${syncPort}`
  const asyncVendor = `http://127.0.0.1:${asyncPort}`
  // The mock process always serves the dialects too: on ports of their own, so that stacks never collide.
  const dialects = await dialectPorts()
  const vendorsFile = join(t.testdir(), 'vendors.json')
  const urls = { sync: syncVendor, async: asyncVendor, ...dialects.urls }
  const vendors = typeof opts.vendors === 'function' ? opts.vendors(urls) : opts.vendors
  const entries: Record<string, VendorEntry> = {
    ...(opts.dialects === undefined ? {} : exampleVendors(dialects.urls, opts.dialects)),
    ...vendors,
    syncVendor: { url: syncVendor, ...vendors?.syncVendor },
    asyncVendor: { url: asyncVendor, ...vendors?.asyncVendor }
  }
  writeFileSync(vendorsFile, JSON.stringify(opts.rewrite === undefined ? entries : await opts.rewrite(entries, urls)))
  const base = `http://127.0.0.1:${port}`
  const env = {
    ...(opts.embedded === true ? { MOCK_VENDORS: 'off' } : { REDIS_URL: redis.url, REDIS_CLUSTER: String(opts.cluster === true) }),
    VENDORS_FILE: vendorsFile, PUBLIC_URL: base, HOST: '127.0.0.1', ASYNC_VENDOR_SECRET: SECRET, ...SECRETS, ...opts.env
  }
  const keep = opts.keepAll ? () => true : undefined

  const mocks = startProcess(t, 'vendors/mock/server.ts', {
    SYNC_VENDOR_PORT: String(syncPort), ASYNC_VENDOR_PORT: String(asyncPort), ...dialects.env, HOST: '127.0.0.1', ASYNC_VENDOR_SECRET: SECRET, ...SECRETS, ...opts.mockEnv
  }, keep)
  // The vendors stand for other machines: the load a test puts on this one (its own CPU burner included)
  // must not delay when they see a call arrive. Raising a priority needs root, as CI has; elsewhere it stays.
  try {
    if (mocks.child.pid !== undefined) setPriority(mocks.child.pid, -10)
  } catch {}
  const startApi = async (on = port): Promise<Started> => {
    const started = startProcess(t, 'server.ts', { ...env, PORT: String(on), WORKER: opts.embedded === true ? 'in-process' : 'off' }, keep)
    await healthy(started, `http://127.0.0.1:${on}`)
    return started
  }
  const api = await startApi()
  // The mock process listens on its ports in turn: once the last one answers, all do.
  const last = Object.values(dialects.urls).at(-1)
  await waitFor(async () => {
    if (mocks.child.exitCode !== null) throw new Error(`the mock vendors exited:\n${mocks.output()}`)
    return (await fetch(`${last}/admin/stats`).catch(() => undefined))?.ok || undefined
  }, 60_000, 'mock vendors')

  const dispatcher = new Agent({ connections: 50 })
  t.teardown(() => dispatcher.close())
  const workers: Worker[] = []
  const statuses = async (ids: string[]): Promise<string[]> => Promise.all(ids.map(async (id) => {
    const res = await request(`${base}/jobs/${id}`, { dispatcher })
    return (await res.body.json() as { status: string }).status
  }))
  const stack: Stack = {
    redis,
    connect () {
      if (opts.embedded === true) return noRedis()
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
    async restartApi () {
      stack.api = await startApi()
      return stack.api
    },
    async startApi () {
      if (opts.embedded === true) return noRedis()
      const other = await freePort()
      await startApi(other)
      return `http://127.0.0.1:${other}`
    },
    async startWorker () {
      if (opts.embedded === true) return noRedis()
      const workerPort = await freePort()
      const url = `http://127.0.0.1:${workerPort}`
      const worker = { ...startProcess(t, 'workers/worker.ts', { LOG_LEVEL: 'info', ...env, WORKER_PORT: String(workerPort) }, keep ?? completion), url }
      await healthy(worker, url)
      workers.push(worker)
      return worker
    },
    // As a client should, a shed request (503 VFS_ERR_OVERLOADED) is sent again after its Retry-After: a stalled API process
    // on a busy machine sheds by design, and that is no test's subject but test/plugins/load.test.ts's.
    async post (body, key) {
      const headers = { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) }
      for (;;) {
        const res = await request(`${base}/jobs`, { method: 'POST', dispatcher, headers, body: JSON.stringify(body) })
        const json = await res.body.json() as { request_id?: string, code?: string }
        if (json.code === 'VFS_ERR_OVERLOADED') {
          await setTimeout(1000 * Number(res.headers['retry-after'] ?? 1))
          continue
        }
        return { status: res.statusCode, ...(json.request_id === undefined ? {} : { id: json.request_id }) }
      }
    },
    statuses,
    async ended (ids, timeoutMs) {
      const left = new Set(ids)
      await waitFor(async () => {
        const open = [...left].slice(0, 200)
        const seen = await statuses(open)
        open.forEach((id, i) => { if (seen[i] === 'complete' || seen[i] === 'failed') left.delete(id) })
        return left.size === 0 ? true : undefined
      }, timeoutMs, `${ids.length} jobs to end through the API (${left.size} left)`)
      return statuses(ids)
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
  return stack
}

/** Posts `n` jobs concurrently (as the team of `key`, when given) and returns their ids; every one must be acknowledged with 202. */
export async function postMany (stack: Stack, n: number, body: (i: number) => Record<string, unknown>, key?: (i: number) => string): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const { status, id } = await stack.post(body(i), key?.(i))
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
