import { bullmqSide, type Side } from './peer.js'
import type { Child } from './processes.js'
import { type BenchRedis, countStatus, fillJobs, startRedis } from './redis.js'
import type { Settings } from './scenarios.js'
import type { Mocks, Service } from './stack.js'
import { describe, medianOf, type Rounds, type Throughput, throughput } from './throughput.js'

/**
 * The service as one side: jobs stored and queued by its own create-job script (what POST /jobs does),
 * standalone worker processes, completions counted from the store's `complete` index.
 */
export async function serviceSide (redis: BenchRedis, service: Service, vendor: string): Promise<Side> {
  await redis.client.flushall()
  const workers: Child[] = []
  return {
    pipeline: {
      name: 'service',
      fill: async (n) => { await fillJobs(redis.url, n, vendor, false) },
      completed: () => countStatus(redis.client, vendor, 'complete'),
      failed: () => countStatus(redis.client, vendor, 'failed')
    },
    async addWorkers (n) {
      workers.push(...await service.startWorkers(n))
    },
    async stop () {
      await Promise.all(workers.splice(0).map((w) => w.stop()))
    }
  }
}

type E2e = Record<string, Rounds<Throughput>>

/** Warm the workers with one batch, then `rounds` batches per side, the sides taking turns. */
async function compare (sides: Array<{ key: string, side: Side }>, s: Settings, mocks: Mocks, jobs: number, out: E2e): Promise<void> {
  for (const { side } of sides) {
    await mocks.reset()
    await throughput(side.pipeline, s.warmJobs)
  }
  const rounds = new Map<string, Throughput[]>(sides.map(({ key }) => [key, []]))
  for (let r = 1; r <= s.rounds; r++) {
    for (const { key, side } of sides) {
      await mocks.reset()
      const t = await throughput(side.pipeline, jobs)
      rounds.get(key)?.push(t)
      console.log(describe(`${key}, round ${r}`, t))
    }
  }
  for (const [key, list] of rounds) out[key] = medianOf(list)
}

/**
 * End-to-end throughput with warm workers: the service and the BullMQ peer with 1 worker process each,
 * then 2, in interleaved rounds; then the async vendor with its webhooks (1 worker).
 */
export async function e2ePhase (redis: BenchRedis, service: Service | undefined, mocks: Mocks, s: Settings, want: (name: string) => boolean): Promise<E2e> {
  const out: E2e = {}
  const sides: Array<{ key: string, side: Side }> = []
  let peerRedis: BenchRedis | undefined
  try {
    if (want('e2e-sync') && service !== undefined) sides.push({ key: 'sync', side: await serviceSide(redis, service, 'syncVendor') })
    if (want('bullmq')) {
      peerRedis = await startRedis('bullmq redis')
      sides.push({ key: 'bullmq', side: await bullmqSide(peerRedis, mocks.syncUrl, s.profileDir) })
    }
    for (const workers of [1, 2]) {
      if (sides.length === 0) break
      for (const { side } of sides) await side.addWorkers(1)
      await compare(sides.map(({ key, side }) => ({ key: `${key}${workers}`, side })), s, mocks, s.syncJobs, out)
    }
  } finally {
    await Promise.all(sides.map(({ side }) => side.stop()))
    await peerRedis?.stop()
  }
  if (want('e2e-async') && service !== undefined) {
    const side = await serviceSide(redis, service, 'asyncVendor')
    try {
      await side.addWorkers(1)
      await compare([{ key: 'async1', side }], s, mocks, s.asyncJobs, out)
    } finally {
      await side.stop()
    }
  }
  return out
}
