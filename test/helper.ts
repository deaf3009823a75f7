import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.js'
import { type Config, loadConfig } from '../plugins/config.js'
import { mergeVendors, defaultVendors, type VendorEntry } from '../vendors/config.js'
import type { MockFaults } from '../vendors/mock/faults.js'
import { buildMockAsyncVendor } from '../vendors/mock/async.js'
import { buildMockSyncVendor } from '../vendors/mock/sync.js'
import { freePort } from './free-port.js'

/** The part of a tap test that the helpers use. */
export interface TestContext {
  teardown (fn: () => unknown): void
}

/** The webhook secret of the tests' async vendor: with the mock vendors out of process, the development value is refused. */
export const SECRET = 'test-async-vendor-secret'

export { freePort }

export interface Mocks {
  sync: FastifyInstance
  async: FastifyInstance
  vendors: Record<string, VendorEntry>
}

/** Both mock vendors on free ports, and the vendor entries that point at them. */
export async function startMocks (t: TestContext, faults: Partial<MockFaults> = {}): Promise<Mocks> {
  const sync = buildMockSyncVendor({ faults })
  const async = buildMockAsyncVendor({ secret: SECRET, faults: { webhookDelayMinMs: 20, webhookDelayMaxMs: 80, ...faults } })
  t.teardown(() => Promise.all([sync.close(), async.close()]))
  const syncUrl = await sync.listen({ port: 0, host: '127.0.0.1' })
  const asyncUrl = await async.listen({ port: 0, host: '127.0.0.1' })
  return {
    sync,
    async,
    vendors: {
      syncVendor: { url: syncUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } },
      asyncVendor: { url: asyncUrl, retry: { baseDelayMs: 10, maxDelayMs: 100 } }
    }
  }
}

/**
 * A configuration as the environment would give it, with vendor entries merged as VENDORS_FILE would.
 * Load shedding is off unless a test turns it on (test/plugins/load.test.ts does): an in-process app
 * shares its event loop with the test and its mocks, whose stalls on a busy machine are not the app's.
 */
export function testConfig (env: Record<string, string> = {}, vendors: Record<string, VendorEntry> = {}): Config {
  const config = loadConfig({ MOCK_VENDORS: 'off', LOG_LEVEL: 'silent', SWEEP_INTERVAL_MS: '50', ASYNC_VENDOR_SECRET: SECRET, MAX_EVENT_LOOP_DELAY_MS: '0', ...env })
  return { ...config, vendors: mergeVendors(defaultVendors(SECRET), vendors) }
}

/** The app, ready and closed when the test ends. */
export async function buildTestApp (t: TestContext, config: Config = testConfig()): Promise<FastifyInstance> {
  const app = await buildApp(config)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/** The app with its log lines kept as parsed objects, for tests of what the service logs. */
export async function buildLoggedTestApp (t: TestContext, config: Config = testConfig(), level = 'info'): Promise<{ app: FastifyInstance, logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = []
  const app = await buildApp(config, { logger: { level, stream: { write: (line: string) => logs.push(JSON.parse(line)) } } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, logs }
}

/** The app listening on its configured port, so that async vendors can call it back over real HTTP. */
export async function listenTestApp (t: TestContext, env: Record<string, string> = {}, vendors: Record<string, VendorEntry> = {}): Promise<{ app: FastifyInstance, url: string }> {
  const port = await freePort()
  const app = await buildTestApp(t, testConfig({ PORT: String(port), ...env }, vendors))
  await app.listen({ port, host: '127.0.0.1' })
  return { app, url: `http://127.0.0.1:${port}` }
}

/** Takes what the app has queued for a vendor, as a worker would (limits granting), and answers the job ids. */
export async function queuedIds (app: FastifyInstance, vendor = 'syncVendor'): Promise<string[]> {
  const limits = app.vendors.get(vendor)
  if (limits === undefined) throw new Error(`no vendor ${vendor}`)
  const take = await app.backend.queue.take({ ...limits, rateLimit: { perSecond: 1e6, burst: 1e6 } }, 1000, { reclaim: false })
  return take.deliveries.map((d) => d.jobId)
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T> (check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The most times in any window (t - windowMs, t], the way the mock vendors count arrivals. */
export function busiest (times: readonly number[], windowMs: number): number {
  let max = 0
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[i] ?? 0) <= (times[j] ?? 0) - windowMs) i++
    max = Math.max(max, j - i + 1)
  }
  return max
}
