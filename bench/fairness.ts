import { setTimeout as sleep } from 'node:timers/promises'
import { redisKeys } from '../core/backends/redis/keys.js'
import { DEFAULT_TEAM } from '../core/job.js'
import { median, STALL_MS } from './throughput.js'
import { type BenchRedis, countStatus, openFiller } from './redis.js'
import type { Settings } from './scenarios.js'
import { type Service, SLOW_RATE, VENDORS } from './stack.js'

/** Times from POST to complete of one flow of jobs, ms. */
interface Latency {
  jobs: number
  completed: number
  p50: number
  p97_5: number
  p99: number
  max: number
}

export interface Fairness {
  /** Jobs per second posted to the flowing vendor, for `seconds`. */
  flowRate: number
  seconds: number
  /** The limited vendor's jobs queued before the loaded flow. */
  backlog: number
  /** Its rate limit, and the rate it was delivered at while the loaded flow ran. */
  limitedRate: number
  limitedDelivered: number
  /** Its jobs still queued when the loaded flow ended. */
  limitedLeft: number
  unloaded: Latency
  loaded: Latency
}

const JSON_HEADERS = { 'content-type': 'application/json' }

function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN
}

/**
 * Posts `rate` jobs a second to the flowing vendor through the API for `seconds`, waits until they are
 * complete, and reads each one's completion time (its hash's updatedAt, written when it completed):
 * time from just before its POST was sent to its completion.
 */
async function flow (redis: BenchRedis, api: Service, rate: number, seconds: number): Promise<Latency> {
  const n = Math.max(1, Math.round(rate * seconds))
  const interval = 1000 / rate
  const sent: Array<Promise<{ id: string, at: number } | undefined>> = []
  const start = performance.now()
  const before = await countStatus(redis.client, VENDORS.sync, 'complete')
  for (let i = 0; i < n; i++) {
    const due = start + i * interval - performance.now()
    if (due > 0) await sleep(due)
    const at = Date.now()
    sent.push(fetch(`${api.url}/jobs`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ vendor: VENDORS.sync, type: 'user_data', userId: i + 1 })
    }).then(async (res) => {
      const body = await res.json() as { request_id?: string }
      return res.status === 202 && body.request_id !== undefined ? { id: body.request_id, at } : undefined
    }, () => undefined))
  }
  const posted = (await Promise.all(sent)).filter((p) => p !== undefined)
  // Until all are listed complete, or none more was for STALL_MS (their hashes are read below either way).
  let done = 0
  for (let moved = Date.now(); done < posted.length && Date.now() - moved < STALL_MS; await sleep(20)) {
    const now = await countStatus(redis.client, VENDORS.sync, 'complete') - before
    if (now > done) moved = Date.now()
    done = now
  }
  const keys = redisKeys()
  const pipeline = redis.client.pipeline()
  for (const { id } of posted) pipeline.hmget(keys.job(id), 'status', 'updatedAt')
  const replies = await pipeline.exec() ?? []
  const times: number[] = []
  posted.forEach(({ at }, i) => {
    const [status, updatedAt] = (replies[i]?.[1] ?? []) as Array<string | null>
    if (status === 'complete' && updatedAt !== null && updatedAt !== undefined) times.push(Number(updatedAt) - at)
  })
  times.sort((a, b) => a - b)
  return { jobs: n, completed: times.length, p50: median(times), p97_5: percentile(times, 0.975), p99: percentile(times, 0.99), max: times.at(-1) ?? Number.NaN }
}

/**
 * Fairness: one worker; the flowing vendor's jobs posted at a steady modest rate, first alone
 * (unloaded), then while a deep backlog waits on the limited vendor (`slowVendor`, the sync mock at
 * SLOW_RATE/s), queued first with the service's create-job script. Per-vendor queues should keep the
 * flowing vendor's times near its unloaded ones, and the limited vendor delivered at its limit.
 */
export async function fairnessPhase (redis: BenchRedis, api: Service, s: Settings): Promise<Fairness> {
  await redis.client.flushall()
  const [worker] = await api.startWorkers(1)
  const filler = await openFiller(redis.url, [VENDORS.sync, VENDORS.slow])
  try {
    await flow(redis, api, s.flowRate, s.warmupSeconds)
    const unloaded = await flow(redis, api, s.flowRate, s.flowSeconds)
    console.log(`  fairness, unloaded: ${unloaded.completed}/${unloaded.jobs} complete, p50 ${unloaded.p50} ms, p97.5 ${unloaded.p97_5} ms, p99 ${unloaded.p99} ms, max ${unloaded.max} ms`)
    await filler.fill(s.backlog, VENDORS.slow, false)
    // The limited vendor's burst spent: it runs at its rate before the flow starts.
    await sleep(1_000)
    const slowBefore = await countStatus(redis.client, VENDORS.slow, 'complete')
    const started = Date.now()
    const loaded = await flow(redis, api, s.flowRate, s.flowSeconds)
    const elapsed = (Date.now() - started) / 1000
    const slowDone = await countStatus(redis.client, VENDORS.slow, 'complete') - slowBefore
    const limitedLeft = await redis.client.llen(redisKeys().vendor(VENDORS.slow).ready(DEFAULT_TEAM))
    const limitedDelivered = slowDone / elapsed
    console.log(`  fairness, ${s.backlog} jobs queued on ${VENDORS.slow}: ${loaded.completed}/${loaded.jobs} complete, p50 ${loaded.p50} ms, p97.5 ${loaded.p97_5} ms, p99 ${loaded.p99} ms, max ${loaded.max} ms;` +
      ` ${VENDORS.slow} delivered ${limitedDelivered.toFixed(1)}/s (limit ${SLOW_RATE}/s), ${limitedLeft} left`)
    return { flowRate: s.flowRate, seconds: s.flowSeconds, backlog: s.backlog, limitedRate: SLOW_RATE, limitedDelivered, limitedLeft, unloaded, loaded }
  } finally {
    await worker?.stop()
    await filler.close()
    await redis.client.flushall()
  }
}
