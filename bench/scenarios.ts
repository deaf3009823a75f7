import { randomUUID } from 'node:crypto'
import { type Figures, getJobs, mixed, postJobs } from './load.js'
import { type Child, freePort, healthy, startNode } from './processes.js'
import { type BenchRedis, commandCost, fillJobs, startRedis, usedMemory } from './redis.js'
import { type Mocks, postViaApi, profileArgs, type Service, startService } from './stack.js'
import { medianOf, type Rounds } from './throughput.js'

export interface Settings {
  /** One measured autocannon run; each HTTP scenario has `rounds` of them, interleaved with the others. */
  seconds: number
  rounds: number
  warmupSeconds: number
  mixedSeconds: number
  /** Jobs created before a GET run, which spreads its requests over them. */
  getIds: number
  /** Jobs per end-to-end batch, after a warm-up batch of `warmJobs`. */
  syncJobs: number
  asyncJobs: number
  warmJobs: number
  /** Jobs stored and queued before the scaling runs: 1,000,000 in a full run. */
  scaleJobs: number
  /** Jobs in the batch whose Redis calls are counted, per side. */
  countJobs: number
  /** Fairness: jobs per second posted to the flowing vendor, for `flowSeconds`, over `backlog` jobs queued on the limited one. */
  flowRate: number
  flowSeconds: number
  backlog: number
  profileDir?: string
}

export interface Memory {
  jobs: number
  bytesPerJob: number
  usedBefore: number
  usedAfter: number
  fillPerSec: number
  /** Redis's CPU µs per EVALSHA and HGETALL over the rounds, at 0 and at `jobs` stored. */
  redisUsecPerCall?: { zero: Record<string, number>, scaled: Record<string, number> }
}

export type Http = Record<string, Rounds<Figures>>

interface Target {
  key: string
  run (seconds: number): Promise<Figures>
  before? (): Promise<void>
}

export function describe (what: string, f: Figures): string {
  const flows = f.flowsPerSec === undefined ? '' : `, ${f.flowsPerSec.toFixed(0)} jobs done/s`
  return `  ${what}: ${f.reqPerSec.toFixed(0)} req/s, p50 ${f.p50} ms, p97.5 ${f.p97_5} ms, p99 ${f.p99} ms, ${f.errors} errors, ${f.non2xx} non-2xx${flows}`
}

/** Redis at scale: a second Redis and API with `n` jobs stored and queued first, for side-by-side runs. */
async function scaled (mocks: Mocks, s: Settings, stop: Array<() => Promise<void>>): Promise<{ redis: BenchRedis, service: Service, ids: string[], memory: Memory }> {
  const redis = await startRedis('scaled redis')
  stop.push(() => redis.stop())
  const usedBefore = await usedMemory(redis.client)
  const started = Date.now()
  const ids = await fillJobs(redis.url, s.scaleJobs, 'syncVendor')
  const fillPerSec = s.scaleJobs / ((Date.now() - started) / 1000)
  const usedAfter = await usedMemory(redis.client)
  const memory = { jobs: s.scaleJobs, bytesPerJob: (usedAfter - usedBefore) / s.scaleJobs, usedBefore, usedAfter, fillPerSec }
  console.log(`  stored and queued ${s.scaleJobs} jobs at ${fillPerSec.toFixed(0)} jobs/s: ${memory.bytesPerJob.toFixed(0)} bytes of Redis memory per job`)
  const service = await startService('api redis scaled', mocks, { redisUrl: redis.url, profileDir: s.profileDir })
  stop.push(() => service.api.stop())
  return { redis, service, ids, memory }
}

/**
 * Every HTTP scenario's servers run side by side (idle ones cost nothing), and the scenarios take turns
 * round by round, so that a change in the machine's load hits each of them alike. Redis mode at 0 jobs is
 * flushed before each of its runs; the scaled Redis keeps its jobs (and gains those posted).
 */
export async function httpPhase (mocks: Mocks, redis: BenchRedis | undefined, api: Service | undefined, s: Settings, want: (name: string) => boolean): Promise<{ http: Http, memory?: Memory }> {
  const targets: Target[] = []
  const stop: Array<() => Promise<void>> = []
  let memory: Memory | undefined
  let big: Awaited<ReturnType<typeof scaled>> | undefined
  try {
    if (want('baseline')) {
      const port = await freePort()
      const child: Child = startNode('baseline', 'bench/baseline.ts', { PORT: String(port), HOST: '127.0.0.1' }, profileArgs(s.profileDir, 'baseline'))
      stop.push(() => child.stop())
      const url = `http://127.0.0.1:${port}`
      await healthy(child, `${url}/health`)
      const ids = Array.from({ length: s.getIds }, () => randomUUID())
      targets.push({ key: 'baselinePost', run: (sec) => postJobs(url, sec) }, { key: 'baselineGet', run: (sec) => getJobs(url, ids, sec) })
    }
    if (want('embedded')) {
      const service = await startService('api embedded', mocks, { profileDir: s.profileDir })
      stop.push(() => service.api.stop())
      const ids = await postViaApi(service.url, s.getIds)
      targets.push({ key: 'embeddedPost', run: (sec) => postJobs(service.url, sec) }, { key: 'embeddedGet', run: (sec) => getJobs(service.url, ids, sec) })
    }
    if (want('metrics')) {
      // The same intake with and without metrics, side by side: what /metrics costs POST /jobs.
      for (const [key, metrics] of [['metricsOffPost', 'off'], ['metricsOnPost', 'on']] as const) {
        const service = await startService(`api embedded, METRICS=${metrics}`, mocks, { profileDir: s.profileDir, env: { METRICS: metrics } })
        stop.push(() => service.api.stop())
        targets.push({ key, run: (sec) => postJobs(service.url, sec) })
      }
    }
    if (redis !== undefined && api !== undefined) {
      let ids: string[] = []
      if (want('redis-post')) targets.push({ key: 'redisPost', before: async () => { await redis.client.flushall() }, run: (sec) => postJobs(api.url, sec) })
      if (want('redis-get')) {
        const before = async (): Promise<void> => {
          await redis.client.flushall()
          ids = await fillJobs(redis.url, s.getIds, 'syncVendor')
        }
        targets.push({ key: 'redisGet', before, run: (sec) => getJobs(api.url, ids, sec) })
      }
    }
    if (want('scale-post') || want('scale-get')) {
      big = await scaled(mocks, s, stop)
      const { service, ids } = big
      memory = big.memory
      if (want('scale-post')) targets.push({ key: 'redisPostScaled', run: (sec) => postJobs(service.url, sec) })
      if (want('scale-get')) targets.push({ key: 'redisGetScaled', run: (sec) => getJobs(service.url, ids, sec) })
    }
    const rounds = new Map<string, Figures[]>(targets.map(({ key }) => [key, []]))
    for (const t of targets) {
      await t.before?.()
      await t.run(s.warmupSeconds)
    }
    await Promise.all([redis, big?.redis].map((r) => r?.client.config('RESETSTAT')))
    for (let r = 1; r <= s.rounds; r++) {
      for (const t of targets) {
        await t.before?.()
        const f = await t.run(s.seconds)
        rounds.get(t.key)?.push(f)
        console.log(describe(`${t.key}, round ${r}`, f))
      }
    }
    const http: Http = {}
    for (const [key, list] of rounds) http[key] = medianOf(list)
    if (memory !== undefined && big !== undefined && redis !== undefined) {
      memory.redisUsecPerCall = { zero: await commandCost(redis.client), scaled: await commandCost(big.redis.client) }
    }
    return { http, ...(memory === undefined ? {} : { memory }) }
  } finally {
    for (const fn of stop.reverse()) await fn()
  }
}

/** The seed's mixed load on the Redis-mode API with one standalone worker. */
export async function mixedPhase (redis: BenchRedis, api: Service, s: Settings): Promise<Rounds<Figures>> {
  await redis.client.flushall()
  const [worker] = await api.startWorkers(1)
  try {
    const f = await mixed(api.url, s.mixedSeconds, s.warmupSeconds)
    console.log(describe('mixed', f))
    return medianOf([f])
  } finally {
    await worker?.stop()
  }
}
