import { randomUUID } from 'node:crypto'
import type { Cluster } from 'ioredis'
import t from 'tap'
import { createRedisIdempotencyKeys } from '../../../../core/backends/redis/idempotency.js'
import { redisIntakeCounters } from '../../../../core/backends/redis/intake.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { createRedisStore } from '../../../../core/backends/redis/store.js'
import { createRedisClient } from '../../../../core/backends/redis/client.js'
import { historyContract } from '../../history-contract.js'
import { idempotencyContract } from '../../idempotency-contract.js'
import { clusterFor, skipWithoutRedisCluster } from '../../../redis-cluster.js'
import type { Teardown } from '../../../redis-server.js'
import { budgetContract } from '../../dispatch/budget-contract.js'
import { queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'
import { storeContract } from '../../store-contract.js'
import { tellingContract } from '../../telling-contract.js'
import { intakeContract } from '../../teams/intake-contract.js'
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
  return twoQueues(t, prefix, () => connect(t, url), opts, true)
})

budgetContract('redis cluster', skip, async (t, opts) => {
  const { url, prefix } = await clusterFor(t)
  return twoQueues(t, prefix, () => connect(t, url), opts, true)
}, { acrossVendors: false })

indexContract('redis cluster', skip, async (t) => {
  const { url, prefix } = await clusterFor(t)
  const backend = await createRedisBackend(await connect(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['syncVendor', 'asyncVendor'], subscriber: await connect(t, url), leaseMs: 30_000, marginMs: 0
  })
  t.teardown(() => backend.close())
  return backend
})

/** On a Cluster the end and its outbox entry are two writes on two nodes: the store indexes the webhook after the script. */
tellingContract('redis cluster', skip, async (t) => {
  const { url, prefix } = await clusterFor(t)
  const backend = await createRedisBackend(await connect(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['v', 'w'], subscriber: await connect(t, url), leaseMs: 30_000, marginMs: 0
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

/** Each call a client of its own (an API process each), over the test's one prefix. */
const intakePrefixes = new WeakMap<Teardown, string>()
intakeContract('redis cluster intake', skip, async (t) => {
  const { url, prefix } = await clusterFor(t)
  if (!intakePrefixes.has(t)) intakePrefixes.set(t, prefix)
  return redisIntakeCounters(await connect(t, url), redisKeys(intakePrefixes.get(t) ?? prefix))
}, true)

/** The dashboard's history: two processes (a backend each) over one prefix; the history's hash and each interval's lease on their own slots. */
historyContract('redis cluster', skip, async (t) => {
  const { url, prefix } = await clusterFor(t)
  const processBackend = async (consumer: string) => {
    const backend = await createRedisBackend(await connect(t, url), { prefix, jobTtlMs: 60_000, consumer, vendors: ['v', 'w'], subscriber: await connect(t, url), leaseMs: 30_000, marginMs: 0 })
    t.teardown(() => backend.close())
    return backend
  }
  const [a, b] = [await processBackend('a'), await processBackend('b')]
  return { store: a.history, lease: (i) => (name, ms) => (i === 0 ? a : b).lease(name, ms) }
})
