import { test } from 'tap'
import { request } from 'undici'
import { ended, exampleVendors, postJob, startDialectMocks, useSecrets } from '../dialects.js'
import { listenTestApp } from '../helper.js'

useSecrets()

/** Three calls in any sliding 2 seconds at the vendor, so that pages wait for their grants, and quick retries. */
const LIMITS = { rateLimit: { perSecond: 100, burst: 10 }, quotas: [{ limit: 3, window: '2s' }], retry: { baseDelayMs: 10, maxDelayMs: 50 } }

async function vendorStats (url: string, windowMs: number): Promise<{ received: number, maxInWindow: number }> {
  return (await request(`${url}/admin/stats?window_ms=${windowMs}`)).body.json() as never
}

test('pages by Link and by cursor, each with a page failing in the middle: every record once, in order, each page one call', async (t) => {
  const { urls } = await startDialectMocks(t, { faults: { pageFailOnce: 2 } })
  const { url } = await listenTestApp(t, {}, exampleVendors(
    { issuesVendor: urls.issuesVendor, billingVendor: urls.billingVendor },
    { issuesVendor: LIMITS, billingVendor: LIMITS }
  ))
  const issues = await Promise.all([postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: 'widgets' }), postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: 'gadgets' })])
  const customers = await postJob(url, { vendor: 'billingVendor', type: 'customers' })
  for (const [i, id] of issues.entries()) {
    const job = await ended(url, id, 30_000)
    const repo = i === 0 ? 'widgets' : 'gadgets'
    t.match(job, { status: 'complete', attempts: 4, result: { pages: 3 } }, 'three pages, the second one tried twice')
    t.same(((job.result?.items ?? []) as Array<{ title: string }>).map((issue) => issue.title),
      Array.from({ length: 23 }, (_, n) => `Issue ${n + 1} of acme/${repo}`), 'the 23 issues, once each, in order')
  }
  const billing = await ended(url, customers, 30_000)
  t.match(billing, { status: 'complete', attempts: 4, result: { pages: 3 } })
  t.same(((billing.result?.items ?? []) as Array<{ id: string }>).map((c) => c.id), ['cus_0001', 'cus_0002', 'cus_0003', 'cus_0004', 'cus_0005', 'cus_0006', 'cus_0007'])
  // The calls' spacing is measured where the mock has a process of its own (test/e2e/adapters-pages): here it
  // shares the service's event loop, which on a loaded machine stamps arrivals late.
  t.equal((await vendorStats(urls.issuesVendor, 2000)).received, 8, 'two jobs of three pages, one failure each, as counted at the vendor')
  t.equal((await vendorStats(urls.billingVendor, 1000)).received, 4)
})

test('maxPages ends a job with the pages read so far, however many the vendor has', async (t) => {
  const { urls } = await startDialectMocks(t)
  const base = exampleVendors({ issuesVendor: urls.issuesVendor }).issuesVendor
  const { url } = await listenTestApp(t, {}, { issuesVendor: { ...base, pages: { items: 'body', next: 'links.next', maxPages: 2 } } })
  const job = await ended(url, await postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: 'widgets' }))
  t.match(job, { status: 'complete', attempts: 2, result: { pages: 2, items: { length: 20 } } })
  t.equal((await vendorStats(urls.issuesVendor, 1000)).received, 2, 'no third call')
})

test('a page the vendor refuses fails the job with its answer, and a replay reads from the first page again', async (t) => {
  const { urls } = await startDialectMocks(t)
  const base = exampleVendors({ issuesVendor: urls.issuesVendor }).issuesVendor
  // The second page asks for an invalid page size: the vendor's 422.
  const next = "links.next ? { 'query': { 'page': page + 1, 'per_page': page = 1 ? 0 : 10 } }"
  const { url } = await listenTestApp(t, {}, { issuesVendor: { ...base, pages: { items: 'body', next } } })
  const id = await postJob(url, { vendor: 'issuesVendor', owner: 'acme', repo: 'widgets' })
  t.match(await ended(url, id), { status: 'failed', attempts: 2, error: /rejected the call with 422/ })
  const replay = await request(`${url}/jobs/${id}/retry`, { method: 'POST' })
  t.equal(replay.statusCode, 202)
  await replay.body.dump()
  t.match(await ended(url, id), { status: 'failed', attempts: 2 }, 'the replay started over at page 1')
  t.equal((await vendorStats(urls.issuesVendor, 1000)).received, 4)
})
