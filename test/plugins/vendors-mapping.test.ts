import { test } from 'tap'
import type { VendorEntry } from '../../vendors/config.js'
import { listenTestApp } from '../helper.js'
import { ended, examplePoll, exampleVendors, postJob, startDialectMocks, useSecrets } from '../dialects.js'

useSecrets()

/** Mappings that compile but break on the answer or the job they meet: each vendor, its job, and the error that must fail it. */
const BROKEN: Array<{ vendor: string, base: 'peopleVendor' | 'pollVendor', over: Partial<VendorEntry>, body: Record<string, unknown>, error: RegExp }> = [
  {
    vendor: 'throwingVendor',
    base: 'peopleVendor',
    over: { response: { result: "$error('no person in this answer')" } },
    body: { email: 'a@b.io' },
    error: /^vendor "throwingVendor": response\.result: no person in this answer \(D3137 at \d+\)$/
  },
  {
    vendor: 'pathNumberVendor',
    base: 'peopleVendor',
    over: { request: { method: 'GET', path: 'payload.n' } },
    body: { n: 7 },
    error: /^vendor "pathNumberVendor": request\.path: yielded a number, expected a string$/
  },
  {
    vendor: 'runawayVendor',
    base: 'peopleVendor',
    over: { response: { result: '($f := function($n) { $f($n + 1) }; $f(0))' } },
    body: { email: 'a@b.io' },
    error: /^vendor "runawayVendor": response\.result: .*(Stack overflow|timeout).*$/i
  },
  {
    vendor: 'functionResultVendor',
    base: 'peopleVendor',
    over: { response: { result: '$uppercase' } },
    body: { email: 'a@b.io' },
    error: /^vendor "functionResultVendor": response\.result: yielded a function, expected JSON data$/
  },
  {
    vendor: 'pollStringVendor',
    base: 'pollVendor',
    over: { poll: examplePoll({ intervalMs: 100, done: 'body.state' }) },
    body: { q: 1 },
    error: /^vendor "pollStringVendor": poll\.done: yielded a string, expected true or false$/
  }
]

test('a mapping that throws or yields the wrong type at run time fails its job naming the vendor and the expression; the worker goes on', async (t) => {
  const { urls } = await startDialectMocks(t)
  const examples = exampleVendors({ peopleVendor: urls.peopleVendor, pollVendor: urls.pollVendor })
  const vendors: Record<string, VendorEntry> = { ...examples }
  for (const { vendor, base, over } of BROKEN) vendors[vendor] = { ...examples[base], ...over }
  const { url } = await listenTestApp(t, {}, vendors)

  const broken = await Promise.all(BROKEN.map(({ vendor, body }) => postJob(url, { vendor, ...body })))
  for (const [i, { vendor, error }] of BROKEN.entries()) {
    const job = await ended(url, broken[i] ?? '')
    t.match(job, { status: 'failed', attempts: 1, error }, `${vendor}: ${job.error}`)
  }
  const later = await Promise.all(['ada@x.io', 'grace@y.io'].map((email) => postJob(url, { vendor: 'peopleVendor', email })))
  later.push(await postJob(url, { vendor: 'pollVendor', q: 2 }))
  for (const id of later) t.match(await ended(url, id), { status: 'complete', attempts: 1 }, 'a later job completes')
})
