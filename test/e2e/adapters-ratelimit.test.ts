import t, { test } from 'tap'
import { request } from 'undici'
import { skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t)

test("a vendor's own X-RateLimit headers at 0 pause it for every worker until their reset: no call reaches a spent window", { skip }, async (t) => {
  const stack = await startStack(t, {
    // One page per job, one call at a time: every call after the one answered "remaining 0" is the fleet's choice.
    dialects: { issuesVendor: { rateLimit: { perSecond: 1000, burst: 100 }, concurrency: 1, pages: { items: 'body', next: 'links.next', maxPages: 1 } } },
    mockEnv: { MOCK_RATE_LIMIT: '4', MOCK_RATE_WINDOW_S: '3' }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const started = Date.now()
  const ids = await postMany(stack, 10, (i) => ({ vendor: 'issuesVendor', owner: 'acme', repo: `repo-${i}` }))
  t.same(await allEnded(stack, redis, ids, 30_000, ['issuesVendor']), ids.map(() => 'complete'))
  const elapsed = Date.now() - started
  const url = stack.dialects.issuesVendor
  const limits = await (await request(`${url}/admin/ratelimit`)).body.json() as { refused: number }
  const seen = await stack.vendorStats(url)
  t.equal(seen.received, 10, 'each job called once')
  t.equal(limits.refused, 0, 'no call arrived in a window the vendor had said was spent')
  t.ok(elapsed >= 6000, `ten calls at four per 3-second window waited out two resets (${elapsed} ms)`)
})
