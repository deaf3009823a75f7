import { test } from 'tap'
import { request } from 'undici'
import { listenTestApp, waitFor } from '../helper.js'
import { ended, examplePoll, exampleVendors, getJob, postJob, startDialectMocks, useSecrets } from '../dialects.js'

useSecrets()

test("jobs waiting on polls stay processing and show their next poll; the polls keep within the vendor's rate limit, measured at the vendor", async (t) => {
  const JOBS = 5
  const rateLimit = { perSecond: 5, burst: 2 }
  const { urls } = await startDialectMocks(t, { pollReadyAfterMs: 3000 })
  // Polls every 100 ms would be 50 calls a second for five jobs: the limit holds them to 5.
  const { url } = await listenTestApp(t, {}, exampleVendors({ pollVendor: urls.pollVendor }, { pollVendor: { rateLimit, poll: examplePoll({ intervalMs: 100 }) } }))
  const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => postJob(url, { vendor: 'pollVendor', n: i })))
  const waiting = await waitFor(async () => {
    const { job } = await getJob(url, ids[0] ?? '')
    return job.attempts === 1 && job.next_attempt_at !== undefined ? job : undefined
  }, 5_000, 'the first job to wait on its polls')
  t.equal(waiting.status, 'processing')
  const after = Date.parse(waiting.next_attempt_at ?? '') - Date.parse(waiting.updated_at)
  t.ok(after >= 90 && after <= 110, `its next poll is due one interval after the last (${after} ms)`)

  for (const id of ids) t.match(await ended(url, id), { status: 'complete', attempts: 1, result: { rows: 3 } })
  const seen = await request(`${urls.pollVendor}/admin/stats`).then((res) => res.body.json()) as { received: number, maxPerSecond: number }
  t.ok(seen.received >= 3 * JOBS, `each job was polled more than once (${seen.received} calls, ${JOBS} of them submissions)`)
  t.ok(seen.maxPerSecond <= rateLimit.perSecond + rateLimit.burst, `the busiest second at the vendor held ${seen.maxPerSecond} calls (limit 5 + burst 2)`)
})

test('a poll vendor that never finishes fails the job at callbackTimeoutMs with "poll timed out"', async (t) => {
  const callbackTimeoutMs = 1_500
  const { urls } = await startDialectMocks(t, { pollReadyAfterMs: 3_600_000 })
  const { url } = await listenTestApp(t, {}, exampleVendors({ pollVendor: urls.pollVendor }, { pollVendor: { callbackTimeoutMs, poll: examplePoll({ intervalMs: 200 }) } }))
  const job = await ended(url, await postJob(url, { vendor: 'pollVendor', n: 1 }))
  t.match(job, { status: 'failed', attempts: 1, error: /^poll timed out: pollVendor did not finish the job in time \(deadline \S+\)$/ })
  const waited = Date.parse(job.updated_at) - Date.parse(job.created_at)
  t.ok(waited >= callbackTimeoutMs && waited < callbackTimeoutMs + 1_000, `failed ${waited} ms after submission`)
  t.notOk('next_attempt_at' in job, 'no poll is due any more')
})

test("a job the poll vendor reports failed fails with the vendor's reason", async (t) => {
  const { urls } = await startDialectMocks(t, { pollReadyAfterMs: 200 })
  const { url } = await listenTestApp(t, {}, exampleVendors({ pollVendor: urls.pollVendor }, { pollVendor: { poll: examplePoll({ intervalMs: 100 }) } }))
  const job = await ended(url, await postJob(url, { vendor: 'pollVendor', simulate: 'failure' }))
  t.match(job, { status: 'failed', attempts: 1, error: 'the query could not be answered' })
})
