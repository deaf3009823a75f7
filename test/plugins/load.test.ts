import { test } from 'tap'
import { buildLoggedTestApp, queuedIds, testConfig, waitFor } from '../helper.js'

type App = Awaited<ReturnType<typeof buildLoggedTestApp>>['app']

/** Waits until /health reports the load down: under-pressure samples the process once a second. */
async function overloaded (app: App): Promise<void> {
  await waitFor(async () => {
    const health = await app.inject({ method: 'GET', url: '/health' })
    return health.json().checks.load === 'down' ? true : undefined
  }, 5_000, '/health to report load down')
}

test('past the heap threshold requests are shed with a 503, Retry-After and the error shape; /health says load is down', async (t) => {
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off', MAX_HEAP_USED_BYTES: '1' }))
  await overloaded(app)
  const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
  t.equal(res.statusCode, 503)
  t.same(res.json(), {
    statusCode: 503,
    code: 'VFS_ERR_OVERLOADED',
    error: 'Service Unavailable',
    message: 'the service is overloaded and sheds requests; retry after Retry-After seconds'
  })
  t.equal(res.headers['retry-after'], '5')
  t.same(await queuedIds(app), [], 'nothing was queued')
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 503)
  t.match(health.json(), { status: 'unavailable', checks: { store: 'up', queue: 'up', load: 'down' } })
  t.same(logs.filter((l) => Number(l.level) >= 50), [], 'a shed request is not an error line')
})

test('past the event-loop delay threshold requests are shed too', async (t) => {
  const { app } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off', MAX_EVENT_LOOP_DELAY_MS: '1' }))
  // The delay monitor counts from its first tick; then the loop is held, as a burst of CPU-bound work would.
  await new Promise((resolve) => setTimeout(resolve, 100))
  for (const until = Date.now() + 300; Date.now() < until;);
  // The delay is judged once a second, for the second that follows: post until a request meets it.
  const shed = await waitFor(async () => {
    const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })
    return res.statusCode === 503 ? res : undefined
  }, 5_000, 'a request to be shed')
  t.equal(shed.json().code, 'VFS_ERR_OVERLOADED')
  t.equal(shed.headers['retry-after'], '5')
})

test('below the thresholds nothing is shed and /health reports load up', async (t) => {
  const { app } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off' }))
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  t.equal((await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor' } })).statusCode, 202)
  t.match((await app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok', checks: { load: 'up' } })
})
