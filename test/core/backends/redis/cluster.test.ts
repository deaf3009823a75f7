import { randomUUID } from 'node:crypto'
import type { Cluster } from 'ioredis'
import t from 'tap'
import { createRedisIdempotencyKeys } from '../../../../core/backends/redis/idempotency.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { createRedisStore } from '../../../../core/backends/redis/store.js'
import { createRedisClient } from '../../../../plugins/redis.js'
import { idempotencyContract } from '../../idempotency-contract.js'
import { clusterFor, skipWithoutRedisCluster } from '../../../redis-cluster.js'
import type { Teardown } from '../../../redis-server.js'
import { queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'
import { storeContract } from '../../store-contract.js'
import { twoQueues } from './queues.js'

/** The same contracts as on one Redis, on a real three-master Redis Cluster: every script touches one slot. */
const skip = skipWithoutRedisCluster(t)
const quiet = { warn () {}, info () {} }

const connect = async (t: Teardown, url: string): Promise<Cluster> => {
  const cluster = await createRedisClient(url, { log: quiet, cluster: true })
  t.teardown(() => cluster.disconnect())
  return cluster
}

queueContract('redis cluster', skip, async (t, opts) => {
  const { url, prefix } = await clusterFor(t)
  return twoQueues(t, prefix, () => connect(t, url), opts)
})

indexContract('redis cluster', skip, async (t) => {
  const { url, prefix } = await clusterFor(t)
  const backend = await createRedisBackend(await connect(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['syncVendor', 'asyncVendor'], subscriber: await connect(t, url), leaseMs: 30_000, marginMs: 0
  })
  t.teardown(() => backend.close())
  return backend
})

let shared: Cluster | undefined
if (skip === false) {
  storeContract('redis cluster store', async () => {
    const { url, prefix } = await clusterFor(t)
    shared ??= await connect(t, url)
    return createRedisStore(shared, redisKeys(prefix))
  })
}

idempotencyContract('redis cluster idempotency keys', skip, async (t) => {
  const { url, prefix } = await clusterFor(t)
  shared ??= await connect(t, url)
  return createRedisIdempotencyKeys(shared, redisKeys(prefix))
})
