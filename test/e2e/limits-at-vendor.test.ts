import Fastify from 'fastify'
import t, { type Test, test } from 'tap'
import { request } from 'undici'
import { skipWithoutRedisCluster } from '../redis-cluster.js'
import { skipWithoutRedis } from '../redis-server.js'
import { busiest } from '../helper.js'
import type { VendorEntry } from '../../vendors/config.js'
import { burnCpu } from './processes.js'
import { allEnded, postMany, type Stack, startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })
const skipCluster = skipWithoutRedisCluster(t)

/**
 * The share of each limit the backlog must get here, beside a CPU burner on a machine other tests share:
 * the dispatch is work-conserving, and a rate far below the limit (half of it, when the margin was paid
 * per call) is a defect. How close to the limit it comes (the target is 95%, the bucket's most 96.2% at
 * burst 1) is a speed, measured by `npm run bench -- --only limits` on a quiet machine rather than asserted
 * by a timed test: a call that cannot leave in time here costs its slot, and the burner makes many more of
 * them, most in embedded mode, where one process's event loop serves the API and the calls.
 */
const FLOOR = 0.8
/** Embedded mode's: one event loop serves the API, the dispatch and the calls beside the burner (78-95% seen at burst 1). */
const EMBEDDED_FLOOR = 0.6

type Name = 'perSecond1' | 'burst1' | 'burst5' | 'quota' | 'concurrency4'

/** Vendors on one mock, each under its own path so that the mock counts them apart. */
const VENDORS: Record<Name, VendorEntry & { path: string, jobs: number, rateLimit: { perSecond: number, burst: number } }> = {
  perSecond1: { path: '/one', rateLimit: { perSecond: 1, burst: 1 }, jobs: 21 },
  burst1: { path: '/b1', rateLimit: { perSecond: 20, burst: 1 }, jobs: 400 },
  burst5: { path: '/b5', rateLimit: { perSecond: 20, burst: 5 }, jobs: 400 },
  quota: { path: '/quota', rateLimit: { perSecond: 5000, burst: 1000 }, quotas: [{ limit: 15, window: '5s' }], jobs: 60 },
  concurrency4: { path: '/conc', rateLimit: { perSecond: 5000, burst: 1000 }, concurrency: 4, jobs: 80 }
}

interface PathStats { received: number, maxCallsPerRequest: number, maxOpen: number, maxInWindow?: number }

async function pathStats (base: string, path: string, windowMs?: number): Promise<PathStats> {
  const res = await request(`${base}/admin/stats?path=${encodeURIComponent(path)}${windowMs === undefined ? '' : `&window_ms=${windowMs}`}`)
  return await res.body.json() as PathStats
}

/** Calls per second delivered over a backlog: from the first of these arrivals to the last. */
function delivered (arrivals: number[]): number {
  const first = arrivals[0] ?? 0
  const last = arrivals.at(-1) ?? 0
  return (arrivals.length - 1) / ((last - first) / 1000)
}

/**
 * Calls per second delivered by a quota of `limit` calls a window: a call's place frees one window after
 * it arrived, so each call is measured against the one `limit` places before it. Unlike first to last, a
 * burst spread by a busy machine counts the same at either end of the backlog.
 */
function reused (arrivals: number[], limit: number): number {
  const gaps = arrivals.slice(limit).map((at, i) => at - (arrivals[i] ?? at))
  const mean = gaps.reduce((total, gap) => total + gap, 0) / gaps.length
  return limit * 1000 / mean
}

/** A token endpoint that answers only after `delayMs`, in front of the real one: the first calls wait for their token. */
async function slowTokens (t: { teardown (fn: () => unknown): void }, upstream: string, delayMs: number): Promise<string> {
  const proxy = Fastify()
  proxy.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  proxy.post('/oauth/token', async (req, reply) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    const res = await request(`${upstream}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type']), ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }) },
      body: req.body as string
    })
    return reply.code(res.statusCode).type(String(res.headers['content-type'])).send(await res.body.text())
  })
  t.teardown(() => proxy.close())
  return proxy.listen({ port: 0, host: '127.0.0.1' })
}

async function metricsOf (stack: Stack): Promise<string> {
  return (await Promise.all(stack.workers.map(async (w) => (await request(`${w.url}/metrics`)).body.text()))).join('\n')
}

/** A counter or histogram count summed over the workers' expositions, for the series whose labels match. */
function sum (exposition: string, name: string, labels: string): number {
  return exposition.split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0)
}

type Mode = 'redis' | 'cluster' | 'embedded'

/**
 * The scenario, the same in every mode: vendors with every kind of limit, a backlog each, a CPU burner
 * beside them, and one vendor whose first calls must wait for a slow OAuth2 token.
 */
async function scenario (t: Test, mode: Mode, scale: number): Promise<void> {
  const floor = mode === 'embedded' ? EMBEDDED_FLOOR : FLOOR
  let tokenUrl = ''
  const stack = await startStack(t, {
    embedded: mode === 'embedded',
    cluster: mode === 'cluster',
    vendors: ({ sync }) => Object.fromEntries(Object.entries(VENDORS).map(([name, { path, jobs: _jobs, ...limits }]) =>
      [name, { mode: 'sync', url: `${sync}${path}`, ...limits }])),
    dialects: { companyVendor: {} },
    mockEnv: { MOCK_LATENCY_MS: '200' },
    // The company vendor's token comes through a slow endpoint, so that its first calls cannot leave in time.
    rewrite: async (vendors, urls) => {
      tokenUrl = await slowTokens(t, urls.companyVendor, 300)
      const company = vendors.companyVendor
      if (company?.auth?.type === 'oauth2-client-credentials') company.auth = { ...company.auth, tokenUrl: `${tokenUrl}/oauth/token` }
      return vendors
    }
  })
  if (mode !== 'embedded') await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const burner = burnCpu(t, 120_000)
  const names = Object.keys(VENDORS) as Name[]
  const jobs = (name: Name): number => Math.ceil(VENDORS[name].jobs * scale)
  const ids = Object.fromEntries(await Promise.all(names.map(async (name) =>
    [name, await postMany(stack, jobs(name), (i) => ({ vendor: name, userId: i }))] as const))) as Record<Name, string[]>
  const company = await postMany(stack, 6, (i) => ({ vendor: 'companyVendor', domain: `acme-${i}.example` }))
  // The backlog is whole from here on: the rate delivered over it is measured from then.
  const posted = Date.now()
  const all = [...Object.values(ids).flat(), ...company]
  const statuses = mode === 'embedded'
    ? await stack.ended(all, 180_000)
    : await allEnded(stack, stack.connect(), all, 180_000, [...names, 'companyVendor'])
  await burner.stop('SIGKILL')
  t.equal(statuses.filter((s) => s === 'complete').length, all.length, 'every job complete')

  const mock = stack.syncVendor
  for (const [name, expected] of [['perSecond1', 1], ['burst1', 20], ['burst5', 24]] as const) {
    const { path, rateLimit } = VENDORS[name]
    const seen = await pathStats(mock, path, 1000)
    t.same([seen.received, seen.maxCallsPerRequest], [jobs(name), 1], `${name}: each job called once`)
    t.ok((seen.maxInWindow ?? Infinity) <= expected, `${name}: the busiest sliding second at the vendor held ${seen.maxInWindow} calls (its bucket allows ${expected})`)
    const arrivals = await stack.arrivals(mock, ids[name])
    t.equal(busiest(arrivals, 1000), seen.maxInWindow, `${name}: the arrivals of its jobs tell the same`)
    const rate = delivered(arrivals.filter((at) => at >= posted))
    t.ok(rate >= floor * rateLimit.perSecond, `${name}: ${rate.toFixed(2)}/s delivered over the backlog, ${(100 * rate / rateLimit.perSecond).toFixed(1)}% of ${rateLimit.perSecond}/s`)
  }

  const quota = await pathStats(mock, VENDORS.quota.path, 5000)
  t.same([quota.received, quota.maxCallsPerRequest], [jobs('quota'), 1], 'quota: each job called once')
  t.ok((quota.maxInWindow ?? Infinity) <= 15, `quota: the busiest 5-second window at the vendor held ${quota.maxInWindow} calls (quota 15)`)
  const quotaRate = reused(await stack.arrivals(mock, ids.quota), 15)
  t.ok(quotaRate >= floor * 3, `quota: ${quotaRate.toFixed(2)}/s delivered over the backlog (15 per 5 s is 3/s)`)

  const concurrency = await pathStats(mock, VENDORS.concurrency4.path)
  t.same([concurrency.received, concurrency.maxCallsPerRequest], [jobs('concurrency4'), 1], 'concurrency: each job called once')
  t.equal(concurrency.maxOpen, 4, `concurrency: at most 4 calls open at once at the vendor, and the 4 were used (saw ${concurrency.maxOpen})`)

  const companyStats = await stack.vendorStats(stack.dialects.companyVendor)
  t.same([companyStats.received, companyStats.maxCallsPerRequest], [6, 1], 'company: each job called once, however late its first grant went')
  const metrics = mode === 'embedded' ? await (await request(`${stack.base}/metrics`)).body.text() : await metricsOf(stack)
  const late = sum(metrics, 'vfs_vendor_calls_total', 'vendor="companyVendor",outcome="late"')
  t.ok(late >= 1, `company: ${late} calls waited for their token past their grant and went back for a new one`)
  // A call may leave up to 30 ms after its grant (half the default 60 ms margin): a late one left over 20 ms after it too.
  const slow = sum(metrics, 'vfs_vendor_call_lateness_seconds_count', 'vendor="companyVendor"') - sum(metrics, 'vfs_vendor_call_lateness_seconds_bucket', 'le="0.02",vendor="companyVendor"')
  t.ok(slow >= late, `company: the lateness histogram holds them (${slow} left or would have left over 20 ms after their grant)`)
}

test('under load, with three workers, every limit holds in every sliding window at the vendor and at least 80% of each rate is delivered', { skip, timeout: 240_000 }, async (t) => {
  await scenario(t, 'redis', 1)
})

test('the same on a Redis Cluster, with shorter backlogs', { skip: skipCluster, timeout: 240_000 }, async (t) => {
  await scenario(t, 'cluster', 0.5)
})

test('the same in embedded mode, the worker in the API\'s process', { timeout: 240_000 }, async (t) => {
  await scenario(t, 'embedded', 0.5)
})
