import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { test } from 'tap'
import { request } from 'undici'
import { busiest, waitFor } from '../helper.js'
import { skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t, { stoppable: true })

const KEYS = {
  GROWTH_KEY: 'growth-key-0123456789abcdef',
  GROWTH_KEY_NEXT: 'growth-key-next-0123456789ab',
  RISK_KEY: 'risk-key-0123456789abcdef',
  SMALL_KEY: 'small-key-0123456789abcdef',
  CAPPED_KEY: 'capped-key-0123456789abcde'
}
const FAST = { perSecond: 5000, burst: 1000 }

/** Arrivals at the mock of the jobs posted by each team, from the mock's own per-request record. */
async function arrivalsOf (base: string, ids: string[]): Promise<number[]> {
  const times = await Promise.all(ids.map(async (id) => (await (await request(`${base}/admin/stats?request_id=${id}`)).body.json() as { times: number[] }).times))
  return times.flat().sort((a, b) => a - b)
}

test('teams share a vendor by weight at the vendor, a small team is not held behind a backlog, and a team quota holds while others flow', { skip, timeout: 240_000 }, async (t) => {
  // Not in t.testdir(): the stack makes that directory afresh.
  const teamsFile = join(mkdtempSync(join(tmpdir(), 'vfs-teams-')), 'teams.json')
  writeFileSync(teamsFile, JSON.stringify({
    growth: { keys: [{ env: 'GROWTH_KEY' }, { env: 'GROWTH_KEY_NEXT' }], weight: 3 },
    risk: { keys: [{ env: 'RISK_KEY' }] },
    small: { keys: [{ env: 'SMALL_KEY' }] },
    capped: { keys: [{ env: 'CAPPED_KEY' }], vendors: { quotaVendor: { quotas: [{ limit: 5, window: '3s' }] } } }
  }))
  const stack = await startStack(t, {
    vendors: ({ sync }) => ({
      shared: { mode: 'sync', url: `${sync}/shared`, rateLimit: { perSecond: 20, burst: 1 } },
      slowVendor: { mode: 'sync', url: `${sync}/slow`, rateLimit: { perSecond: 5, burst: 1 } },
      quotaVendor: { mode: 'sync', url: `${sync}/quota`, rateLimit: FAST }
    }),
    env: { TEAMS_FILE: teamsFile, ...KEYS }
  })
  const redis = stack.connect()
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  const mock = stack.syncVendor

  // Weights 3 and 1, both backlogged on one vendor; growth's jobs come through both of its keys.
  const [growth, risk] = await Promise.all([
    postMany(stack, 360, (i) => ({ vendor: 'shared', userId: i }), (i) => i % 2 === 0 ? KEYS.GROWTH_KEY : KEYS.GROWTH_KEY_NEXT),
    postMany(stack, 240, (i) => ({ vendor: 'shared', userId: i }), () => KEYS.RISK_KEY)
  ])
  // Thousands of one team's jobs on a slow vendor, then one of another team's.
  const bulk = await postMany(stack, 2000, (i) => ({ vendor: 'slowVendor', userId: i }), () => KEYS.RISK_KEY)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const posted = Date.now()
  const [smallJob] = await postMany(stack, 1, () => ({ vendor: 'slowVendor', userId: -1 }), () => KEYS.SMALL_KEY)
  // A team over its own quota on a vendor beside one that has none.
  const [capped, free] = await Promise.all([
    postMany(stack, 20, (i) => ({ vendor: 'quotaVendor', userId: i }), () => KEYS.CAPPED_KEY),
    postMany(stack, 20, (i) => ({ vendor: 'quotaVendor', userId: i }), () => KEYS.RISK_KEY)
  ])

  const smallDone = await waitFor(async () => {
    const res = await request(`${stack.base}/jobs/${smallJob}`, { headers: { authorization: `Bearer ${KEYS.SMALL_KEY}` } })
    const seen = await res.body.json() as { status: string, updated_at: string }
    return seen.status === 'complete' ? Date.parse(seen.updated_at) : undefined
  }, 30_000, 'the small team\'s job')
  t.ok(smallDone - posted < 3_000, `the small team's job completed ${smallDone - posted} ms after its POST, beside ${bulk.length} of another team's on a 5/s vendor`)

  await allEnded(stack, redis, [...growth, ...risk, ...capped, ...free], 120_000, ['shared', 'quotaVendor'])

  const [g, r] = [await arrivalsOf(mock, growth), await arrivalsOf(mock, risk)]
  t.same([g.length, r.length], [growth.length, risk.length], 'each job called once')
  // While both had work: from the first call until growth's backlog ran out.
  const start = Math.min(g[0] ?? 0, r[0] ?? 0)
  const bothUntil = g.at(-1) ?? 0
  for (let from = start; from + 10_000 <= bothUntil; from += 10_000) {
    const inG = g.filter((at) => at >= from && at < from + 10_000).length
    const inR = r.filter((at) => at >= from && at < from + 10_000).length
    const share = inG / (inG + inR)
    t.ok(Math.abs(share - 0.75) <= 0.1, `growth had ${(100 * share).toFixed(1)}% of the ${inG + inR} calls in the 10 s from +${from - start} ms (weight 3 to 1)`)
  }
  const alone = r.filter((at) => at > bothUntil)
  const aloneRate = (alone.length - 1) / (((alone.at(-1) ?? 0) - (alone[0] ?? 0)) / 1000)
  t.ok(alone.length >= 40 && aloneRate >= 0.9 * 20, `alone, risk got ${aloneRate.toFixed(2)} calls/s of the vendor's 20/s (${alone.length} calls)`)
  const shared = await (await request(`${mock}/admin/stats?path=/shared&window_ms=1000`)).body.json() as { maxInWindow: number }
  t.ok(shared.maxInWindow <= 20, `and the vendor's rate held in every sliding second (${shared.maxInWindow})`)

  const cappedAt = await arrivalsOf(mock, capped)
  const freeAt = await arrivalsOf(mock, free)
  t.ok(busiest(cappedAt, 3000) <= 5, `the capped team's busiest 3 s at the vendor held ${busiest(cappedAt, 3000)} calls (its quota 5)`)
  t.ok((freeAt.at(-1) ?? 0) - (freeAt[0] ?? 0) < 2000, 'the other team\'s jobs on the same vendor flowed meanwhile')
  t.ok((cappedAt.at(-1) ?? 0) - (cappedAt[0] ?? 0) >= 9000, 'while the capped team\'s took its quota\'s pace')
})
