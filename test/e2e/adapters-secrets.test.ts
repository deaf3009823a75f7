import type { Redis } from 'ioredis'
import t, { test } from 'tap'
import { DIALECT_JOBS, DIALECTS, getJob, leaked } from '../dialects.js'
import { ECHO_OUTCOMES, echoVendors, startEchoVendor } from '../echo-vendor.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t)

/** Every value Redis holds, whatever its type, as text. */
async function dump (redis: Redis): Promise<string> {
  const keys = await redis.keys('*')
  const values = await Promise.all(keys.map(async (key) => {
    const type = await redis.type(key)
    if (type === 'hash') return redis.hgetall(key)
    if (type === 'string') return redis.get(key)
    if (type === 'zset') return redis.zrange(key, 0, -1, 'WITHSCORES')
    if (type === 'stream') return redis.xrange(key, '-', '+')
    if (type === 'set') return redis.smembers(key)
    if (type === 'list') return redis.lrange(key, 0, -1)
    return `${type}?`
  }))
  return JSON.stringify(Object.fromEntries(keys.map((key, i) => [key, values[i]])))
}

test('in Redis mode, a whole flow of every dialect and of vendors echoing our credentials leaves no secret in any line the API and workers write at trace level, any job answer or anything Redis holds', { skip }, async (t) => {
  const echo = await startEchoVendor(t)
  const stack = await startStack(t, {
    dialects: {},
    vendors: (urls) => echoVendors(echo, `${urls.companyVendor}/oauth/token`),
    env: { LOG_LEVEL: 'trace' },
    keepAll: true
  })
  const redis = redisClient(t, stack.redis.url)
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const bodies = [
    ...DIALECT_JOBS.map(({ vendor, body }) => ({ vendor, ...body })),
    { vendor: 'peopleVendor', email: 'nobody@example.com' },
    { vendor: 'enrichVendor', simulate: 'failure' },
    { vendor: 'pollVendor', simulate: 'failure' },
    ...Object.keys(ECHO_OUTCOMES).map((vendor) => ({ vendor }))
  ]
  const ids = await postMany(stack, bodies.length, (i) => bodies[i] ?? {})
  // What this test measures is what the flow leaves behind, not how soon it ends: a busy CI machine once took
  // more than 20 s over its polls, pages and webhooks.
  const statuses = await allEnded(stack, redis, ids, 60_000, [...DIALECTS, ...Object.keys(ECHO_OUTCOMES)])
  t.same(statuses.slice(0, DIALECT_JOBS.length + 3), [...DIALECT_JOBS.map(() => 'complete'), 'failed', 'failed', 'failed'], 'the dialects ran their course')
  const answers = await Promise.all(ids.map(async (id) => (await getJob(stack.base, id)).text))
  for (const [i, text] of answers.entries()) {
    const expected = ECHO_OUTCOMES[String(bodies[i]?.vendor)]
    if (expected !== undefined) t.match(JSON.parse(text), expected, `${bodies[i]?.vendor}: its echo arrived, redacted`)
  }
  const lines = [stack.api, ...stack.workers].flatMap((process) => process.kept)
  t.ok(lines.length >= 5 * ids.length, `${lines.length} lines of the API and the workers searched`)
  t.ok(lines.some((line) => line.includes('[redacted]')), 'echoes of our credentials reached the log, redacted')
  t.same(leaked(lines.join('\n')), [], 'no secret in any line the processes wrote')
  t.same(leaked(answers.join('\n')), [], 'no secret in any GET /jobs/{id} answer')
  const stored = await dump(redis)
  t.ok(stored.includes(ids[0] ?? '-'), 'the jobs are in the dump')
  t.same(leaked(stored), [], 'no secret in any job hash, queue entry or other key in Redis')
})
