import { Redis } from 'ioredis'
import t, { test } from 'tap'
import { createMemoryDeadlines, createRedisDeadlines, type Deadlines } from '../../plugins/deadlines.js'
import { redisKeys } from '../../plugins/redis/keys.js'
import { defineScripts } from '../../plugins/redis/scripts.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../redis-server.js'

const skip = skipWithoutRedis(t)

async function redisDeadlines (t: Teardown): Promise<Deadlines> {
  const { url, prefix } = await redisFor(t)
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  defineScripts(redis)
  return createRedisDeadlines(redis, redisKeys(prefix))
}

const backends: Array<[string, (t: Teardown) => Promise<Deadlines>, false | string]> = [
  ['memory', async () => createMemoryDeadlines(), false],
  ['redis', redisDeadlines, skip]
]

for (const [name, make, skipIt] of backends) {
  test(`${name}: only deadlines that have passed are leased, each to one caller at a time`, { skip: skipIt }, async (t) => {
    const deadlines = await make(t)
    await deadlines.set('a', 100)
    await deadlines.set('b', 200)
    await deadlines.set('later', 10_000)
    t.same((await deadlines.lease(150, 10, 1000)).sort(), ['a'])
    t.same((await deadlines.lease(250, 10, 1000)).sort(), ['b'], 'a is leased to someone else')
    t.same((await deadlines.lease(1300, 10, 1000)).sort(), ['a', 'b'], 'a lease that ran out is given again')
  })

  test(`${name}: a cleared or moved deadline is not leased`, { skip: skipIt }, async (t) => {
    const deadlines = await make(t)
    await deadlines.set('a', 100)
    await deadlines.set('b', 100)
    await deadlines.clear('a')
    await deadlines.set('b', 5_000)
    t.same(await deadlines.lease(1_000, 10, 1000), [])
  })

  test(`${name}: a lease hands out at most the number asked`, { skip: skipIt }, async (t) => {
    const deadlines = await make(t)
    for (let i = 0; i < 5; i++) await deadlines.set(`j${i}`, i)
    t.equal((await deadlines.lease(10, 3, 1000)).length, 3)
    t.equal((await deadlines.lease(10, 3, 1000)).length, 2)
  })
}
