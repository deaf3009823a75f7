import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import tap, { test } from 'tap'
import { startEchoVendor } from '../echo-vendor.js'
import { buildTestApp, testConfig, type TestContext } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const skipRedis = skipWithoutRedis(tap)
const KEYS = { GROWTH_KEY: 'growth-key-aaaaaaaaaaaaaaaa', RISK_KEY: 'risk-key-cccccccccccccccccccc' }
const ADMIN_TOKEN = 'admin-token-bbbbbbbbbbbbbbbbbbbb'
const growth = { authorization: `Bearer ${KEYS.GROWTH_KEY}` }
const risk = { authorization: `Bearer ${KEYS.RISK_KEY}` }
/** A call costs 0.01 and a result 0.02: growth's 0.1 an hour pays for one failed call and three results. */
const COST = { perCall: 0.01, perResult: 0.02 }

const ended = async (app: FastifyInstance, id: string, headers: Record<string, string>) =>
  (await app.inject({ method: 'GET', url: `/jobs/${id}?wait=10`, headers })).json()
const submit = async (app: FastifyInstance, vendor: string, headers: Record<string, string> = growth) => app.inject({ method: 'POST', url: '/jobs', headers, payload: { vendor } })

for (const mode of ['embedded', 'redis'] as const) {
  const skip = mode === 'redis' ? skipRedis : false
  const build = async (t: TestContext & { testdir (): string }): Promise<FastifyInstance> => {
    const redis = mode === 'redis' ? await redisFor(t) : undefined
    const file = join(t.testdir(), 'teams.json')
    writeFileSync(file, JSON.stringify({ growth: { keys: [{ env: 'GROWTH_KEY' }], budget: { limit: 0.1, window: '1h' } }, risk: { keys: [{ env: 'RISK_KEY' }] } }))
    const echo = await startEchoVendor(t)
    const env = { TEAMS_FILE: file, ADMIN_TOKEN, ...KEYS, ...(redis === undefined ? {} : { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }) }
    return buildTestApp(t, testConfig(env, {
      paid: { mode: 'sync', url: echo, request: { path: "'/200'" }, cost: COST },
      refusing: { mode: 'sync', url: echo, request: { path: "'/400'" }, cost: COST }
    }))
  }

  test(`${mode}: calls are charged as they happen, a team is refused with 402 once its budget cannot pay for one more call, and another team goes on`, { skip }, async (t) => {
    const app = await build(t)
    const first = (await submit(app, 'refusing', { ...growth, 'idempotency-key': 'first' })).json().request_id as string
    const refused = await ended(app, first, growth)
    t.match(refused, { status: 'failed', cost: 0.01 }, 'a call without a result costs the call only')
    const paid = await Promise.all([1, 2, 3].map(async () => (await submit(app, 'paid')).json().request_id as string))
    for (const id of paid) t.match(await ended(app, id, growth), { status: 'complete', cost: 0.03 }, 'a result costs its call and its result')

    const me = (await app.inject({ method: 'GET', url: '/teams/me', headers: growth })).json()
    t.match(me.budget, { limit: 0.1, window: 3_600_000 })
    t.equal(me.budget.spent.toFixed(6), '0.100000')
    t.equal(me.budget.remaining.toFixed(6), '0.000000')
    t.same(me.vendors.map((v: { name: string, spend: number }) => [v.name, v.spend.toFixed(2)]).filter(([, s]: string[]) => s !== '0.00'), [['paid', '0.09'], ['refusing', '0.01']])

    // The submit's check stands for a moment; past it, the spend is read again.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const over = await submit(app, 'paid')
    t.equal(over.statusCode, 402)
    t.same(over.json(), { statusCode: 402, code: 'VFS_ERR_BUDGET_EXHAUSTED', error: 'Payment Required', message: 'team growth cannot afford another call of paid within its budget (TEAMS_FILE budget)' })
    const retried = await submit(app, 'refusing', { ...growth, 'idempotency-key': 'first' })
    t.same([retried.statusCode, retried.json()], [200, { request_id: first }], 'a retry of a job accepted before answers that job, not 402')
    const batch = await app.inject({ method: 'POST', url: '/jobs/batch', headers: growth, payload: { jobs: [{ vendor: 'paid' }, { vendor: 'nobody' }] } })
    t.match(batch.json().jobs, [{ error: { statusCode: 402, code: 'VFS_ERR_BUDGET_EXHAUSTED' } }, { error: { statusCode: 400 } }], 'a batch refuses its items the budget cannot pay for')

    const theirs = await submit(app, 'paid', risk)
    t.equal(theirs.statusCode, 202, 'a team without a budget is not refused')
    t.match(await ended(app, theirs.json().request_id, risk), { status: 'complete', cost: 0.03 })
    const vendor = (await app.inject({ method: 'GET', url: '/vendors/paid', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()
    t.same(vendor.config.cost, COST)
    t.same(Object.keys(vendor.spend.teams).sort(), ['growth', 'risk'], 'the admin sees every team\'s spend')
    t.equal(vendor.spend.teams.growth.toFixed(6), '0.090000')
    t.equal(vendor.spend.total.toFixed(6), '0.120000')
    const own = (await app.inject({ method: 'GET', url: '/vendors/paid', headers: risk })).json()
    t.same([Object.keys(own.spend.teams), own.spend.teams.risk.toFixed(6), own.spend.total.toFixed(6)], [['risk'], '0.030000', '0.030000'],
      'a team sees its own spend, not another team\'s, nor a total that would tell it')
    const anyone = (await app.inject({ method: 'GET', url: '/vendors' })).json()
    t.same(anyone.vendors.find((v: { name: string }) => v.name === 'paid').spend, { total: 0, teams: {} }, 'without a key: no team\'s spend')
    const unknown = await app.inject({ method: 'GET', url: '/vendors/paid', headers: { authorization: 'Bearer nobody-key-xxxxxxxxxxxxxxxx' } })
    t.same([unknown.statusCode, unknown.json().code, unknown.headers['www-authenticate']], [401, 'VFS_ERR_UNAUTHENTICATED', 'Bearer realm="vfs", error="invalid_token"'], 'a key no team has is a 401')
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    t.match(metrics, /^vfs_spend_total\{vendor="paid",team="growth"\} 0\.09\d*$/m)
  })
}
