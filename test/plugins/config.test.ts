import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'
import { test } from 'tap'
import { ConfigError, loadConfig } from '../../plugins/config.js'
import { DEV_ASYNC_VENDOR_SECRET, VendorsFileError } from '../../vendors/config.js'

/** What any deployment without the in-process mocks must give. */
const OWN_SECRET = { ASYNC_VENDOR_SECRET: 'a-secret-of-our-own' }

/** A VENDORS_FILE in the test's own directory, removed when the test ends. */
function vendorsFile (t: { testdir (files: Record<string, string>): string }, content: unknown): string {
  const dir = t.testdir({ 'vendors.json': typeof content === 'string' ? content : JSON.stringify(content) })
  return join(dir, 'vendors.json')
}

test('with nothing set the service runs embedded on 3000 with both default vendors', async (t) => {
  const config = loadConfig({})
  t.match(config, { port: 3000, host: '0.0.0.0', mode: 'embedded', worker: 'in-process', mockVendors: 'in-process' })
  t.equal(config.publicUrl, 'http://127.0.0.1:3000')
  t.match(config.vendors.get('syncVendor'), { mode: 'sync', url: 'http://127.0.0.1:3001', rateLimit: { perSecond: 100, burst: 20 } })
  t.match(config.vendors.get('asyncVendor'), { mode: 'async', url: 'http://127.0.0.1:3002', rateLimit: { perSecond: 50, burst: 10 }, callbackTimeoutMs: 300_000 })
})

test('PUBLIC_URL follows PORT unless given', async (t) => {
  t.equal(loadConfig({ PORT: '4000' }).publicUrl, 'http://127.0.0.1:4000')
  t.equal(loadConfig({ PUBLIC_URL: 'https://fetch.example.com/' }).publicUrl, 'https://fetch.example.com')
})

test('a bad value is one clear error naming the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { name: 'ConfigError', message: /PORT/ })
  t.throws(() => loadConfig({ WORKER: 'maybe' }), { message: /WORKER/ })
  t.throws(() => loadConfig({ PUBLIC_URL: 'localhost:3000' }), { message: /PUBLIC_URL/ })
  t.throws(() => loadConfig({ ASYNC_VENDOR_SECRET: 'short' }), ConfigError)
})

test('REDIS_URL selects redis mode without mock vendors in process; REDIS_CLUSTER says it names a cluster node', async (t) => {
  const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', ...OWN_SECRET })
  t.match(config, { mode: 'redis', mockVendors: 'off', redis: { url: 'redis://127.0.0.1:6379', cluster: false, prefix: 'vfs', jobTtlMs: 30 * 24 * 3600 * 1000 } })
  t.equal(loadConfig({ REDIS_URL: 'redis://x', MOCK_VENDORS: 'in-process' }).mockVendors, 'in-process')
  t.equal(loadConfig({ REDIS_URL: 'redis://x', REDIS_CLUSTER: 'true', ...OWN_SECRET }).redis?.cluster, true)
  t.throws(() => loadConfig({ REDIS_CLUSTER: 'true' }), { message: /REDIS_CLUSTER=true needs REDIS_URL/ })
})

test('dispatch settings: leases apart from vendor timeouts, a margin, a grace for stopping, and every vendor\'s concurrency by default', async (t) => {
  t.same(loadConfig({}).dispatch, { leaseMs: 30_000, marginMs: 60, shutdownGraceMs: 10_000, maxInFlight: 100, maxDeliveries: 5 })
  const custom = loadConfig({ LEASE_MS: '2000', LIMIT_MARGIN_MS: '0', SHUTDOWN_GRACE_MS: '500', WORKER_CONCURRENCY: '8', MAX_DELIVERIES: '3' })
  t.same(custom.dispatch, { leaseMs: 2000, marginMs: 0, shutdownGraceMs: 500, maxInFlight: 8, maxDeliveries: 3 })
  t.throws(() => loadConfig({ LEASE_MS: '50' }), { message: /LEASE_MS/ })
})

test('MONGO_URL with REDIS_URL selects full mode, and without it is refused', async (t) => {
  t.match(loadConfig({ REDIS_URL: 'redis://x', MONGO_URL: 'mongodb://127.0.0.1:27017/jobs', ...OWN_SECRET }), { mode: 'full', mongo: { url: 'mongodb://127.0.0.1:27017/jobs' } })
  t.throws(() => loadConfig({ MONGO_URL: 'mongodb://127.0.0.1:27017/jobs' }), { message: /MONGO_URL needs REDIS_URL/ })
})

test('VENDORS_FILE overrides the fields it gives and adds new vendors with defaults', async (t) => {
  const file = vendorsFile(t, {
    acme: { mode: 'sync', url: 'http://127.0.0.1:4000/data', rateLimit: { perSecond: 20, burst: 5 }, concurrency: 10, retry: { attempts: 3 } },
    asyncVendor: { webhookSecret: 's3cret-value', callbackTimeoutMs: 60_000 }
  })
  const { vendors } = loadConfig({ VENDORS_FILE: file })
  t.match(vendors.get('acme'), { mode: 'sync', url: 'http://127.0.0.1:4000/data', concurrency: 10, timeoutMs: 10_000, retry: { attempts: 3, baseDelayMs: 200 } })
  t.match(vendors.get('asyncVendor'), { mode: 'async', url: 'http://127.0.0.1:3002', webhookSecret: 's3cret-value', callbackTimeoutMs: 60_000 })
  t.match(vendors.get('syncVendor'), { url: 'http://127.0.0.1:3001' })
})

test('a VENDORS_FILE that is unreadable, malformed or incomplete stops the start with a clear message', async (t) => {
  t.throws(() => loadConfig({ VENDORS_FILE: '/nonexistent/vendors.json' }), { name: 'VendorsFileError', message: /cannot be read/ })
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, '{not json') }), VendorsFileError)
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, { acme: { mode: 'sync' } }) }), { message: /new vendor "acme" needs "mode" and "url"/ })
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, { acme: { mode: 'async', url: 'http://x' } }) }), { message: /async vendor "acme" needs "webhook.secret" \(or "webhookSecret"\)/ })
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, { acme: { mode: 'sync', url: 'http://x', colour: 'red' } }) }), { message: /acme/ })
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, { syncVendor: { rateLimit: { perSecond: 0 } } }) }), { message: /perSecond/ })
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, { syncVendor: { maxResponseBytes: 0 } }) }), { message: /maxResponseBytes/ })
  t.throws(() => loadConfig({ VENDORS_FILE: vendorsFile(t, [1, 2]) }), VendorsFileError)
})

test('the development webhook secret is used only while the mock vendors run in process', async (t) => {
  t.equal(loadConfig({}).vendors.get('asyncVendor')?.webhookSecret, DEV_ASYNC_VENDOR_SECRET)
  const refused = /^invalid environment: asyncVendor's webhook secret is the public development value; set ASYNC_VENDOR_SECRET/
  for (const env of [{ MOCK_VENDORS: 'off' }, { REDIS_URL: 'redis://x' }, { MOCK_VENDORS: 'off', ASYNC_VENDOR_SECRET: DEV_ASYNC_VENDOR_SECRET }]) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message: refused }, JSON.stringify(env))
  }
  t.equal(loadConfig({ REDIS_URL: 'redis://x', ...OWN_SECRET }).vendors.get('asyncVendor')?.webhookSecret, 'a-secret-of-our-own')
})

test("a VENDORS_FILE secret counts as the vendor's own, unless it is the development value", async (t) => {
  const own = vendorsFile(t, { asyncVendor: { webhookSecret: 's3cret-value' } })
  t.equal(loadConfig({ MOCK_VENDORS: 'off', VENDORS_FILE: own }).vendors.get('asyncVendor')?.webhookSecret, 's3cret-value')
  const dev = vendorsFile(t, { acme: { mode: 'async', url: 'http://x', webhookSecret: DEV_ASYNC_VENDOR_SECRET } })
  t.throws(() => loadConfig({ VENDORS_FILE: dev, ...OWN_SECRET, MOCK_VENDORS: 'off' }), { message: /acme's webhook secret is the public development value/ })
})

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
for (const entry of ['server.ts', 'workers/worker.ts']) {
  test(`${entry} refuses to start without a webhook secret of its own, in one line`, async (t) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:1', PORT: '0', WORKER_PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000
    })
    t.equal(run.status, 1)
    t.match(run.stderr, /^cannot start.*: invalid environment: asyncVendor's webhook secret is the public development value; set ASYNC_VENDOR_SECRET .*\n$/)
    t.notMatch(run.stderr, /\n\s+at /, 'no stack trace')
  })
}

test('load shedding thresholds come from the environment, with defaults below the crash', async (t) => {
  const { load } = loadConfig({})
  t.equal(load.maxEventLoopDelayMs, 1000)
  t.equal(load.maxHeapUsedBytes, Math.floor(getHeapStatistics().heap_size_limit * 0.9))
  t.same(loadConfig({ MAX_EVENT_LOOP_DELAY_MS: '250', MAX_HEAP_USED_BYTES: '0' }).load, { maxEventLoopDelayMs: 250, maxHeapUsedBytes: 0 })
  t.throws(() => loadConfig({ MAX_HEAP_USED_BYTES: 'lots' }), { message: /MAX_HEAP_USED_BYTES/ })
})

test('tracing is off unless an OTLP endpoint is set, and the standard switches turn it off again', async (t) => {
  const env = { ASYNC_VENDOR_SECRET: 'config-test-secret' }
  t.equal(loadConfig(env).tracing, false)
  t.equal(loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing, true)
  t.equal(loadConfig({ ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).tracing, true)
  t.equal(loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing, false)
  t.equal(loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing, false)
})

test('ADMIN_TOKEN is optional, and too short a token stops the start', async (t) => {
  const env = { ASYNC_VENDOR_SECRET: 'config-test-secret' }
  t.equal(loadConfig(env).adminToken, undefined)
  t.equal(loadConfig({ ...env, ADMIN_TOKEN: 'sixteen-chars-ok' }).adminToken, 'sixteen-chars-ok')
  t.throws(() => loadConfig({ ...env, ADMIN_TOKEN: 'short' }), /ADMIN_TOKEN/)
  t.equal(loadConfig({ ...env, METRICS: 'off' }).metrics, false)
  t.throws(() => loadConfig({ ...env, METRICS: 'maybe' }), /METRICS/)
})

test('embedded mode keeps at most EMBEDDED_MAX_JOBS jobs, 100,000 unless set', async (t) => {
  t.equal(loadConfig({}).embeddedMaxJobs, 100_000)
  t.equal(loadConfig({ EMBEDDED_MAX_JOBS: '500' }).embeddedMaxJobs, 500)
  t.throws(() => loadConfig({ EMBEDDED_MAX_JOBS: '0' }), { message: /EMBEDDED_MAX_JOBS/ })
})

test("full mode's reconciler runs every RECONCILE_INTERVAL_MS over jobs unchanged for RECONCILE_GRACE_MS, which must outlast every vendor call", async (t) => {
  const full = { REDIS_URL: 'redis://x', MONGO_URL: 'mongodb://127.0.0.1:27017/jobs', ...OWN_SECRET }
  t.same(loadConfig(full).reconcile, { intervalMs: 60_000, graceMs: 300_000 })
  t.same(loadConfig({ ...full, RECONCILE_INTERVAL_MS: '5000', RECONCILE_GRACE_MS: '20000' }).reconcile, { intervalMs: 5_000, graceMs: 20_000 })
  t.throws(() => loadConfig({ ...full, RECONCILE_GRACE_MS: '10000' }), { name: 'ConfigError', message: /RECONCILE_GRACE_MS \(10000\) must exceed every vendor's timeoutMs \(the longest is 10000\)/ })
  t.equal(loadConfig({ RECONCILE_GRACE_MS: '10' }).reconcile.graceMs, 10, 'no reconciler runs outside full mode')
})

test('completion webhooks, batches and long polls: defaults, and one clear line for each bad value', async (t) => {
  const config = loadConfig({})
  t.same(config.notifyRetryDelaysMs, [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000])
  t.same([config.maxBatch, config.maxWaiters, config.notifyLeaseMs], [1000, 10_000, 60_000])
  t.equal(loadConfig({ NOTIFY_LEASE_MS: '2000' }).notifyLeaseMs, 2000)
  t.same(config.teams.byName.get('default')?.notify, undefined, 'no webhook may be sent by default')
  const secret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`
  const open = loadConfig({ NOTIFY_SECRET: secret, NOTIFY_ALLOWED_HOSTS: 'hooks.example, 10.0.0.5:8443', NOTIFY_RETRY_DELAYS: '1s, 500ms', MAX_BATCH: '50', MAX_WAITERS: '7' })
  t.same(open.teams.byName.get('default')?.notify, { secret, allowedHosts: ['hooks.example', '10.0.0.5:8443'] })
  t.same([open.notifyRetryDelaysMs, open.maxBatch, open.maxWaiters], [[1_000, 500], 50, 7])
  t.same(loadConfig({ NOTIFY_RETRY_DELAYS: '' }).notifyRetryDelaysMs, [], 'no retry at all')
  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ NOTIFY_SECRET: 'plain-secret' }, /^invalid environment: NOTIFY_SECRET must be a Standard Webhooks secret: whsec_ and at least 24 bytes in base64$/],
    [{ NOTIFY_ALLOWED_HOSTS: 'hooks.example,http://x/' }, /^invalid environment: NOTIFY_ALLOWED_HOSTS: "http:\/\/x\/" is not a host or host:port$/],
    [{ NOTIFY_RETRY_DELAYS: '5s,soon' }, /^invalid environment: NOTIFY_RETRY_DELAYS: "soon" is not a duration \(e\.g\. 5s, 2m, 1h\)$/],
    [{ MAX_BATCH: '0' }, /^invalid environment: .*MAX_BATCH/],
    [{ NOTIFY_LEASE_MS: '500' }, /^invalid environment: .*NOTIFY_LEASE_MS/],
    [{ MAX_WAITERS: 'many' }, /^invalid environment: .*MAX_WAITERS/]
  ]
  for (const [env, message] of refused) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  const teamsFile = vendorsFile(t, { growth: { keys: [{ env: 'GROWTH_KEY' }] } })
  t.throws(() => loadConfig({ TEAMS_FILE: teamsFile, GROWTH_KEY: 'growth-key-0123456789', NOTIFY_ALLOWED_HOSTS: 'hooks.example' }),
    { name: 'ConfigError', message: /^invalid environment: NOTIFY_SECRET and NOTIFY_ALLOWED_HOSTS are open mode's; with TEAMS_FILE each team's notify entry/ })
})
