import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DIALECT_PORTS } from '../vendors/mock/dialects.js'
import { atExit, type Child, freePort, healthy, ROOT, startBuilt, waitUntil } from './processes.js'

/** Rate limits lifted far above what one machine can reach, so that the service itself is measured. */
const LIFTED = { perSecond: 1_000_000, burst: 1_000_000 }
/** The async vendor's webhook secret: the API refuses the public development value once the mocks run apart. */
const SECRET = 'bench-async-vendor-secret'
/** Secrets of the mapped vendors, given to the mocks and the service alike. */
const MAPPED_SECRETS = { DIRECTORY_API_KEY: 'bench-directory-api-key', MAPPED_VENDOR_TOKEN: 'bench-mapped-vendor-token' }
/** Vendor calls in flight per worker process (WORKER_CONCURRENCY), as BullMQ's concurrency 50 for I/O-bound work. */
export const WORKER_CALLS = 50
/** The most worker processes a scenario starts (e2e: 2). */
const MOST_WORKERS = 2
/** A vendor's `concurrency` is fleet-wide: enough for every worker's calls, so that it never binds. */
export const FLEET_CONCURRENCY = WORKER_CALLS * MOST_WORKERS
/** The fairness scenario's limited vendor: the sync mock at this many calls per second. */
export const SLOW_RATE = 20

/**
 * The vendors of every scenario, one VENDORS_FILE: our protocol on the sync and async mocks, the limited
 * `slowVendor`, `mappedVendor` (jsonata mappings and bearer auth on the sync mock) and vendors.example.json's
 * `directoryVendor` (GET, query auth, per-type mappings) on its own mock.
 */
export const VENDORS = {
  sync: 'syncVendor',
  async: 'asyncVendor',
  slow: 'slowVendor',
  mapped: 'mappedVendor',
  directory: 'directoryVendor',
  budgeted: 'budgetedVendor',
  burst1: 'burst1Vendor',
  burst5: 'burst5Vendor',
  cached: 'cachedVendor'
} as const

/** The cache scenario's vendor: the sync mock under a path of its own, its results kept an hour. */
export const CACHED_PATH = '/cached'

/** The limits scenario's vendors: the sync mock at SLOW_RATE/s with a burst of 1 and of 5, each under a path of its own. */
export const LIMITED = { [VENDORS.burst1]: { path: '/burst1', burst: 1 }, [VENDORS.burst5]: { path: '/burst5', burst: 5 } } as const

export interface Mocks {
  syncUrl: string
  asyncUrl: string
  directoryUrl: string
  vendorsFile: string
  child: Child
  reset (): Promise<void>
}

/**
 * The mock vendors as their own process (`vendors/mock/server.ts`), webhooks after 5 to 20 ms: ours, and
 * the directory mock for the mapped row; the other dialects' mocks, not measured, on any free port.
 */
export async function startMocks (): Promise<Mocks> {
  const [syncPort, asyncPort, directoryPort] = [await freePort(), await freePort(), await freePort()]
  const child = startBuilt('mock vendors', 'vendors/mock/server.ts', {
    ...Object.fromEntries(Object.values(DIALECT_PORTS).map(({ env }) => [env, '0'])),
    [DIALECT_PORTS.directoryVendor.env]: String(directoryPort),
    ...MAPPED_SECRETS,
    HOST: '127.0.0.1',
    ASYNC_VENDOR_SECRET: SECRET,
    SYNC_VENDOR_PORT: String(syncPort),
    ASYNC_VENDOR_PORT: String(asyncPort),
    MOCK_WEBHOOK_DELAY_MIN_MS: '5',
    MOCK_WEBHOOK_DELAY_MAX_MS: '20'
  })
  const syncUrl = `http://127.0.0.1:${syncPort}`
  const asyncUrl = `http://127.0.0.1:${asyncPort}`
  const directoryUrl = `http://127.0.0.1:${directoryPort}`
  const urls = [syncUrl, asyncUrl, directoryUrl]
  await waitUntil('mock vendors', async () => {
    const answers = await Promise.all(urls.map(async (u) => (await fetch(`${u}/admin/stats`)).ok))
    return answers.every(Boolean) ? true : undefined
  }, { child })
  const dir = mkdtempSync(join(tmpdir(), 'vfs-bench-'))
  atExit(() => rmSync(dir, { recursive: true, force: true }))
  const vendorsFile = join(dir, 'vendors.json')
  const example = JSON.parse(readFileSync(join(ROOT, 'vendors.example.json'), 'utf8')) as Record<string, Record<string, unknown>>
  const lifted = { rateLimit: LIFTED, concurrency: FLEET_CONCURRENCY }
  writeFileSync(vendorsFile, JSON.stringify({
    [VENDORS.sync]: { url: syncUrl, ...lifted },
    [VENDORS.async]: { url: asyncUrl, ...lifted },
    [VENDORS.slow]: { mode: 'sync', url: syncUrl, rateLimit: { perSecond: SLOW_RATE, burst: 5 }, concurrency: FLEET_CONCURRENCY },
    [VENDORS.mapped]: {
      mode: 'sync',
      url: syncUrl,
      ...lifted,
      auth: { type: 'bearer', token: { env: 'MAPPED_VENDOR_TOKEN' } },
      request: { path: "'/v1/lookup/' & payload.type", body: "{ 'request_id': request_id, 'payload': payload }" },
      response: { result: 'body.data', error: "status = 404 ? body.message" }
    },
    [VENDORS.directory]: { ...example.directoryVendor, url: directoryUrl, ...lifted },
    [VENDORS.cached]: { mode: 'sync', url: `${syncUrl}${CACHED_PATH}`, ...lifted, cache: { ttl: '1h' } },
    // syncVendor with a price: the budget row's calls, reserved and settled against a team's budget.
    [VENDORS.budgeted]: { mode: 'sync', url: syncUrl, ...lifted, cost: { perCall: 0.001, perResult: 0.002 } },
    ...Object.fromEntries(Object.entries(LIMITED).map(([name, { path, burst }]) =>
      [name, { mode: 'sync', url: `${syncUrl}${path}`, rateLimit: { perSecond: SLOW_RATE, burst }, concurrency: FLEET_CONCURRENCY }]))
  }))
  return {
    syncUrl,
    asyncUrl,
    directoryUrl,
    vendorsFile,
    child,
    async reset () {
      await Promise.all(urls.map((u) => fetch(`${u}/admin/reset`, { method: 'POST' })))
    }
  }
}

export interface Service {
  url: string
  api: Child
  env: Record<string, string>
  /** Starts `n` standalone workers (`workers/worker.ts`), with `env` over the service's, and waits until each answers /health. */
  startWorkers (n: number, env?: Record<string, string>): Promise<Child[]>
}

/**
 * `--cpu-prof` flags for a process when profiling, else none. Each process gets a folder of its own: the
 * tsx loader thread writes a profile too, and V8's default names keep the two apart.
 */
export function profileArgs (dir: string | undefined, name: string): string[] {
  if (dir === undefined) return []
  const own = join(dir, `${name.replace(/\W+/g, '-')}-${Date.now()}`)
  mkdirSync(own, { recursive: true })
  return ['--cpu-prof', `--cpu-prof-dir=${own}`]
}

/** The API from its real entry point (`server.ts`), consuming nothing (WORKER=off): intake alone. */
export async function startService (name: string, mocks: Mocks, opts: { redisUrl?: string, profileDir?: string, env?: Record<string, string> } = {}): Promise<Service> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    VENDORS_FILE: mocks.vendorsFile,
    PUBLIC_URL: url,
    MOCK_VENDORS: 'off',
    ASYNC_VENDOR_SECRET: SECRET,
    ...MAPPED_SECRETS,
    // Intake is measured, not embedded mode's bound on kept jobs: the runs post far more than its default.
    EMBEDDED_MAX_JOBS: '100000000',
    ...(opts.redisUrl === undefined ? {} : { REDIS_URL: opts.redisUrl }),
    ...opts.env
  }
  const api = startBuilt(name, 'server.ts', { ...env, PORT: String(port), WORKER: 'off' }, profileArgs(opts.profileDir, name))
  await healthy(api, `${url}/health`)
  let started = 0
  return {
    url,
    api,
    env,
    async startWorkers (n, more = {}) {
      return Promise.all(Array.from({ length: n }, async () => {
        const workerPort = await freePort()
        const workerName = `worker-${++started}`
        const worker = startBuilt(workerName, 'workers/worker.ts', {
          ...env, ...more, WORKER_PORT: String(workerPort), WORKER_CONCURRENCY: String(WORKER_CALLS)
        }, profileArgs(opts.profileDir, workerName))
        await healthy(worker, `http://127.0.0.1:${workerPort}/health`)
        return worker
      }))
    }
  }
}

/** Creates `n` jobs through `POST /jobs`, 50 at a time; returns their ids. */
export async function postViaApi (url: string, n: number): Promise<string[]> {
  const ids: string[] = []
  for (let done = 0; done < n;) {
    const size = Math.min(50, n - done)
    const batch = await Promise.all(Array.from({ length: size }, async (_, i) => {
      const res = await fetch(`${url}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ vendor: 'syncVendor', type: 'user_data', userId: done + i })
      })
      const body = await res.json() as { request_id?: string }
      if (res.status !== 202 || body.request_id === undefined) throw new Error(`POST /jobs answered ${res.status}`)
      return body.request_id
    }))
    ids.push(...batch)
    done += size
  }
  return ids
}
