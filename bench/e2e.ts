import { type Calls, countCalls, describeCalls, scriptNames } from './calls.js'
import { bullmqSide, type Side } from './peer.js'
import type { Child } from './processes.js'
import { type BenchRedis, countStatus, openFiller, startRedis } from './redis.js'
import type { Settings } from './scenarios.js'
import { type Mocks, type Service, VENDORS } from './stack.js'
import { describe, medianOf, type Pipeline, type Rounds, type Throughput, throughput } from './throughput.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { redisKeys } from '../core/backends/redis/keys.js'
import { defineScripts } from '../core/backends/redis/scripts.js'
import { DEFAULT_TEAM } from '../core/job.js'

/** A vendor's jobs on the service's Redis: filled by `filler`, counted from the vendor's status indexes. */
function vendorPipeline (redis: BenchRedis, filler: Awaited<ReturnType<typeof openFiller>>, vendor: string, name = 'service'): Pipeline {
  return {
    name,
    fill: async (n) => { await filler.fill(n, vendor, false) },
    completed: () => countStatus(redis.client, vendor, 'complete'),
    failed: () => countStatus(redis.client, vendor, 'failed'),
    unfinished: () => unfinished(redis, vendor)
  }
}

/** The vendor's jobs listed as pending or processing, and what their hashes say (a few of them). */
async function unfinished (redis: BenchRedis, vendor: string): Promise<string> {
  const k = redisKeys().vendor(vendor)
  const lines: string[] = []
  for (const status of ['pending', 'processing'] as const) {
    const ids = await redis.client.zrange(k.status(status), 0, 2)
    const count = await redis.client.zcard(k.status(status))
    const jobs = await Promise.all(ids.map(async (id) => {
      const [s, attempts, waiting, holder] = await redis.client.hmget(redisKeys().job(id), 'status', 'attempts', 'waiting', 'holder')
      return `${id}: hash ${s ?? 'missing'}, attempts ${attempts}, waiting ${waiting ?? '-'}, holder ${holder ?? '-'}`
    }))
    lines.push(`${count} listed ${status}${jobs.length > 0 ? ` (${jobs.join('; ')})` : ''}`)
  }
  lines.push(`${await redis.client.llen(k.ready(DEFAULT_TEAM))} entries waiting, ${await redis.client.xlen(k.queue)} handed out, ${await redis.client.zcard(k.delayed)} delayed`)
  return lines.join('; ')
}

/** The service's scripts by SHA1, as ioredis names them (a client that never connects). */
function serviceScripts (): Map<string, string> {
  const client = new Redis({ lazyConnect: true })
  defineScripts(client)
  const names = scriptNames(client)
  client.disconnect()
  return names
}

/**
 * The service as one side: jobs stored and queued by its own create-job script (what POST /jobs does)
 * from one producer connection kept open, standalone worker processes, completions counted from the
 * store's `complete` index.
 */
async function serviceSide (redis: BenchRedis, service: Service, vendor: string): Promise<Side> {
  await redis.client.flushall()
  const filler = await openFiller(redis.url, [vendor])
  const workers: Child[] = []
  const pipeline = vendorPipeline(redis, filler, vendor)
  return {
    pipeline,
    counted: {
      pipeline,
      url: redis.url,
      benchPorts: () => [redis.client.stream.localPort ?? 0],
      producerPorts: () => filler.ports(),
      scripts: serviceScripts
    },
    async addWorkers (n) {
      workers.push(...await service.startWorkers(n))
    },
    async stop () {
      await Promise.all(workers.splice(0).map((w) => w.stop()))
      await filler.close()
    }
  }
}

export type E2e = Record<string, Rounds<Throughput>>

/** Warm the workers with one batch, then `rounds` batches per pipeline, the pipelines taking turns. */
async function compare (pipelines: Array<{ key: string, pipeline: Pipeline }>, s: Settings, mocks: Mocks, jobs: number, out: E2e): Promise<void> {
  for (const { pipeline } of pipelines) {
    await mocks.reset()
    await throughput(pipeline, s.warmJobs)
  }
  const rounds = new Map<string, Throughput[]>(pipelines.map(({ key }) => [key, []]))
  for (let r = 1; r <= s.rounds; r++) {
    for (const { key, pipeline } of pipelines) {
      await mocks.reset()
      const t = await throughput(pipeline, jobs)
      rounds.get(key)?.push(t)
      console.log(describe(`${key}, round ${r}`, t))
    }
  }
  for (const [key, list] of rounds) out[key] = medianOf(list)
}

export interface E2ePhase {
  e2e: E2e
  /** Redis calls per completed job with 1 worker, each side's counted batch. */
  calls: Record<string, Calls>
}

/**
 * End-to-end throughput with warm workers: the service and the BullMQ peer with 1 worker process each,
 * then 2, in interleaved rounds; with 1 worker, one more batch per side counted with MONITOR (`calls`);
 * then the async vendor with its webhooks (1 worker).
 */
export async function e2ePhase (redis: BenchRedis, service: Service | undefined, mocks: Mocks, s: Settings, want: (name: string) => boolean): Promise<E2ePhase> {
  const out: E2e = {}
  const calls: Record<string, Calls> = {}
  const sides: Array<{ key: string, side: Side, measured: boolean }> = []
  const counting = want('calls')
  let peerRedis: BenchRedis | undefined
  try {
    if ((want('e2e-sync') || counting) && service !== undefined) {
      sides.push({ key: 'sync', side: await serviceSide(redis, service, VENDORS.sync), measured: want('e2e-sync') })
    }
    if (want('bullmq') || counting) {
      peerRedis = await startRedis('bullmq redis')
      sides.push({ key: 'bullmq', side: await bullmqSide(peerRedis, mocks.syncUrl, s.profileDir), measured: want('bullmq') })
    }
    for (const workers of [1, 2]) {
      const measured = sides.filter((x) => x.measured)
      if (sides.length === 0 || (workers === 2 && measured.length === 0)) break
      for (const { side } of sides) await side.addWorkers(1)
      if (measured.length > 0) await compare(measured.map(({ key, side }) => ({ key: `${key}${workers}`, pipeline: side.pipeline })), s, mocks, s.syncJobs, out)
      if (workers === 1 && counting) {
        for (const { key, side } of sides) {
          // Warm already when its rounds ran; else warmed here.
          if (!measured.some((m) => m.side === side)) await throughput(side.pipeline, s.warmJobs)
          await mocks.reset()
          const c = await countCalls(side.counted, s.countJobs)
          calls[key === 'sync' ? 'service' : key] = c
          console.log(describeCalls(`calls, ${key}, 1 worker`, c))
        }
      }
    }
  } finally {
    await Promise.all(sides.map(({ side }) => side.stop()))
    await peerRedis?.stop()
  }
  if (want('e2e-async') && service !== undefined) {
    const side = await serviceSide(redis, service, VENDORS.async)
    try {
      await side.addWorkers(1)
      await compare([{ key: 'async1', pipeline: side.pipeline }], s, mocks, s.asyncJobs, out)
    } finally {
      await side.stop()
    }
  }
  return { e2e: out, calls }
}

/**
 * The cost of the budget check (issue #16): one worker, with a TEAMS_FILE that gives the jobs' team (open
 * mode's `default`, which the filler's jobs belong to) a budget no run exhausts, serving syncVendor (no
 * cost: no reservation) and `budgetedVendor` (the same mock, with a cost: each take reserves against the
 * team's budget ledger and each settlement gives back the unused part) in interleaved rounds.
 */
export async function budgetPhase (redis: BenchRedis, service: Service, mocks: Mocks, s: Settings): Promise<E2e> {
  await redis.client.flushall()
  const dir = mkdtempSync(join(tmpdir(), 'vfs-bench-teams-'))
  const teamsFile = join(dir, 'teams.json')
  writeFileSync(teamsFile, JSON.stringify({ [DEFAULT_TEAM]: { keys: [{ env: 'BENCH_TEAM_KEY' }], budget: { limit: 1_000_000_000, window: '30d' } } }))
  const vendors = [VENDORS.sync, VENDORS.budgeted]
  const filler = await openFiller(redis.url, vendors)
  let workers: Child[] = []
  try {
    workers = await service.startWorkers(1, { TEAMS_FILE: teamsFile })
    const out: E2e = {}
    await compare([
      { key: 'unbudgeted1', pipeline: vendorPipeline(redis, filler, VENDORS.sync) },
      { key: 'budgeted1', pipeline: vendorPipeline(redis, filler, VENDORS.budgeted) }
    ], s, mocks, s.syncJobs, out)
    return out
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await filler.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The cost of a mapped vendor (issue #10): one worker serving three vendors in interleaved rounds, our
 * default protocol on the sync mock, `mappedVendor` (jsonata request, result and error mappings and a
 * bearer token, on the same sync mock: the difference is the service's mapping work alone) and
 * vendors.example.json's `directoryVendor` (GET with a mapped path, an api_key in the query, a per-type
 * mapping, on its own mock).
 */
export async function mappedPhase (redis: BenchRedis, service: Service, mocks: Mocks, s: Settings): Promise<E2e> {
  await redis.client.flushall()
  const vendors = [VENDORS.sync, VENDORS.mapped, VENDORS.directory]
  const filler = await openFiller(redis.url, vendors)
  let workers: Child[] = []
  try {
    workers = await service.startWorkers(1)
    const out: E2e = {}
    await compare([
      { key: 'protocol1', pipeline: vendorPipeline(redis, filler, VENDORS.sync) },
      { key: 'mapped1', pipeline: vendorPipeline(redis, filler, VENDORS.mapped) },
      { key: 'directory1', pipeline: vendorPipeline(redis, filler, VENDORS.directory) }
    ], s, mocks, s.syncJobs, out)
    return out
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await filler.close()
  }
}
