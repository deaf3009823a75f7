import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test, test } from 'tap'
import { request } from 'undici'
import { SECRETS } from '../dialects.js'
import { freePort, SECRET } from '../helper.js'
import { skipWithoutRedisCluster } from '../redis-cluster.js'
import { skipWithoutRedis } from '../redis-server.js'
import { healthy, startProcess } from './processes.js'
import { type Stack, startStack } from './stack.js'

const CAPPED_KEY = 'capped-key-0123456789abcde'
const CALM_KEY = 'calm-key-0123456789abcdefg'
/** A call of `billed` costs 0.01; the capped team may spend 0.1 in 30 days: ten calls. */
const PER_CALL = 0.01
const LIMIT = 0.1
const CALLS = 10
const JOBS = 40

interface Answer { status: number, body: { request_id?: string, code?: string } }

async function post (base: string, key: string, body: Record<string, unknown>): Promise<Answer> {
  const res = await request(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) })
  return { status: res.statusCode, body: await res.body.json() as Answer['body'] }
}

async function get<T> (url: string, key?: string): Promise<T> {
  const res = await request(url, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } })
  return await res.body.json() as T
}

/** Polls the jobs until each has ended, and answers them as GET /jobs/{id} shows them. */
async function ended (base: string, ids: string[]): Promise<Array<{ status: string, error?: string, cost?: number }>> {
  return Promise.all(ids.map(async (id) => get<{ status: string, error?: string, cost?: number }>(`${base}/jobs/${id}?wait=60`, CAPPED_KEY)))
}

/**
 * Three standalone workers and two API processes on one Redis (or a Cluster); 40 jobs of a team whose
 * budget pays for 10 calls, posted through both APIs at once.
 */
async function overspendRun (t: Test, cluster: boolean): Promise<void> {
  // Not in t.testdir(): the stack makes that directory afresh.
  const dir = mkdtempSync(join(tmpdir(), 'vfs-budget-'))
  const teamsFile = join(dir, 'teams.json')
  const vendorsFile = join(dir, 'vendors.json')
  writeFileSync(teamsFile, JSON.stringify({
    capped: { keys: [{ env: 'CAPPED_KEY' }], budget: { limit: LIMIT, window: '30d' } },
    calm: { keys: [{ env: 'CALM_KEY' }] }
  }))
  const env = { TEAMS_FILE: teamsFile, CAPPED_KEY, CALM_KEY }
  const stack: Stack = await startStack(t, {
    cluster,
    env,
    vendors: ({ sync }) => ({ billed: { mode: 'sync', url: `${sync}/billed`, rateLimit: { perSecond: 500, burst: 100 }, cost: { perCall: PER_CALL } } }),
    // A copy for the second API process, which reads the same vendors.
    rewrite: async (entries) => {
      writeFileSync(vendorsFile, JSON.stringify(entries))
      return entries
    }
  })
  await Promise.all([stack.startWorker(), stack.startWorker(), stack.startWorker()])
  // A second API on the stack's settings.
  const port = await freePort()
  const second = `http://127.0.0.1:${port}`
  await healthy(startProcess(t, 'server.ts', {
    REDIS_URL: stack.redis.url, REDIS_CLUSTER: String(cluster), VENDORS_FILE: vendorsFile, PUBLIC_URL: second, HOST: '127.0.0.1',
    ASYNC_VENDOR_SECRET: SECRET, ...SECRETS, ...env, PORT: String(port), WORKER: 'off'
  }), second)
  const apis = [stack.base, second]

  const answers = await Promise.all(Array.from({ length: JOBS }, (_, i) => post(apis[i % 2] as string, CAPPED_KEY, { vendor: 'billed', n: i })))
  const calm = await Promise.all(Array.from({ length: 10 }, (_, i) => post(apis[i % 2] as string, CALM_KEY, { vendor: 'billed', n: i })))
  const accepted = answers.flatMap((a) => a.body.request_id === undefined ? [] : [a.body.request_id])
  const refused = answers.filter((a) => a.status !== 202)
  t.ok(refused.every((a) => a.status === 402 && a.body.code === 'VFS_ERR_BUDGET_EXHAUSTED'), `every refusal is 402 VFS_ERR_BUDGET_EXHAUSTED (${refused.length} refused)`)
  t.same(calm.map((a) => a.status), Array(10).fill(202), 'the other team is not refused')

  const jobs = await ended(stack.base, accepted)
  const received = (await stack.arrivals(stack.syncVendor, accepted)).length
  t.ok(received <= CALLS, `the vendor received ${received} calls of the team, at most the ${CALLS} its budget pays for`)
  // Forty jobs need a call each: every call the budget pays for is made.
  t.equal(received, CALLS, 'and it received every call the budget paid for')
  const complete = jobs.filter((j) => j.status === 'complete')
  t.equal(complete.length, received, 'each call completed its job')
  t.ok(complete.every((j) => j.cost === PER_CALL), 'a job shows what it cost')
  const failed = jobs.filter((j) => j.status !== 'complete')
  t.ok(failed.every((j) => j.status === 'failed' && j.error?.startsWith('VFS_ERR_BUDGET_EXHAUSTED') === true && j.cost === undefined),
    `the rest failed with the budget's code without a call (${failed.length})`)
  t.equal(refused.length + failed.length, JOBS - received, 'every job the budget could not pay for was refused or failed')

  const me = await get<{ budget: { limit: number, spent: number, remaining: number }, vendors: Array<{ name: string, spend?: number }> }>(`${second}/teams/me`, CAPPED_KEY)
  t.equal(me.budget.spent.toFixed(6), (received * PER_CALL).toFixed(6), 'the team\'s spend shows what the vendor received')
  t.equal(me.vendors.find((v) => v.name === 'billed')?.spend?.toFixed(6), (received * PER_CALL).toFixed(6))
  const vendor = await get<{ spend: { teams: Record<string, number> } }>(`${stack.base}/vendors/billed`, CAPPED_KEY)
  t.equal(vendor.spend.teams.capped?.toFixed(6), (received * PER_CALL).toFixed(6), 'GET /vendors/billed shows the team its spend')
  const metrics = await Promise.all(stack.workers.map(async (w) => (await request(`${w.url}/metrics`)).body.text()))
  const counted = metrics.flatMap((text) => [...text.matchAll(/^vfs_spend_total\{[^}]*team="capped"[^}]*\} (\S+)$/gm)].map((m) => Number(m[1])))
  t.equal(counted.reduce((a, b) => a + b, 0).toFixed(6), (received * PER_CALL).toFixed(6), 'vfs_spend_total, summed over the workers')

  const after = await post(second, CAPPED_KEY, { vendor: 'billed' })
  t.same([after.status, after.body.code], [402, 'VFS_ERR_BUDGET_EXHAUSTED'], 'once spent, a new job is refused at once')
  const calmJobs = await Promise.all(calm.map(async (a) => get<{ status: string }>(`${stack.base}/jobs/${a.body.request_id}?wait=60`, CALM_KEY)))
  t.same(calmJobs.map((j) => j.status), Array(10).fill('complete'), 'the other team\'s jobs all completed')
}

test('three workers and two APIs never spend past a team\'s budget: the vendor receives at most what it pays for, the rest is refused or failed', { skip: skipWithoutRedis(t), timeout: 180_000 }, async (t) => {
  await overspendRun(t, false)
})

test('the same on a Redis Cluster', { skip: skipWithoutRedisCluster(t), timeout: 240_000 }, async (t) => {
  await overspendRun(t, true)
})
