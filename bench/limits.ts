import type { Child } from './processes.js'
import { type BenchRedis, countStatus, openFiller } from './redis.js'
import type { Settings } from './scenarios.js'
import { LIMITED, type Mocks, type Service, SLOW_RATE } from './stack.js'

/** One limited vendor's calls as its mock saw them. */
export interface Delivered {
  perSecond: number
  burst: number
  calls: number
  /** Calls per second over the backlog, from the first arrival to the last, the first burst left out. */
  delivered: number
  /** The most calls the mock saw in any sliding second, and what the vendor's bucket lets into one. */
  busiestSecond: number
  allowed: number
}

/**
 * Limits at the vendor (issue #20): two workers, a backlog on the sync mock at SLOW_RATE/s with a burst
 * of 1 and with a burst of 5, side by side; each vendor's delivered rate against its declared rate, and
 * the busiest sliding second the mock saw against what the bucket allows there (rate + burst - 1).
 */
export async function limitsPhase (redis: BenchRedis, service: Service, mocks: Mocks, s: Settings): Promise<Record<string, Delivered>> {
  await redis.client.flushall()
  await mocks.reset()
  const vendors = Object.keys(LIMITED)
  const filler = await openFiller(redis.url, vendors)
  let workers: Child[] = []
  try {
    workers = await service.startWorkers(2)
    const jobs = SLOW_RATE * s.flowSeconds * 2
    const ids = Object.fromEntries(await Promise.all(vendors.map(async (v) => [v, await filler.fill(jobs, v)] as const)))
    for (const until = Date.now() + 4 * s.flowSeconds * 1000; Date.now() < until;) {
      const done = await Promise.all(vendors.map((v) => countStatus(redis.client, v, 'complete')))
      if (done.every((d) => d >= jobs)) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const out: Record<string, Delivered> = {}
    for (const [vendor, { path, burst }] of Object.entries(LIMITED)) {
      const times = (await Promise.all((ids[vendor] ?? []).map(async (id) => (await (await fetch(`${mocks.syncUrl}/admin/stats?path=${path}&request_id=${id}`)).json() as { times: number[] }).times))).flat().sort((a, b) => a - b)
      const stats = await (await fetch(`${mocks.syncUrl}/admin/stats?path=${path}&window_ms=1000`)).json() as { received: number, maxInWindow: number }
      const span = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000
      out[vendor] = { perSecond: SLOW_RATE, burst, calls: stats.received, delivered: (times.length - burst) / span, busiestSecond: stats.maxInWindow, allowed: SLOW_RATE + burst - 1 }
      console.log(`  limits, ${vendor} (${SLOW_RATE}/s, burst ${burst}): ${out[vendor]?.delivered.toFixed(2)}/s delivered, busiest second at the mock ${stats.maxInWindow} (allowed ${SLOW_RATE + burst - 1})`)
    }
    return out
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await filler.close()
    await redis.client.flushall()
  }
}
