import Fastify from 'fastify'
import parsePrometheusTextFormat, { type Family, type Sample } from 'parse-prometheus-text-format'
import t, { test } from 'tap'
import { buildWorker } from '../../workers/worker.js'
import { buildTestApp, listenTestApp, startMocks, testConfig, waitFor } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const skipRedis = skipWithoutRedis(t)

/** The scrape parsed by a Prometheus text parser, and one sample's value by name and labels. */
async function scrape (app: { inject: (opts: { method: 'GET', url: string }) => Promise<{ statusCode: number, headers: Record<string, unknown>, body: string }> }) {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  const families = new Map<string, Family>(parsePrometheusTextFormat(res.body).map((f) => [f.name, f]))
  // The parser folds a histogram's labelled series into one; without their HELP and TYPE lines each
  // histogram's _count, _sum and _bucket series read as plain samples, labels kept (one run of lines
  // per label set, gathered here by name).
  const histograms = [...families.values()].filter((f) => f.type === 'HISTOGRAM').map((f) => f.name)
  const plain = res.body.split('\n').filter((line) => !histograms.some((h) => line === `# HELP ${h} ${families.get(h)?.help}` || line === `# TYPE ${h} histogram`))
  const samples = new Map<string, Sample[]>()
  for (const f of parsePrometheusTextFormat(plain.join('\n'))) samples.set(f.name, [...samples.get(f.name) ?? [], ...f.metrics])
  const value = (name: string, labels: Record<string, string> = {}): number | undefined => {
    const found = samples.get(name)?.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    return found?.value === undefined ? undefined : Number(found.value)
  }
  const count = (name: string, labels: Record<string, string> = {}): number | undefined => value(`${name}_count`, labels)
  return { res, families, value, count }
}

test('after a known flow /metrics counts the jobs, the calls, their durations and waits, the HTTP requests, and shows each vendor\'s queue and limits', async (t) => {
  const mocks = await startMocks(t)
  // A vendor that refuses every call: its job fails at once, without retry.
  const refusing = Fastify()
  refusing.post('/*', async (_request, reply) => reply.code(400).send({ error: 'bad request' }))
  t.teardown(() => refusing.close())
  const refusingUrl = await refusing.listen({ port: 0, host: '127.0.0.1' })
  const { app } = await listenTestApp(t, {}, { ...mocks.vendors, refusing: { mode: 'sync', url: refusingUrl, concurrency: 7 } })

  const post = async (vendor: string) => (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor, userId: 1 } })).json().request_id as string
  const ids = [await post('syncVendor'), await post('syncVendor'), await post('syncVendor'), await post('asyncVendor'), await post('refusing')]
  for (const id of ids) {
    await waitFor(async () => ['complete', 'failed'].includes((await app.inject({ method: 'GET', url: `/jobs/${id}` })).json().status) || undefined, 10_000, `job ${id}`)
  }
  await app.backend.queue.hold('refusing', 'incident')

  // A job reads as ended a moment before the process that ended it has counted it.
  const { res, families, value, count } = await waitFor(async () => {
    const scraped = await scrape(app)
    return scraped.value('vfs_jobs_finished_total', { vendor: 'asyncVendor', status: 'complete' }) === 1 ? scraped : undefined
  }, 5_000, 'the webhook\'s completion to be counted')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.equal(families.get('vfs_jobs_submitted_total')?.type, 'COUNTER')
  t.equal(value('vfs_jobs_submitted_total', { vendor: 'syncVendor' }), 3)
  t.equal(value('vfs_jobs_submitted_total', { vendor: 'asyncVendor' }), 1)
  t.equal(value('vfs_jobs_finished_total', { vendor: 'syncVendor', status: 'complete' }), 3)
  t.equal(value('vfs_jobs_finished_total', { vendor: 'asyncVendor', status: 'complete' }), 1, 'the webhook\'s completion counts')
  t.equal(value('vfs_jobs_finished_total', { vendor: 'refusing', status: 'failed' }), 1)
  t.equal(count('vfs_job_duration_seconds', { vendor: 'syncVendor', status: 'complete' }), 3)
  t.equal(value('vfs_vendor_calls_total', { vendor: 'syncVendor', outcome: 'ok', status_class: '2xx' }), 3)
  t.equal(value('vfs_vendor_calls_total', { vendor: 'asyncVendor', outcome: 'accepted', status_class: '2xx' }), 1)
  t.equal(value('vfs_vendor_calls_total', { vendor: 'refusing', outcome: 'rejected', status_class: '4xx' }), 1)
  t.equal(count('vfs_vendor_call_duration_seconds', { vendor: 'syncVendor', outcome: 'ok' }), 3)
  // A call that could not leave within its grant (a busy machine) is taken again: one more wait each.
  const late = value('vfs_vendor_calls_total', { vendor: 'syncVendor', outcome: 'late', status_class: 'none' }) ?? 0
  t.equal(count('vfs_dispatch_wait_seconds', { vendor: 'syncVendor' }), 3 + late, `a wait per delivery: each job's, and ${late} taken again after leaving late`)
  t.equal(count('vfs_http_request_duration_seconds', { method: 'POST', route: '/jobs', status_code: '202' }), 5)
  t.ok((count('vfs_http_request_duration_seconds', { method: 'POST', route: '/vendor-webhook/:vendor', status_code: '200' }) ?? 0) >= 1, 'the webhook request')

  t.equal(value('vfs_jobs', { vendor: 'syncVendor', status: 'complete' }), 3)
  t.equal(value('vfs_jobs', { vendor: 'refusing', status: 'failed' }), 1)
  t.equal(value('vfs_queue_depth', { vendor: 'syncVendor', state: 'ready' }), 0)
  t.equal(value('vfs_queue_oldest_age_seconds', { vendor: 'syncVendor' }), 0)
  t.equal(value('vfs_vendor_slots_in_use', { vendor: 'syncVendor' }), 0)
  t.equal(value('vfs_vendor_slots_limit', { vendor: 'refusing' }), 7)
  const tokens = value('vfs_vendor_tokens_available', { vendor: 'syncVendor' }) ?? -1
  t.ok(tokens >= 10 && tokens <= 16, `the bucket refills towards its burst of 20, less the margin's worth (${tokens})`)
  t.equal(value('vfs_vendor_breaker_state', { vendor: 'syncVendor', state: 'closed' }), 1)
  t.equal(value('vfs_vendor_breaker_state', { vendor: 'syncVendor', state: 'open' }), 0)
  t.equal(value('vfs_vendor_admin_paused', { vendor: 'refusing' }), 1)
  t.equal(value('vfs_vendor_admin_paused', { vendor: 'syncVendor' }), 0)
  t.equal(value('vfs_vendor_paused_until_timestamp_seconds', { vendor: 'syncVendor' }), 0)
  t.ok(families.has('process_cpu_user_seconds_total'), 'the process\'s own metrics')
})

test('a job waiting on a paused vendor shows as queue depth and the age of the oldest waiting entry', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  await app.backend.queue.hold('syncVendor')
  await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const { value } = await scrape(app)
  t.equal(value('vfs_queue_depth', { vendor: 'syncVendor', state: 'ready' }), 1)
  t.ok((value('vfs_queue_oldest_age_seconds', { vendor: 'syncVendor' }) ?? 0) >= 0.04)
  t.equal(value('vfs_jobs', { vendor: 'syncVendor', status: 'pending' }), 1)
})

test('each app keeps its own registry, and METRICS=off leaves /metrics unrouted', async (t) => {
  const [a, b] = [await buildTestApp(t, testConfig({ WORKER: 'off' })), await buildTestApp(t, testConfig({ WORKER: 'off' }))]
  await a.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
  t.equal((await scrape(a)).value('vfs_jobs_submitted_total', { vendor: 'syncVendor' }), 1)
  t.equal((await scrape(b)).value('vfs_jobs_submitted_total', { vendor: 'syncVendor' }), undefined, 'the other app counted nothing')
  const off = await buildTestApp(t, testConfig({ WORKER: 'off', METRICS: 'off' }))
  const res = await off.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'VFS_ERR_ROUTE_NOT_FOUND')
})

test('a standalone worker serves /metrics on its own port, with the fleet\'s queue state', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const worker = await buildWorker(testConfig({ REDIS_URL: url, REDIS_PREFIX: prefix }))
  t.teardown(() => worker.close())
  await worker.ready()
  await worker.backend.queue.hold('asyncVendor')
  const { res, value } = await scrape(worker)
  t.equal(res.statusCode, 200)
  t.equal(value('vfs_vendor_admin_paused', { vendor: 'asyncVendor' }), 1)
  t.equal(value('vfs_queue_depth', { vendor: 'syncVendor', state: 'ready' }), 0)
})
