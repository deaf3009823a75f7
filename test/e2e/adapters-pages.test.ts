import t, { test } from 'tap'
import { skipWithoutRedis } from '../redis-server.js'
import { allEnded, job, postMany, startStack, windowStats } from './stack.js'

const skip = skipWithoutRedis(t)
const LIMITS = { rateLimit: { perSecond: 100, burst: 10 }, quotas: [{ limit: 3, window: '2s' }], retry: { baseDelayMs: 10, maxDelayMs: 50 } }

test('pages by Link and by cursor through two workers, a page failing in the middle of each: every record, every call within the quota at the vendor', { skip }, async (t) => {
  const stack = await startStack(t, { dialects: { issuesVendor: LIMITS, billingVendor: LIMITS }, mockEnv: { MOCK_PAGE_FAIL_ONCE: '2' } })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const ids = await postMany(stack, 6, (i) => i % 2 === 0
    ? { vendor: 'issuesVendor', owner: 'acme', repo: `repo-${i}` }
    : { vendor: 'billingVendor', type: 'customers' })
  t.same(await allEnded(stack, redis, ids, 60_000, ['issuesVendor', 'billingVendor']), ids.map(() => 'complete'))
  for (const [i, id] of ids.entries()) {
    const done = await job(stack, id) as unknown as { attempts: number, result: { pages: number, items: Array<{ number?: number, id?: string }> } }
    t.equal(done.attempts, 4, 'three pages, the second tried twice')
    t.same(done.result.items.map((item) => item.number ?? item.id), i % 2 === 0
      ? Array.from({ length: 23 }, (_, n) => n + 1)
      : ['cus_0001', 'cus_0002', 'cus_0003', 'cus_0004', 'cus_0005', 'cus_0006', 'cus_0007'])
  }
  for (const url of [stack.dialects.issuesVendor, stack.dialects.billingVendor]) {
    const seen = await windowStats(url, 2000)
    t.equal(seen.received, 12, 'three jobs of three pages and one failure each')
    t.ok(seen.maxInWindow <= 3, `at most 3 calls in any 2 seconds at the vendor (saw ${seen.maxInWindow})`)
  }
})
