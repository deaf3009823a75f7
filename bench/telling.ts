import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { type Figures, load, mixed, postJobs } from './load.js'
import type { BenchRedis } from './redis.js'
import { describe, type Settings } from './scenarios.js'
import type { Service } from './stack.js'
import { medianOf, type Rounds } from './throughput.js'

/** Jobs per POST /jobs/batch: MAX_BATCH's default. */
const BATCH_SIZE = 1_000
/** Connections posting batches: a client sending 1,000 jobs at a time needs few. */
const BATCH_CONNECTIONS = 20
/** Users waiting on their jobs at once, for the wake-up latency. */
const WAITERS = 50
/** Longer than a batch takes to be answered under the intake's load. */
const SETTLE_MS = 2_000

interface Intake {
  /** Jobs acknowledged per second by single POST /jobs (200 connections) and by POST /jobs/batch, median rounds. */
  single: Rounds<Figures>
  batch: Rounds<Figures>
  batchSize: number
  batchConnections: number
}

interface WakeUp {
  /** From a job's end (its updatedAt, written by the worker that ended it) to its long poll's answer at the client, ms. */
  samples: number
  p50: number
  p99: number
  max: number
}

interface WaitLoad {
  /** The seed's load test, users polling and users waiting (?wait=5), with requests per job done. */
  polling: Figures & { requestsPerJob: number }
  waiting: Figures & { requestsPerJob: number }
}

export interface Telling {
  intake?: Intake
  wakeUp?: WakeUp
  load?: WaitLoad
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN

const BATCH_BODY = JSON.stringify({ jobs: Array.from({ length: BATCH_SIZE }, (_, i) => ({ vendor: 'syncVendor', type: 'user_data', userId: i })) })

/** POST /jobs/batch of BATCH_SIZE jobs on BATCH_CONNECTIONS connections; req/s counts batches. */
async function postBatches (url: string, seconds: number): Promise<Figures> {
  return load({
    url,
    seconds,
    connections: BATCH_CONNECTIONS,
    requests: [{ method: 'POST', path: '/jobs/batch', headers: { 'content-type': 'application/json' }, body: BATCH_BODY }]
  })
}

/**
 * Intake: jobs acknowledged per second through single POST /jobs at the seed's 200 connections, and through
 * POST /jobs/batch, in interleaved rounds on the Redis-mode API (no worker), the store flushed before each
 * run. Target (issue #17): the batch at least 5x the single POSTs.
 */
async function intake (redis: BenchRedis, api: Service, s: Settings): Promise<Intake> {
  const sides: Array<[keyof Pick<Intake, 'single' | 'batch'>, (seconds: number) => Promise<Figures>]> = [
    ['single', (sec) => postJobs(api.url, sec)],
    ['batch', (sec) => postBatches(api.url, sec)]
  ]
  const rounds = { single: [] as Figures[], batch: [] as Figures[] }
  for (const [, run] of sides) {
    await redis.client.flushall()
    await run(s.warmupSeconds)
  }
  for (let r = 1; r <= s.rounds; r++) {
    for (const [key, run] of sides) {
      await redis.client.flushall()
      const f = await run(s.seconds)
      rounds[key].push(f)
      const jobs = key === 'batch' ? f.reqPerSec * BATCH_SIZE : f.reqPerSec
      console.log(`${describe(`${key === 'batch' ? `POST /jobs/batch of ${BATCH_SIZE}` : 'POST /jobs'}, round ${r}`, f)}: ${jobs.toFixed(0)} jobs/s`)
    }
  }
  // Batches still on their way when the last run ended land after it: let them, then drop them, so that the
  // scenarios after this one start from an empty store rather than behind thousands of queued jobs.
  await sleep(SETTLE_MS)
  await redis.client.flushall()
  return { single: medianOf(rounds.single), batch: medianOf(rounds.batch), batchSize: BATCH_SIZE, batchConnections: BATCH_CONNECTIONS }
}

/**
 * Wake-up latency: WAITERS users each post a job and wait on it (?wait=30) at once, over and over for the
 * run; for each answer, the time from the job's end (updated_at, set by the worker in its own process) to
 * the answer's arrival here. One machine, one clock.
 */
async function wakeUp (api: Service, seconds: number): Promise<WakeUp> {
  const dispatcher = new Agent({ connections: WAITERS * 2 })
  const late: number[] = []
  const until = Date.now() + seconds * 1000
  try {
    await Promise.all(Array.from({ length: WAITERS }, async (_, user) => {
      while (Date.now() < until) {
        const posted = await request(`${api.url}/jobs`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor: 'syncVendor', user }) })
        const { request_id: id } = await posted.body.json() as { request_id: string }
        const res = await request(`${api.url}/jobs/${id}?wait=30`, { dispatcher })
        const answeredAt = Date.now()
        const job = await res.body.json() as { status: string, updated_at: string }
        if (job.status === 'complete') late.push(answeredAt - Date.parse(job.updated_at))
      }
    }))
  } finally {
    await dispatcher.close()
  }
  const sorted = late.sort((a, b) => a - b)
  return { samples: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN }
}

/** The seed's load test, polling then waiting, each as long as the mixed scenario; requests per job done for each. */
async function waitLoad (redis: BenchRedis, api: Service, s: Settings): Promise<WaitLoad> {
  const run = async (wait: boolean): Promise<Figures & { requestsPerJob: number }> => {
    await redis.client.flushall()
    const f = await mixed(api.url, s.mixedSeconds, s.warmupSeconds, { wait })
    const done = (f.flowsPerSec ?? 0) * f.seconds
    const figures = { ...f, requestsPerJob: done === 0 ? Number.NaN : f.requests / done }
    console.log(`${describe(wait ? '200 users waiting' : '200 users polling', f)}: ${figures.requestsPerJob.toFixed(1)} requests per job done`)
    return figures
  }
  return { polling: await run(false), waiting: await run(true) }
}

/** Issue #17's figures: batch intake against single POSTs, long-poll wake-up latency, and the load test with waits instead of polls. */
export async function tellingPhase (redis: BenchRedis, api: Service, s: Settings, want: (name: string) => boolean): Promise<Telling> {
  const res: Telling = {}
  if (want('batch')) res.intake = await intake(redis, api, s)
  if (want('wait-latency') || want('wait-load')) {
    await redis.client.flushall()
    const [worker] = await api.startWorkers(1)
    try {
      if (want('wait-latency')) {
        res.wakeUp = await wakeUp(api, s.mixedSeconds)
        console.log(`  long-poll wake-up, ${res.wakeUp.samples} jobs: p50 ${res.wakeUp.p50} ms, p99 ${res.wakeUp.p99} ms, max ${res.wakeUp.max} ms`)
      }
      if (want('wait-load')) res.load = await waitLoad(redis, api, s)
    } finally {
      await worker?.stop()
    }
  }
  return res
}
