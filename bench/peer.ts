import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { type Counted, scriptNames } from './calls.js'
import { type Child, printed, startNode } from './processes.js'
import type { BenchRedis } from './redis.js'
import { profileArgs, WORKER_CALLS } from './stack.js'
import type { Pipeline } from './throughput.js'

const QUEUE = 'bench'
const BATCH = 1_000
const IN_FLIGHT = 8

/** One side of an end-to-end comparison: a pipeline, and a way to add worker processes to it. */
export interface Side {
  pipeline: Pipeline
  /** What counting its Redis calls needs (bench/calls.ts). */
  counted: Counted
  addWorkers (n: number): Promise<void>
  stop (): Promise<void>
}

/**
 * The same pipeline on BullMQ, against its own Redis: jobs enqueued with `addBulk` (the service's payload,
 * a UUID job id, 5 attempts with exponential backoff as the service retries), peer worker processes
 * (bench/peer-worker.ts), and completed jobs counted from BullMQ's `completed` set.
 */
export async function bullmqSide (redis: BenchRedis, vendorUrl: string, profileDir?: string): Promise<Side> {
  await redis.client.flushall()
  // The producer's connection is the bench's own, so that its calls can be told apart (its local port).
  const producer = new Redis(redis.url, { enableOfflineQueue: false })
  producer.on('error', () => {})
  const queue = new Queue(QUEUE, { connection: producer })
  queue.on('error', () => {})
  await queue.waitUntilReady()
  const workers: Child[] = []
  let userId = 0
  const pipeline: Pipeline = {
    name: 'BullMQ',
    async fill (n) {
      // Several addBulk calls in flight, so that enqueueing stays well ahead of the workers.
      const batches = Array.from({ length: Math.ceil(n / BATCH) }, (_, i) => Math.min(BATCH, n - i * BATCH))
      for (let i = 0; i < batches.length; i += IN_FLIGHT) {
        await Promise.all(batches.slice(i, i + IN_FLIGHT).map((size) => queue.addBulk(Array.from({ length: size }, () => ({
          name: 'fetch',
          data: { type: 'user_data', userId: userId++ },
          opts: { jobId: randomUUID(), attempts: 5, backoff: { type: 'exponential', delay: 200 } }
        })))))
      }
    },
    completed: () => redis.client.zcard(`bull:${QUEUE}:completed`),
    failed: () => redis.client.zcard(`bull:${QUEUE}:failed`)
  }
  return {
    pipeline,
    counted: {
      pipeline,
      url: redis.url,
      benchPorts: () => [redis.client.stream.localPort ?? 0],
      producerPorts: () => [producer.stream.localPort ?? 0],
      // The workers load the same scripts as the queue.
      scripts: () => scriptNames(producer)
    },
    async addWorkers (n) {
      const added = Array.from({ length: n }, () => {
        const name = `bullmq-worker-${workers.length + 1}`
        const child = startNode(name, 'bench/peer-worker.ts', {
          REDIS_URL: redis.url, VENDOR_URL: vendorUrl, QUEUE, CONCURRENCY: String(WORKER_CALLS)
        }, profileArgs(profileDir, name))
        workers.push(child)
        return child
      })
      await Promise.all(added.map((c) => printed(c, 'peer worker ready')))
    },
    async stop () {
      await Promise.all(workers.splice(0).map((c) => c.stop()))
      await queue.close()
      producer.disconnect()
    }
  }
}
