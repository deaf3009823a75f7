import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import t, { test } from 'tap'
import configPlugin from '../../../../plugins/config.js'
import { createMongoClient, describeMongoUrl } from '../../../../core/backends/mongo/client.js'
import mongoPlugin from '../../../../plugins/mongo.js'
import type { Job } from '../../../../core/job.js'
import { createMongoStore } from '../../../../core/backends/mongo/store.js'
import { freePort, testConfig } from '../../../helper.js'
import { mongoFor, mongoTarget, skipWithoutMongo } from '../../../mongo-server.js'
import { racingClientsContract, storeContract } from '../../store-contract.js'
import { createRedisBackend } from '../../../../core/backends/redis/index.js'
import { indexContract } from '../../job-index-contract.js'
import { redisClient, redisFor, skipWithoutRedis } from '../../../redis-server.js'
import { waitingContract } from '../../waiting-contract.js'
import type { Db } from 'mongodb'
import type { BatchStore } from '../../../../core/batches.js'
import { createMemoryStore } from '../../../../core/backends/memory/store.js'
import { createMongoBatches } from '../../../../core/backends/mongo/batches.js'
import { createCachedStore } from '../../../../core/backends/mongo/cached.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { redisEndHook } from '../../../../core/backends/redis/outbox.js'
import type { JobEnded } from '../../../../core/ending.js'
import type { JobStore } from '../../../../core/store.js'
import type { Teardown } from '../../../redis-server.js'
import { tellingContract } from '../../telling-contract.js'

const skip = skipWithoutMongo()
t.comment(skip === false ? `mongo store: contract exercised against ${mongoTarget()}` : skip)

// The contract gives makeStore no test: each store's database goes at the end of the file.
if (skip === false) {
  storeContract('mongo store', async () => createMongoStore((await mongoFor(t)).db))
  waitingContract('mongo store', async () => createMongoStore((await mongoFor(t)).db))
}

// Full mode's listing: the jobs in MongoDB, listed by its indexes, queued in Redis.
indexContract('full mode (mongo)', skip || skipWithoutRedis(t), async (t) => {
  const { url, prefix } = await redisFor(t)
  const store = await createMongoStore((await mongoFor(t)).db, { collection: `jobs-${randomUUID()}` })
  const backend = await createRedisBackend(redisClient(t, url), {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['syncVendor', 'asyncVendor'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0, store, index: store
  })
  t.teardown(() => backend.close())
  return backend
})

const newJob = (over: Partial<Job> = {}): Job => ({
  id: randomUUID(), vendor: 'syncVendor', team: 'default', status: 'pending', payload: { q: 1 }, attempts: 0, createdAt: Date.now(), updatedAt: Date.now(), ...over
})

test('the jobs collection has the seed\'s indexes: requestId unique, status and vendor lookups, a 30-day TTL', { skip }, async (t) => {
  const { db } = await mongoFor(t)
  await createMongoStore(db)
  const indexes = await db.collection('jobs').indexes()
  const byKey = new Map(indexes.map((index) => [JSON.stringify(index.key), index]))
  t.equal(byKey.get('{"requestId":1}')?.unique, true)
  t.ok(byKey.has('{"status":1,"createdAt":-1}'))
  t.ok(byKey.has('{"vendor":1,"status":1}'))
  t.ok(byKey.has('{"vendor":1,"status":1,"updatedAt":1}'), "the reconciler's listing")
  t.equal(byKey.get('{"createdAt":1}')?.expireAfterSeconds, 30 * 24 * 60 * 60)
})

test('a start with another ttlMs changes the TTL index in place, and a start with the same one changes nothing', { skip }, async (t) => {
  const { db } = await mongoFor(t)
  await createMongoStore(db, { ttlMs: 60_000 })
  await createMongoStore(db, { ttlMs: 120_000 })
  await createMongoStore(db, { ttlMs: 120_000 })
  const ttl = (await db.collection('jobs').indexes()).filter((index) => index.expireAfterSeconds !== undefined)
  t.same(ttl.map((index) => [index.key, index.expireAfterSeconds]), [[{ createdAt: 1 }, 120]])
})

test('a job is stored as the seed\'s document: requestId, Dates, and no fields it does not have', { skip }, async (t) => {
  const { db } = await mongoFor(t)
  const store = await createMongoStore(db)
  const job = newJob({ deadline: Date.now() + 60_000 })
  await store.create(job)
  const doc = await db.collection('jobs').findOne({ requestId: job.id }, { projection: { _id: 0 } })
  t.same(doc, {
    requestId: job.id, vendor: job.vendor, status: 'pending', payload: job.payload, attempts: 0,
    createdAt: new Date(job.createdAt), updatedAt: new Date(job.updatedAt), deadline: new Date(job.deadline ?? 0)
  })
  t.ok(doc?.createdAt instanceof Date, 'createdAt is a Date, which the TTL index needs')
})

racingClientsContract('mongo store', skip, async (t) => {
  const { url, db } = await mongoFor(t)
  const other = await createMongoClient(url)
  t.teardown(() => other.close())
  return [await createMongoStore(db), await createMongoStore(other.db(db.databaseName))]
})

test('an unreachable MongoDB fails the start with one line that names the host and not the password', async (t) => {
  const port = await freePort()
  const err = await createMongoClient(`mongodb://app:s3cret-pw@127.0.0.1:${port}/vfs`).then(() => null, (e: Error) => e)
  t.match(err, { name: 'MongoConnectionError', message: new RegExp(`^cannot reach MongoDB at 127\\.0\\.0\\.1:${port}: `) })
  t.notMatch(err?.message, /s3cret-pw|\n/)
})

test('a URL that is not a MongoDB URL is refused without being repeated', async (t) => {
  const err = await createMongoClient('postgres://app:s3cret-pw@db.example/vfs').then(() => null, (e: Error) => e)
  t.match(err, { name: 'MongoConnectionError', message: /^invalid MongoDB URL: / })
  t.notMatch(err?.message, /s3cret-pw|db\.example/)
})

test('the plugin decorates mongo with a connected client and the URL\'s database (or vfs), and closes the client with the app', { skip }, async (t) => {
  const { url } = await mongoFor(t)
  const app = Fastify()
  await app.register(configPlugin, { config: testConfig() })
  await app.register(mongoPlugin, { url })
  t.match(await app.mongo.db.command({ ping: 1 }), { ok: 1 })
  t.equal(app.mongo.db.databaseName, describeMongoUrl(url).database)
  let closed = false
  app.mongo.client.on('topologyClosed', () => { closed = true })
  await app.close()
  t.ok(closed, 'the client closed')
})

/** Full mode's wiring: the store ends jobs in TypeScript and its end hook indexes the webhook and tells the long polls through Redis. */
async function fullMode (t: Teardown, make: (ended: JobEnded) => Promise<JobStore>, batches?: (db: Db) => Promise<BatchStore>) {
  const { url, prefix } = await redisFor(t)
  const redis = redisClient(t, url)
  const store = await make(redisEndHook(redis, redisKeys(prefix), true))
  const backend = await createRedisBackend(redis, {
    prefix, jobTtlMs: 60_000, consumer: `c-${randomUUID()}`, vendors: ['v', 'w'], subscriber: redisClient(t, url), leaseMs: 30_000, marginMs: 0,
    store: createCachedStore(store, redis, { cache: redisKeys(prefix).job }),
    ...(batches === undefined ? {} : { batches: await batches((await mongoFor(t)).db) })
  })
  t.teardown(() => backend.close())
  return backend
}

tellingContract('full mode (mongo)', skip || skipWithoutRedis(t), (t) =>
  fullMode(t, async (ended) => createMongoStore((await mongoFor(t)).db, { collection: `jobs-${randomUUID()}`, ended }), (db) => createMongoBatches(db, 60_000, `batches-${randomUUID()}`)))
// Without a MongoDB, the memory store stands in for it: it ends jobs in TypeScript and calls the same hook.
tellingContract('full mode (memory standing in for mongo)', skipWithoutRedis(t), (t) => fullMode(t, async (ended) => createMemoryStore({ onEnded: ended })))
