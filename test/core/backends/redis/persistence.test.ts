import tap, { test } from 'tap'
import { redisPersistence } from '../../../../core/backends/redis/persistence.js'
import { redisClient, skipWithoutRedis, startRedis, type Teardown } from '../../../redis-server.js'

// These start servers with options of their own, which TEST_REDIS_URL's cannot have.
const skip = skipWithoutRedis(tap, { stoppable: true })

async function persistenceOf (t: Teardown, opts: Parameters<typeof startRedis>[1]): Promise<string> {
  const server = await startRedis(t, opts)
  const redis = redisClient(t, server.url)
  return redisPersistence(redis)
}

test('an append-only file, snapshots only, or nothing on disk', { skip }, async (t) => {
  t.equal(await persistenceOf(t, { appendonly: true }), 'aof')
  t.equal(await persistenceOf(t, { args: ['--save', '3600 1'] }), 'rdb')
  t.equal(await persistenceOf(t, {}), 'none')
})

test('with CONFIG disabled, as managed services do, AOF still shows and the rest is unknown', { skip }, async (t) => {
  const disabled = ['--rename-command', 'CONFIG', '""']
  t.equal(await persistenceOf(t, { args: disabled }), 'unknown')
  t.equal(await persistenceOf(t, { appendonly: true, args: disabled }), 'aof')
})
