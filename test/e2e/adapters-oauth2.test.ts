import t, { test } from 'tap'
import { request } from 'undici'
import { ended, tokenStats } from '../dialects.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack, windowStats } from './stack.js'

const skip = skipWithoutRedis(t)

test('OAuth2: the fleet of two workers fetches one token for many jobs, and after a revocation one new token, not one per worker', { skip }, async (t) => {
  // Paced over a second or so, so that both workers take their share of each batch.
  const stack = await startStack(t, { dialects: { companyVendor: { rateLimit: { perSecond: 50, burst: 10 } } } })
  const redis = redisClient(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const company = stack.dialects.companyVendor
  const first = await postMany(stack, 60, (i) => ({ vendor: 'companyVendor', domain: `first-${i}.io` }))
  t.same(await allEnded(stack, redis, first, 20_000, ['companyVendor']), first.map(() => 'complete'))
  t.match(await tokenStats(company), { tokensIssued: 1 }, 'one token for 60 jobs over two workers')
  t.ok(stack.workers.every((w) => w.kept.length > 0), 'both workers called the vendor')

  await request(`${company}/admin/oauth/revoke`, { method: 'POST' }).then((res) => res.body.dump())
  const before = stack.workers.map((w) => w.kept.length)
  const second = await postMany(stack, 60, (i) => ({ vendor: 'companyVendor', domain: `second-${i}.io` }))
  t.same(await allEnded(stack, redis, [...first, ...second], 20_000, ['companyVendor']), [...first, ...second].map(() => 'complete'))
  t.ok(stack.workers.every((w, i) => w.kept.length > (before[i] ?? 0)), 'both workers met the revoked token')
  const attempts = await Promise.all(second.map(async (id) => (await ended(stack.base, id)).attempts))
  // A call refused for its token is an attempt the vendor saw: the next goes at once, through a grant of its
  // own, and may meet the old token once more in the other worker, which has not met the 401 yet.
  t.ok(attempts.every((n) => n >= 1 && n <= 3), `each job called once, or again once per worker after the 401 (${[...new Set(attempts)].sort().join(', ')})`)
  t.ok(attempts.some((n) => n > 1), 'the calls that met the revoked token were called again, with the new token')
  t.match(await tokenStats(company), { tokenRequests: 2, tokensIssued: 2, activeTokens: 1 }, 'one new token after the revocation')
  // 50/s with a burst of 10: at most 50 + 10 - 1 calls in any second at the vendor, the refused ones included.
  const { maxInWindow } = await windowStats(company, 1000)
  t.ok(maxInWindow <= 59, `at most 59 calls reached the vendor in any second, the 401s included (${maxInWindow})`)
})

test('a token endpoint that is down fails the fleet\'s jobs after their attempts, each naming the endpoint\'s answer, whichever worker ran it, with one token request per backoff', { skip }, async (t) => {
  const RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 }
  const stack = await startStack(t, { dialects: { companyVendor: { retry: RETRY } } })
  const redis = redisClient(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const company = stack.dialects.companyVendor
  await request(`${company}/admin/oauth`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'fail' }) }).then((res) => res.body.dump())
  // Fewer failed calls than the breaker's 20, so that the jobs spend their attempts rather than wait for the vendor.
  const ids = await postMany(stack, 6, (i) => ({ vendor: 'companyVendor', domain: `d${i}.io` }))
  await allEnded(stack, redis, ids, 20_000, ['companyVendor'])
  const error = /^companyVendor: OAuth2 token endpoint answered 503: \{"error":"temporarily_unavailable"\} \(after 3 attempts\)$/
  for (const id of ids) t.match(await ended(stack.base, id), { status: 'failed', attempts: 3, error })
  const { tokenRequests } = await tokenStats(company)
  // One per backoff of the worker holding the fetch lock, and perhaps one more should the lock lapse first.
  t.ok(tokenRequests <= RETRY.attempts + 1, `${tokenRequests} token requests from two workers for 6 jobs of 3 attempts each`)
})
