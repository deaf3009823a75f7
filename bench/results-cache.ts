import { randomUUID } from 'node:crypto'
import { Agent, request } from 'undici'
import type { Service } from './stack.js'
import { CACHED_PATH, type Mocks, VENDORS } from './stack.js'

/** Jobs timed one after another on each path; the coalescing round submits this many identical jobs at once. */
const SAMPLES = 300
const IDENTICAL = 1_000

interface Latency {
  samples: number
  p50: number
  p99: number
}

export interface CacheBench {
  /** POST of a job with a key never seen to its end (one vendor call), ms. */
  uncached: Latency
  /** POST of a job whose result is kept to its end (no call), ms. */
  hit: Latency
  /** IDENTICAL jobs submitted at once: calls the vendor received for them, and the time until all ended. */
  coalesced: { jobs: number, calls: number, seconds: number }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN
const latency = (ms: number[]): Latency => {
  const sorted = [...ms].sort((a, b) => a - b)
  return { samples: sorted.length, p50: Math.round(percentile(sorted, 0.5) * 10) / 10, p99: Math.round(percentile(sorted, 0.99) * 10) / 10 }
}

/**
 * The result cache against the uncached path, redis, the API and one worker apart: a POST timed until its
 * job reads as ended (GET ?wait=), with a fresh key (a call) or a kept one (none); then IDENTICAL
 * identical jobs at once, their calls counted at the mock.
 */
export async function cachePhase (api: Service, mocks: Mocks): Promise<CacheBench> {
  const [worker] = await api.startWorkers(1)
  const agent = new Agent({ connections: 100 })
  const headers = { 'content-type': 'application/json' }
  const submit = async (body: object): Promise<string> => {
    const res = await request(`${api.url}/jobs`, { method: 'POST', dispatcher: agent, headers, body: JSON.stringify({ vendor: VENDORS.cached, ...body }) })
    const json = await res.body.json() as { request_id?: string }
    if (res.statusCode !== 202 || json.request_id === undefined) throw new Error(`POST /jobs answered ${res.statusCode}`)
    return json.request_id
  }
  const ended = async (id: string): Promise<void> => {
    for (;;) {
      const job = await (await request(`${api.url}/jobs/${id}?wait=30`, { dispatcher: agent })).body.json() as { status: string }
      if (job.status === 'complete' || job.status === 'failed') return
    }
  }
  const timed = async (body: () => object): Promise<number[]> => {
    const ms: number[] = []
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now()
      await ended(await submit(body()))
      ms.push(performance.now() - started)
    }
    return ms
  }
  const calls = async (): Promise<number> => (await (await request(`${mocks.syncUrl}/admin/stats?path=${CACHED_PATH}`)).body.json() as { received: number }).received
  try {
    const run = randomUUID()
    const uncached = await timed(() => ({ type: 'user_data', userId: randomUUID() }))
    await ended(await submit({ type: 'user_data', userId: run }))
    const hit = await timed(() => ({ type: 'user_data', userId: run }))
    const before = await calls()
    const started = performance.now()
    const ids = await Promise.all(Array.from({ length: IDENTICAL }, () => submit({ type: 'user_data', userId: `${run}-same` })))
    await Promise.all(ids.map(ended))
    const seconds = (performance.now() - started) / 1000
    return { uncached: latency(uncached), hit: latency(hit), coalesced: { jobs: IDENTICAL, calls: await calls() - before, seconds: Math.round(seconds * 100) / 100 } }
  } finally {
    await agent.close()
    await worker?.stop()
  }
}

export function cacheRows (c: CacheBench | undefined): string[] {
  if (c === undefined) return ['| result cache | not run | | | | | | | | | |']
  return [
    `| POST to complete, a key never seen (one call), redis, 1 worker | ${c.uncached.samples} jobs | ${c.uncached.p50} | | ${c.uncached.p99} | | | | | | |`,
    `| POST to complete, a cache hit (no call), redis, 1 worker | ${c.hit.samples} jobs | ${c.hit.p50} | | ${c.hit.p99} | | | the key never seen | ${(c.uncached.p99 / c.hit.p99).toFixed(2)}x faster at p99 | reported (#16) | |`,
    `| ${c.coalesced.jobs.toLocaleString('en-US')} identical jobs at once, redis, 1 worker | ${c.coalesced.calls} vendor call(s), all ended in ${c.coalesced.seconds} s | | | | | | | | 1 call | ${c.coalesced.calls === 1 ? 'met' : '**missed**'} |`
  ]
}
