import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions } from 'fastify'
import tap, { test } from 'tap'
import { toHash } from '../../core/backends/redis/store.js'
import { redisKeys } from '../../core/backends/redis/keys.js'
import { buildLoggedTestApp, buildTestApp, startMocks, testConfig, type TestContext, waitFor } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

const skipRedis = skipWithoutRedis(tap)
const KEYS = {
  GROWTH_KEY: 'growth-key-aaaaaaaaaaaaaaaa',
  GROWTH_KEY_NEXT: 'growth-key-next-bbbbbbbbbbbb',
  RISK_KEY: 'risk-key-cccccccccccccccccccc',
  SLOW_KEY: 'slow-key-dddddddddddddddddddd'
}
const ADMIN_TOKEN = 'admin-token-eeeeeeeeeeeeeeee'
const SECRETS = [...Object.values(KEYS), ADMIN_TOKEN]
const TEAMS = {
  growth: { keys: [{ env: 'GROWTH_KEY' }, { env: 'GROWTH_KEY_NEXT' }], weight: 3, vendors: { syncVendor: { quotas: [{ limit: 1000, window: '1d' }] } } },
  risk: { keys: [{ env: 'RISK_KEY' }] },
  slow: { keys: [{ env: 'SLOW_KEY' }], intake: { perSecond: 1, burst: 3 } }
}
const as = (key: string) => ({ authorization: `Bearer ${key}` })
const growth = as(KEYS.GROWTH_KEY)
const risk = as(KEYS.RISK_KEY)
const admin = as(ADMIN_TOKEN)

/** The environment of a service with TEAMS_FILE, the teams' keys and the admin token. */
function teamsEnv (t: TestContext & { testdir (): string }): Record<string, string> {
  const file = join(t.testdir(), 'teams.json')
  writeFileSync(file, JSON.stringify(TEAMS))
  return { WORKER: 'off', TEAMS_FILE: file, ADMIN_TOKEN, ...KEYS }
}

const post = async (app: FastifyInstance, headers: Record<string, string>, payload: object = { vendor: 'syncVendor', n: 1 }, more: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/jobs', headers: { ...headers, ...more }, payload })
const idOf = async (app: FastifyInstance, headers: Record<string, string>) => (await post(app, headers)).json().request_id as string

test('open mode: no key is asked, every job is the default team\'s, and /teams/me says so', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  const res = await post(app, {})
  t.equal(res.statusCode, 202)
  const job = await app.inject({ method: 'GET', url: `/jobs/${res.json().request_id}` })
  t.match(job.json(), { status: 'pending', team: 'default' })
  t.equal((await app.inject({ method: 'GET', url: '/jobs' })).json().jobs[0].team, 'default')
  t.equal(res.headers.ratelimit, undefined, 'no intake limit, no RateLimit fields')
  t.same((await app.inject({ method: 'GET', url: '/teams/me' })).json(), {
    name: 'default',
    weight: 1,
    vendors: [{ name: 'syncVendor', quotas: [], calls: 0, queued: 1, share: 0, spend: 0 }, { name: 'asyncVendor', quotas: [], calls: 0, queued: 0, share: 0, spend: 0 }]
  }, 'its job waits for syncVendor, with no worker to call it')
})

for (const mode of ['embedded', 'redis'] as const) {
  const skip = mode === 'redis' ? skipRedis : false
  const build = async (t: TestContext & { testdir (): string }) => {
    const redis = mode === 'redis' ? await redisFor(t) : undefined
    const env = { ...teamsEnv(t), ...(redis === undefined ? {} : { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }) }
    return { app: await buildTestApp(t, testConfig(env)), prefix: redis?.prefix }
  }

  test(`${mode}: every job route answers 401 with WWW-Authenticate: Bearer without a key, with an unknown one, or with another scheme`, { skip }, async (t) => {
    const { app } = await build(t)
    const id = await idOf(app, growth)
    const routes = [['POST', '/jobs'], ['GET', `/jobs/${id}`], ['GET', '/jobs'], ['POST', `/jobs/${id}/retry`], ['GET', '/teams/me']] as const
    for (const [method, url] of routes) {
      for (const [what, headers, challenge] of [
        ['no key', {}, 'Bearer realm="vfs"'],
        ['an unknown key', as('not-a-key-of-anybody-at-all'), 'Bearer realm="vfs", error="invalid_token"'],
        ['a Basic credential', { authorization: `Basic ${KEYS.GROWTH_KEY}` }, 'Bearer realm="vfs"']
      ] as const) {
        const res = await app.inject({ method, url, headers, ...(method === 'POST' && url === '/jobs' ? { payload: { vendor: 'syncVendor' } } : {}) })
        t.equal(res.statusCode, 401, `${method} ${url} with ${what}`)
        t.equal(res.headers['www-authenticate'], challenge)
        t.equal(res.json().code, 'VFS_ERR_UNAUTHENTICATED')
        t.same(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode'])
      }
    }
    t.equal((await app.inject({ method: 'GET', url: '/jobs', headers: growth })).json().jobs.length, 1, 'nothing was submitted by the refused requests')
  })

  test(`${mode}: both keys of a team work (rotation), and the job shows its team`, { skip }, async (t) => {
    const { app } = await build(t)
    const first = await idOf(app, growth)
    const second = await idOf(app, as(KEYS.GROWTH_KEY_NEXT))
    for (const key of [growth, as(KEYS.GROWTH_KEY_NEXT)]) {
      const page = (await app.inject({ method: 'GET', url: '/jobs', headers: key })).json()
      t.same(page.jobs.map((j: { request_id: string }) => j.request_id).sort(), [first, second].sort())
      t.ok(page.jobs.every((j: { team: string }) => j.team === 'growth'))
    }
    t.equal((await app.backend.store.get(first))?.team, 'growth', 'stored with its team')
  })

  test(`${mode}: another team's job is a 404 exactly like an unknown id, in reads, listings and retries`, { skip }, async (t) => {
    const { app } = await build(t)
    const mine = await idOf(app, growth)
    await app.backend.store.transition(mine, 'pending', { status: 'failed', error: 'no' })
    const theirs = await idOf(app, risk)
    const unknown = randomUUID()
    for (const [method, suffix] of [['GET', ''], ['POST', '/retry']] as const) {
      const other = await app.inject({ method, url: `/jobs/${mine}${suffix}`, headers: risk })
      const none = await app.inject({ method, url: `/jobs/${unknown}${suffix}`, headers: risk })
      t.equal(other.statusCode, 404, `${method} ${suffix || 'read'}`)
      t.same(other.json(), { ...none.json(), message: none.json().message.replace(unknown, mine) }, 'the same answer as an unknown id')
      const headerNames = (res: typeof other) => Object.keys(res.headers).filter((h) => !['date', 'content-length'].includes(h)).sort()
      t.same(headerNames(other), headerNames(none), 'and the same headers')
    }
    t.equal((await app.backend.store.get(mine))?.status, 'failed', 'the other team could not retry it')
    const listed = (await app.inject({ method: 'GET', url: '/jobs', headers: risk })).json()
    t.same(listed.jobs.map((j: { request_id: string }) => j.request_id), [theirs], 'a team lists only its own jobs')
    t.same((await app.inject({ method: 'GET', url: '/jobs?status=failed', headers: risk })).json().jobs, [])
    const forbidden = await app.inject({ method: 'GET', url: '/jobs?team=growth', headers: risk })
    t.equal(forbidden.statusCode, 403)
    t.equal(forbidden.json().code, 'VFS_ERR_OTHER_TEAM')
    t.equal((await app.inject({ method: 'GET', url: '/jobs?team=risk', headers: risk })).json().jobs.length, 1, 'its own team by name is fine')
    const retried = await app.inject({ method: 'POST', url: `/jobs/${mine}/retry`, headers: growth })
    t.equal(retried.statusCode, 202, 'its own team retries it')
    t.match(retried.json(), { request_id: mine, status: 'pending', team: 'growth' })
  })

  test(`${mode}: the admin token reads and lists every team's jobs, filters by team, and submits nothing`, { skip }, async (t) => {
    const { app } = await build(t)
    const mine = await idOf(app, growth)
    const theirs = await idOf(app, risk)
    t.match((await app.inject({ method: 'GET', url: `/jobs/${mine}`, headers: admin })).json(), { request_id: mine, team: 'growth' })
    const all = (await app.inject({ method: 'GET', url: '/jobs', headers: admin })).json()
    t.same(all.jobs.map((j: { request_id: string }) => j.request_id).sort(), [mine, theirs].sort())
    t.same((await app.inject({ method: 'GET', url: '/jobs?team=risk', headers: admin })).json().jobs.map((j: { request_id: string }) => j.request_id), [theirs])
    const unknown = await app.inject({ method: 'GET', url: '/jobs?team=nobody', headers: admin })
    t.equal(unknown.statusCode, 400)
    t.match(unknown.json().message, /unknown team "nobody"; known teams: growth, risk, slow/)
    const submit = await post(app, admin)
    t.equal(submit.statusCode, 403)
    t.equal(submit.json().code, 'VFS_ERR_ADMIN_READ_ONLY')
    t.equal(all.jobs.length, (await app.inject({ method: 'GET', url: '/jobs', headers: admin })).json().jobs.length, 'nothing was queued')
    t.equal((await app.inject({ method: 'GET', url: '/teams/me', headers: admin })).json().code, 'VFS_ERR_ADMIN_HAS_NO_TEAM')
  })

  test(`${mode}: an Idempotency-Key belongs to its team: the same value from two teams makes two jobs`, { skip }, async (t) => {
    const { app } = await build(t)
    const key = { 'idempotency-key': 'order-1' }
    const a = await post(app, growth, undefined, key)
    const again = await post(app, as(KEYS.GROWTH_KEY_NEXT), undefined, key)
    const b = await post(app, risk, undefined, key)
    t.same([a.statusCode, again.statusCode, b.statusCode], [202, 200, 202])
    t.equal(again.json().request_id, a.json().request_id, 'the same team, the same job, whichever of its keys')
    t.not(b.json().request_id, a.json().request_id, 'another team, another job')
    t.equal((await app.inject({ method: 'GET', url: `/jobs/${b.json().request_id}`, headers: risk })).json().team, 'risk')
  })

  test(`${mode}: past its intake a team gets 429 with Retry-After and the RateLimit fields, while other teams go on`, { skip }, async (t) => {
    const { app } = await build(t)
    const slow = as(KEYS.SLOW_KEY)
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await post(app, slow))
    t.same(answers.map((r) => r.statusCode), [202, 202, 202, 429])
    t.equal(answers[0]?.headers['ratelimit-policy'], '"intake";q=3;w=3')
    t.match(answers[0]?.headers.ratelimit, /^"intake";r=2;t=[123]$/)
    const refused = answers[3]
    t.match(refused?.json(), { statusCode: 429, code: 'VFS_ERR_RATE_LIMITED', message: 'team slow is past its intake limit (3 jobs per 3 s); retry after Retry-After seconds' })
    t.match(refused?.headers['retry-after'], /^[123]$/)
    t.match(refused?.headers.ratelimit, /^"intake";r=0;t=[123]$/)
    t.equal((await app.inject({ method: 'GET', url: '/jobs', headers: slow })).json().jobs.length, 3, 'the refused job was not stored')
    t.equal((await post(app, growth)).statusCode, 202, 'a team without intake is not limited')
  })

  test(`${mode}: /teams/me shows the caller's team; the admin reads /teams and /teams/{name}; a team's key reads no other team`, { skip }, async (t) => {
    const { app } = await build(t)
    const me = await app.inject({ method: 'GET', url: '/teams/me', headers: growth })
    t.same(me.json(), {
      name: 'growth',
      weight: 3,
      vendors: [
        { name: 'syncVendor', quotas: [{ limit: 1000, window: 86_400_000, used: 0 }], calls: 0, queued: 0, share: 0, spend: 0 },
        { name: 'asyncVendor', quotas: [], calls: 0, queued: 0, share: 0, spend: 0 }
      ]
    })
    t.match((await app.inject({ method: 'GET', url: '/teams/me', headers: as(KEYS.SLOW_KEY) })).json(), { name: 'slow', intake: { perSecond: 1, burst: 3, window: 3000 } })
    const all = (await app.inject({ method: 'GET', url: '/teams', headers: admin })).json()
    t.same(all.teams.map((team: { name: string }) => team.name), ['growth', 'risk', 'slow'])
    t.same((await app.inject({ method: 'GET', url: '/teams/growth', headers: admin })).json(), me.json())
    t.equal((await app.inject({ method: 'GET', url: '/teams/nobody', headers: admin })).statusCode, 404)
    for (const url of ['/teams', '/teams/risk']) t.equal((await app.inject({ method: 'GET', url, headers: growth })).statusCode, 401, `${url} with a team's key`)
  })

  test(`${mode}: /teams/me counts the team's calls, quota places and share of each vendor as its jobs are called`, { skip }, async (t) => {
    const redis = mode === 'redis' ? await redisFor(t) : undefined
    const env = { ...teamsEnv(t), WORKER: 'in-process', ...(redis === undefined ? {} : { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }) }
    const app = await buildTestApp(t, testConfig(env, (await startMocks(t)).vendors))
    const ids = [await idOf(app, growth), await idOf(app, growth), await idOf(app, growth), await idOf(app, risk)]
    await waitFor(async () => {
      const views = await Promise.all(ids.map(async (id, i) => (await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: i < 3 ? growth : risk })).json()))
      return views.every((j) => j.status === 'complete') ? true : undefined
    }, 10_000, 'every job complete')
    const sync = (await app.inject({ method: 'GET', url: '/teams/me', headers: growth })).json().vendors[0]
    t.same(sync, { name: 'syncVendor', quotas: [{ limit: 1000, window: 86_400_000, used: 3 }], calls: 3, queued: 0, share: 0.75, spend: 0 })
    t.match((await app.inject({ method: 'GET', url: '/teams/risk', headers: admin })).json().vendors[0], { name: 'syncVendor', calls: 1, share: 0.25 })
  })
}

test('redis mode: a job stored before teams existed reads, lists and retries as the default team\'s', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', REDIS_URL: url, REDIS_PREFIX: prefix }))
  const id = randomUUID()
  const { team: _team, ...legacy } = toHash({ id, vendor: 'syncVendor', team: 'x', status: 'failed', error: 'no', payload: {}, attempts: 1, createdAt: Date.now(), updatedAt: Date.now() })
  await app.redis.hset(redisKeys(prefix).job(id), legacy)
  await app.backend.queue.reindex('syncVendor', [{ id, status: 'failed', createdAt: Number(legacy.createdAt) }])
  t.match((await app.inject({ method: 'GET', url: `/jobs/${id}` })).json(), { request_id: id, team: 'default' })
  t.same((await app.inject({ method: 'GET', url: '/jobs' })).json().jobs.map((j: { request_id: string }) => j.request_id), [id])
  t.equal((await app.inject({ method: 'POST', url: `/jobs/${id}/retry` })).statusCode, 202)
})

test('redis mode: a listing of a team with few jobs among many reads on to fill its page, and its cursor moves on', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const app = await buildTestApp(t, testConfig({ ...teamsEnv(t), REDIS_URL: url, REDIS_PREFIX: prefix }))
  const mine: string[] = []
  for (let i = 0; i < 300; i++) {
    if (i % 100 === 0) mine.push(await idOf(app, risk))
    await idOf(app, growth)
  }
  const first = (await app.inject({ method: 'GET', url: '/jobs?limit=2', headers: risk })).json()
  t.same(first.jobs.map((j: { request_id: string }) => j.request_id), [mine[2], mine[1]])
  const second = (await app.inject({ method: 'GET', url: `/jobs?limit=2&cursor=${first.next_cursor}`, headers: risk })).json()
  t.same(second.jobs.map((j: { request_id: string }) => j.request_id), [mine[0]])
  t.equal(second.next_cursor, undefined)
})

test('redis mode: a short page\'s cursor names none of the other teams\' jobs it read past, and reads on from there', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const app = await buildTestApp(t, testConfig({ ...teamsEnv(t), REDIS_URL: url, REDIS_PREFIX: prefix }))
  const mine = await idOf(app, risk)
  const theirs: string[] = []
  // More than a listing reads at once (10 rounds of 50): the first page comes back empty, with a cursor.
  for (let i = 0; i < 600; i++) theirs.push(await idOf(app, growth))
  const first = (await app.inject({ method: 'GET', url: '/jobs?limit=2', headers: risk })).json()
  t.same(first.jobs, [])
  const position = Buffer.from(first.next_cursor, 'base64url').toString('utf8')
  const id = position.slice(position.indexOf(':') + 1)
  t.ok(id.length < 36 && !theirs.includes(id), `the cursor holds no job id (${id})`)
  const second = (await app.inject({ method: 'GET', url: `/jobs?limit=2&cursor=${first.next_cursor}`, headers: risk })).json()
  t.same(second.jobs.map((j: { request_id: string }) => j.request_id), [mine], 'and the next page finds the team\'s job')
})

test('keys and the admin token are in no log line, answer, metric or Redis key', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ ...teamsEnv(t), REDIS_URL: url, REDIS_PREFIX: prefix }), 'debug')
  const answers: string[] = []
  const send = async (opts: InjectOptions) => {
    const res = await app.inject(opts)
    answers.push(JSON.stringify(res.headers), res.body)
    return res
  }
  for (const key of SECRETS) {
    const headers = as(key)
    const id = (await send({ method: 'POST', url: '/jobs', headers, payload: { vendor: 'syncVendor' } })).json().request_id ?? randomUUID()
    await send({ method: 'GET', url: `/jobs/${id}`, headers })
    await send({ method: 'GET', url: '/jobs?team=growth', headers })
    await send({ method: 'POST', url: `/jobs/${id}/retry`, headers })
    await send({ method: 'GET', url: '/teams/me', headers })
    await send({ method: 'GET', url: '/teams', headers })
    await send({ method: 'POST', url: '/jobs', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"vendor":' })
    await send({ method: 'GET', url: '/jobs', headers: as(`${key}x`) })
  }
  // Should anything log a request's headers, the Authorization header is redacted.
  app.log.info({ headers: { authorization: `Bearer ${KEYS.GROWTH_KEY}` } }, 'headers')
  t.match(logs.at(-1), { headers: { authorization: '[redacted]' } })
  await send({ method: 'GET', url: '/openapi.json' })
  const metrics = await send({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.body, /\nvfs_jobs_submitted_total\{vendor="syncVendor",team="growth"\} 2\n/, 'submissions are counted per team, both keys as one team')
  t.ok(logs.length > 20, `${logs.length} log lines were written`)
  const stored: string[] = []
  for (const key of await app.redis.keys(`${prefix}:*`)) {
    stored.push(key)
    const type = await app.redis.type(key)
    if (type === 'hash') stored.push(JSON.stringify(await app.redis.hgetall(key)))
    if (type === 'string') stored.push(String(await app.redis.get(key)))
  }
  t.ok(stored.length > 5, `${stored.length} Redis keys and values read`)
  for (const secret of SECRETS) {
    t.notOk(logs.some((line) => JSON.stringify(line).includes(secret)), 'in no log line')
    t.notOk(answers.some((text) => text.includes(secret)), 'in no answer')
    t.notOk(stored.some((text) => text.includes(secret)), 'in no Redis key or value')
  }
})
