import { setTimeout as sleep } from 'node:timers/promises'
import { redisKeys } from '../core/backends/redis/keys.js'
import { DEFAULT_TEAM } from '../core/job.js'
import type { Child } from './processes.js'
import { type BenchRedis, countStatus, openFiller } from './redis.js'
import type { Settings } from './scenarios.js'
import { type Mocks, type Service, SLOW_RATE, VENDORS } from './stack.js'
import { describe, median, medianOf, type Pipeline, type Rounds, type Throughput, throughput } from './throughput.js'

export interface TeamsBench {
  /** Completed jobs/s through one worker: every job of one team, and jobs spread over 100 teams, in interleaved rounds. */
  oneTeam: Rounds<Throughput>
  hundredTeams: Rounds<Throughput>
  /** A small team's jobs on the limited vendor, beside a large team's backlog there: submission to completion, ms. */
  small: { jobs: number, completed: number, p50: number, p99: number, max: number, backlog: number }
  /** Two teams backlogged on the limited vendor, weights 3 and 1: the first team's share of the calls, and the calls counted. */
  split: { share: number, calls: number }
}

const HUNDRED = Array.from({ length: 100 }, (_, i) => `team-${String(i).padStart(3, '0')}`)

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN
}

/** How many of these jobs are complete now, and their completion times (updatedAt) less their submission (createdAt). */
async function completed (redis: BenchRedis, ids: string[]): Promise<number[]> {
  const keys = redisKeys()
  const pipeline = redis.client.pipeline()
  for (const id of ids) pipeline.hmget(keys.job(id), 'status', 'createdAt', 'updatedAt')
  const replies = await pipeline.exec() ?? []
  return replies.flatMap(([, reply]) => {
    const [status, created, updated] = reply as Array<string | null>
    return status === 'complete' ? [Number(updated) - Number(created)] : []
  })
}

/**
 * Teams (issue #15): (1) the cost of sharing a vendor between teams: one worker, the sync vendor's jobs all
 * of one team against jobs spread over 100 teams of equal weight, in interleaved rounds (target: at least
 * 0.9x; open mode is itself one team, `default`, so one team against teams off is the same path); (2) a
 * small team's jobs on the limited vendor, a few a second, beside a large team's backlog there (target: its
 * p99 about one fair interval, not the backlog's length); (3) the split of the limited vendor between two
 * backlogged teams of weights 3 and 1 (target 75%, within 10 points).
 */
export async function teamsPhase (redis: BenchRedis, service: Service, mocks: Mocks, s: Settings): Promise<TeamsBench> {
  await redis.client.flushall()
  const weights = new Map([['heavy', 3], ['light', 1]])
  const filler = await openFiller(redis.url, [VENDORS.sync, VENDORS.slow], (team) => weights.get(team) ?? 1)
  let workers: Child[] = []
  try {
    workers = await service.startWorkers(1)
    const pipeline = (name: string, teams: string[]): Pipeline => ({
      name,
      fill: async (n) => { await filler.fill(n, VENDORS.sync, false, teams) },
      completed: () => countStatus(redis.client, VENDORS.sync, 'complete'),
      failed: () => countStatus(redis.client, VENDORS.sync, 'failed'),
      unfinished: async () => `${await redis.client.zcard(redisKeys().vendor(VENDORS.sync).status('pending'))} pending`
    })
    const sides = [{ key: 'oneTeam', pipeline: pipeline('one team', [DEFAULT_TEAM]) }, { key: 'hundredTeams', pipeline: pipeline('100 teams', HUNDRED) }]
    const rounds = new Map<string, Throughput[]>(sides.map(({ key }) => [key, []]))
    for (const { pipeline: p } of sides) await throughput(p, s.warmJobs)
    for (let r = 1; r <= s.rounds; r++) {
      for (const { key, pipeline: p } of sides) {
        await mocks.reset()
        const t = await throughput(p, s.syncJobs)
        rounds.get(key)?.push(t)
        console.log(describe(`teams, ${key}, round ${r}`, t))
      }
    }

    // A large team's backlog on the limited vendor, then a small team's jobs at 2 a second beside it.
    await filler.fill(s.backlog, VENDORS.slow, false, 'large')
    await sleep(1_000)
    const small: string[] = []
    for (let i = 0; i < 2 * s.flowSeconds; i++) {
      small.push(...await filler.fill(1, VENDORS.slow, true, 'small'))
      await sleep(500)
    }
    for (const until = Date.now() + 5_000; (await completed(redis, small)).length < small.length && Date.now() < until;) await sleep(50)
    const times = (await completed(redis, small)).sort((a, b) => a - b)
    const smallResult = { jobs: small.length, completed: times.length, p50: median(times), p99: percentile(times, 0.99), max: times.at(-1) ?? Number.NaN, backlog: s.backlog }
    console.log(`  teams, a small team beside ${s.backlog} of a large team's jobs on ${VENDORS.slow} (${SLOW_RATE}/s): ${times.length}/${small.length} complete, p50 ${smallResult.p50} ms, p99 ${smallResult.p99} ms`)

    // Two backlogged teams of weights 3 and 1 on the same vendor, for a while: how its calls split.
    await redis.client.flushall()
    const [heavy, light] = [await filler.fill(SLOW_RATE * 20, VENDORS.slow, true, 'heavy'), await filler.fill(SLOW_RATE * 20, VENDORS.slow, true, 'light')]
    await sleep(s.flowSeconds * 1000)
    const [h, l] = [(await completed(redis, heavy)).length, (await completed(redis, light)).length]
    const split = { share: h / Math.max(1, h + l), calls: h + l }
    console.log(`  teams, weights 3 and 1 on ${VENDORS.slow}: the heavier team had ${(100 * split.share).toFixed(1)}% of ${split.calls} calls`)
    return { oneTeam: medianOf(rounds.get('oneTeam') ?? []), hundredTeams: medianOf(rounds.get('hundredTeams') ?? []), small: smallResult, split }
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await filler.close()
    await redis.client.flushall()
  }
}
