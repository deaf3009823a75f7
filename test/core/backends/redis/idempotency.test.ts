import t, { test } from 'tap'
import { createRedisIdempotencyKeys } from '../../../../core/backends/redis/idempotency.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { IDEMPOTENCY_TTL_MS } from '../../../../core/idempotency.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { idempotencyContract } from '../../idempotency-contract.js'

const skip = skipWithoutRedis(t)


idempotencyContract('redis idempotency keys', skip, async (t) => {
  const { url, prefix } = await redisFor(t)
  return createRedisIdempotencyKeys(redisClient(t, url), redisKeys(prefix))
})

test('an idempotency key is one string under a hash tag of its own digest, kept 24 hours', { skip }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  const keys = redisKeys(prefix)
  await createRedisIdempotencyKeys(redis, keys).reserve('{odd} key', 'record', IDEMPOTENCY_TTL_MS)
  const key = keys.idempotency('{odd} key')
  t.match(key, new RegExp(`^${prefix}:idempotency:\\{[0-9a-f]{64}\\}$`))
  t.equal(await redis.get(key), 'record')
  const ttl = await redis.pttl(key)
  t.ok(ttl > IDEMPOTENCY_TTL_MS - 60_000 && ttl <= IDEMPOTENCY_TTL_MS, `pttl ${ttl}`)
})
