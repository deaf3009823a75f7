import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { test } from 'tap'
import { subscribeWhenReady } from '../../../../core/backends/redis/client.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'

const skip = skipWithoutRedis(t)

test('a connection still on its handshake subscribes once ready, and stays connected', { skip }, async (t) => {
  const { url } = await redisFor(t)
  const subscriber = redisClient(t, url)
  const errors: Error[] = []
  subscriber.on('error', (err: Error) => errors.push(err))
  // 'connect' comes before ioredis' ready check, which waits on a round trip of its own.
  await once(subscriber, 'connect')
  t.equal(subscriber.status, 'connect')
  await subscribeWhenReady(subscriber, 'channel')
  await sleep(50)
  t.equal(subscriber.status, 'ready')
  t.same(errors.map((err) => err.message), [])
  const publisher = redisClient(t, url)
  const heard = once(subscriber, 'message')
  await publisher.publish('channel', 'hello')
  t.same(await heard, ['channel', 'hello'])
})
