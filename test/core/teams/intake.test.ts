import { randomUUID } from 'node:crypto'
import tap from 'tap'
import { redisIntakeCounters } from '../../../core/backends/redis/intake.js'
import { redisKeys } from '../../../core/backends/redis/keys.js'
import { MEMORY_COUNTERS } from '../../../core/teams/intake.js'
import { createRedisClient } from '../../../core/backends/redis/client.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../../redis-server.js'
import { intakeContract } from './intake-contract.js'

const skipRedis = skipWithoutRedis(tap)
const quiet = { warn () {}, info () {} }

intakeContract('memory', false, async () => MEMORY_COUNTERS, false)

/** Each call a client of its own, as each API process has; the prefix is the test's. */
const prefixes = new WeakMap<Teardown, string>()
intakeContract('redis', skipRedis, async (t) => {
  const { url, prefix } = await redisFor(t)
  if (!prefixes.has(t)) prefixes.set(t, prefix)
  const redis = await createRedisClient(url, { log: quiet, cluster: false })
  t.teardown(() => redis.disconnect())
  return redisIntakeCounters(redis, redisKeys(prefixes.get(t) ?? randomUUID()))
}, true)
