import t from 'tap'
import { createRedisClient } from '../../../../core/backends/redis/client.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisResults } from '../../../../core/backends/redis/results.js'
import { clusterFor, skipWithoutRedisCluster } from '../../../redis-cluster.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { resultsContract } from '../../results-contract.js'

// Expiry is Redis's own (PEXPIRE): time passes for real.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

resultsContract(t, 'redis', skipWithoutRedis(t), async (t) => {
  const { url, prefix } = await redisFor(t)
  return { cache: createRedisResults(redisClient(t, url), redisKeys(prefix)), wait: sleep }
}, 40)

resultsContract(t, 'redis cluster', skipWithoutRedisCluster(t), async (t) => {
  const { url, prefix } = await clusterFor(t)
  const cluster = await createRedisClient(url, { log: { warn () {}, info () {} }, cluster: true })
  t.teardown(() => cluster.disconnect())
  return { cache: createRedisResults(cluster, redisKeys(prefix)), wait: sleep }
}, 15)
