import { test } from 'tap'
import { request } from 'undici'
import { ended, exampleVendors, postJob, startDialectMocks, useSecrets } from '../dialects.js'
import { listenTestApp } from '../helper.js'

useSecrets()

test("in embedded mode too, the vendor's own rate-limit headers at 0 hold every call until their reset", async (t) => {
  const { urls } = await startDialectMocks(t, { faults: { rateLimit: 2, rateWindowS: 2 } })
  const base = exampleVendors({ issuesVendor: urls.issuesVendor }).issuesVendor
  const { url } = await listenTestApp(t, {}, {
    issuesVendor: { ...base, rateLimit: { perSecond: 1000, burst: 100 }, concurrency: 1, pages: { items: 'body', next: 'links.next', maxPages: 1 } }
  })
  const started = Date.now()
  const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: `r${i}` })))
  for (const id of ids) t.match(await ended(url, id, 20_000), { status: 'complete', attempts: 1 })
  const { refused } = await (await request(`${urls.issuesVendor}/admin/ratelimit`)).body.json() as { refused: number }
  t.equal(refused, 0, 'no call arrived in a spent window')
  t.ok(Date.now() - started >= 3000, 'five calls at two per 2-second window waited out two resets')
})

test('a 403 that response.retryable calls a rate limit is retried after the reset, not failed as a refusal', async (t) => {
  const { urls } = await startDialectMocks(t, { faults: { rateLimit: 1, rateWindowS: 2 } })
  const base = exampleVendors({ issuesVendor: urls.issuesVendor }).issuesVendor
  // Without its headers read, the second call meets the spent window: only `retryable` keeps the job alive,
  // with attempts enough that its jittered backoff (full jitter) cannot spend them all inside the window.
  const { url } = await listenTestApp(t, {}, {
    issuesVendor: { ...base, concurrency: 1, limits: { headers: false }, retry: { attempts: 30, baseDelayMs: 200, maxDelayMs: 1000 }, pages: { items: 'body', next: 'links.next', maxPages: 1 } }
  })
  const first = await postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: 'a' })
  t.match(await ended(url, first), { status: 'complete' })
  const second = await ended(url, await postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: 'b' }), 20_000)
  t.match(second, { status: 'complete' })
  t.ok(second.attempts > 1, `retried through the 403s (${second.attempts} attempts)`)
})
