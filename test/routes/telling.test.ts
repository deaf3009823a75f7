import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import tap, { test } from 'tap'
import { buildTestApp, testConfig, type TestContext } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'

/** Long polls, completion webhooks' refusals and resends, and batches, through the routes (no worker: the test moves the jobs). */
const skipRedis = skipWithoutRedis(tap)
const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`
const KEYS = { GROWTH_KEY: 'growth-key-aaaaaaaaaaaaaaaa', RISK_KEY: 'risk-key-cccccccccccccccccccc', SLOW_KEY: 'slow-key-dddddddddddddddddddd', HOOK_SECRET: SECRET }
const growth = { authorization: `Bearer ${KEYS.GROWTH_KEY}` }
const risk = { authorization: `Bearer ${KEYS.RISK_KEY}` }
const slow = { authorization: `Bearer ${KEYS.SLOW_KEY}` }

type Mode = 'embedded' | 'redis'
const MODES: Array<[Mode, false | string]> = [['embedded', false], ['redis', skipRedis]]

async function build (t: TestContext & { testdir (): string }, mode: Mode, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const redis = mode === 'redis' ? await redisFor(t) : undefined
  return buildTestApp(t, testConfig({ WORKER: 'off', ...(redis === undefined ? {} : { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix }), ...env }))
}

function teamsFile (t: { testdir (): string }): Record<string, string> {
  const file = join(t.testdir(), 'teams.json')
  writeFileSync(file, JSON.stringify({
    growth: { keys: [{ env: 'GROWTH_KEY' }], notify: { secret: { env: 'HOOK_SECRET' }, allowedHosts: ['hooks.growth.example'] } },
    risk: { keys: [{ env: 'RISK_KEY' }] },
    slow: { keys: [{ env: 'SLOW_KEY' }], intake: { perSecond: 1, burst: 3 } }
  }))
  return { TEAMS_FILE: file, ...KEYS }
}

const submit = async (app: FastifyInstance, headers: Record<string, string> = {}, payload: object = { vendor: 'syncVendor', n: 1 }) =>
  app.inject({ method: 'POST', url: '/jobs', headers, payload })

for (const [mode, skip] of MODES) {
  test(`${mode}: a long poll answers as soon as the job ends, and as it stands when its wait ends first`, { skip }, async (t) => {
    const app = await build(t, mode)
    const id = (await submit(app)).json().request_id as string
    const started = Date.now()
    const waiting = app.inject({ method: 'GET', url: `/jobs/${id}?wait=10` })
    setTimeout(() => {
      void app.backend.store.transition(id, 'pending', { status: 'failed', error: 'the vendor said no' })
    }, 300)
    const res = await waiting
    t.equal(res.statusCode, 200)
    t.match(res.json(), { request_id: id, status: 'failed', error: 'the vendor said no' })
    t.ok(Date.now() - started < 2_000, `answered at the end, not after the wait (${Date.now() - started} ms)`)

    const other = (await submit(app)).json().request_id as string
    const before = Date.now()
    const timedOut = await app.inject({ method: 'GET', url: `/jobs/${other}?wait=1` })
    t.match(timedOut.json(), { request_id: other, status: 'pending' })
    t.ok(Date.now() - before >= 950, 'after the whole wait')
    t.equal(app.waits.size, 0, 'every wait gave its place back')
  })

  test(`${mode}: past MAX_WAITERS a long poll is a 503 with Retry-After, and a read without wait still answers`, { skip }, async (t) => {
    const app = await build(t, mode, { MAX_WAITERS: '2' })
    const id = (await submit(app)).json().request_id as string
    const held = [app.inject({ method: 'GET', url: `/jobs/${id}?wait=3` }), app.inject({ method: 'GET', url: `/jobs/${id}?wait=3` })]
    while (app.waits.size < 2) await new Promise((resolve) => setTimeout(resolve, 10))
    const refused = await app.inject({ method: 'GET', url: `/jobs/${id}?wait=3` })
    t.equal(refused.statusCode, 503)
    t.equal(refused.json().code, 'VFS_ERR_TOO_MANY_WAITS')
    t.ok(Number(refused.headers['retry-after']) > 0)
    t.equal((await app.inject({ method: 'GET', url: `/jobs/${id}` })).statusCode, 200)
    await app.backend.store.transition(id, 'pending', { status: 'failed', error: 'no' })
    t.same((await Promise.all(held)).map((r) => r.json().status), ['failed', 'failed'])
  })

  test(`${mode}: a bad wait is a 400`, { skip }, async (t) => {
    const app = await build(t, mode)
    const id = (await submit(app)).json().request_id as string
    for (const wait of ['0', '61', 'soon', '1.5']) t.equal((await app.inject({ method: 'GET', url: `/jobs/${id}?wait=${wait}` })).statusCode, 400, `wait=${wait}`)
  })

  test(`${mode}: a batch answers each job in order, queues the valid ones whatever the others, and one Idempotency-Key covers it`, { skip }, async (t) => {
    const app = await build(t, mode)
    const jobs = [{ vendor: 'syncVendor', n: 1 }, { vendor: 'nobody' }, { n: 3 }, 'text', { vendor: 'asyncVendor', n: 5 }, { vendor: 'syncVendor', 'a\u0000b': 1 }, null]
    const res = await app.inject({ method: 'POST', url: '/jobs/batch', headers: { 'idempotency-key': 'b-1' }, payload: { jobs } })
    t.equal(res.statusCode, 202)
    const answer = res.json()
    t.match(answer.jobs, [
      { request_id: /^[0-9a-f-]{36}$/ },
      { error: { statusCode: 400, code: 'VFS_ERR_UNKNOWN_VENDOR' } },
      { error: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: /must have required property 'vendor'/ } },
      { error: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: /must be object/ } },
      { request_id: /^[0-9a-f-]{36}$/ },
      { error: { statusCode: 400, code: 'VFS_ERR_FORBIDDEN_KEY' } },
      { error: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: /must be object/ } }
    ])
    // The same codes as one POST /jobs of the same body.
    t.equal((await submit(app, {}, { vendor: 'nobody' })).json().code, 'VFS_ERR_UNKNOWN_VENDOR')
    t.equal((await submit(app, {}, { n: 3 })).json().code, 'FST_ERR_VALIDATION')
    const ids = [answer.jobs[0].request_id, answer.jobs[4].request_id]
    t.match((await app.inject({ method: 'GET', url: `/jobs/${ids[1]}` })).json(), { vendor: 'asyncVendor', status: 'pending', batch_id: answer.batch_id })

    const again = await app.inject({ method: 'POST', url: '/jobs/batch', headers: { 'idempotency-key': 'b-1' }, payload: { jobs } })
    t.equal(again.statusCode, 200, 'the same key and body: the same answer')
    t.same(again.json(), answer)
    const other = await app.inject({ method: 'POST', url: '/jobs/batch', headers: { 'idempotency-key': 'b-1' }, payload: { jobs: jobs.slice(1) } })
    t.equal(other.statusCode, 422)

    const batch = await app.inject({ method: 'GET', url: `/batches/${answer.batch_id}` })
    t.match(batch.json(), { batch_id: answer.batch_id, total: 2, counts: { pending: 2, processing: 0, complete: 0, failed: 0 }, done: false })
    const listed = await app.inject({ method: 'GET', url: `/jobs?batch_id=${answer.batch_id}` })
    t.same(listed.json().jobs.map((j: { request_id: string }) => j.request_id).sort(), [...ids].sort())
    const synced = await app.inject({ method: 'GET', url: `/jobs?batch_id=${answer.batch_id}&vendor=syncVendor` })
    t.same(synced.json().jobs.map((j: { request_id: string }) => j.request_id), [ids[0]])
  })

  test(`${mode}: a batch's long poll answers once every job ended, with its counts`, { skip }, async (t) => {
    const app = await build(t, mode)
    const res = await app.inject({ method: 'POST', url: '/jobs/batch', payload: { jobs: [{ vendor: 'syncVendor' }, { vendor: 'syncVendor' }, { vendor: 'asyncVendor' }] } })
    const { batch_id: batchId, jobs } = res.json() as { batch_id: string, jobs: Array<{ request_id: string }> }
    const started = Date.now()
    const waiting = app.inject({ method: 'GET', url: `/batches/${batchId}?wait=10` })
    for (const [i, { request_id: id }] of jobs.entries()) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      await app.backend.store.transition(id, 'pending', i === 0 ? { status: 'failed', error: 'no' } : { status: 'processing' })
      if (i > 0) await app.backend.store.transition(id, 'processing', { status: 'complete', result: { i } })
    }
    const done = await waiting
    t.same(done.json(), { batch_id: batchId, created_at: done.json().created_at, total: 3, counts: { pending: 0, processing: 0, complete: 2, failed: 1 }, done: true })
    t.ok(Date.now() - started < 2_000, 'at the last end')
  })

  test(`${mode}: a batch outside 1 to MAX_BATCH jobs, or not {jobs: [...]}, is refused whole`, { skip }, async (t) => {
    const app = await build(t, mode, { MAX_BATCH: '3' })
    for (const payload of [{ jobs: [] }, { jobs: [{ vendor: 'syncVendor' }, { vendor: 'syncVendor' }, { vendor: 'syncVendor' }, { vendor: 'syncVendor' }] }, [{ vendor: 'syncVendor' }], { jobs: {} }]) {
      t.equal((await app.inject({ method: 'POST', url: '/jobs/batch', payload: payload as object })).statusCode, 400)
    }
    t.equal((await app.inject({ method: 'GET', url: '/jobs?limit=100' })).json().jobs.length, 0, 'nothing queued')
  })

  test(`${mode}: a Notify-Url is refused unless the operator allowed its host and a secret signs it, and the job shows its webhook`, { skip }, async (t) => {
    const open = await build(t, mode, { NOTIFY_ALLOWED_HOSTS: 'hooks.example, 127.0.0.1:9000' })
    const refused = await submit(open, { 'notify-url': 'https://hooks.example/vfs' })
    t.equal(refused.statusCode, 400)
    t.match(refused.json(), { code: 'VFS_ERR_NOTIFY_URL', message: /no signing secret/ })

    const app = await build(t, mode, { NOTIFY_ALLOWED_HOSTS: 'hooks.example, 127.0.0.1:9000', NOTIFY_SECRET: SECRET })
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:9001/x', 'file:///etc/passwd', 'https://hooks.example:444/', 'http://localhost:9000/']) {
      const res = await submit(app, { 'notify-url': url })
      t.equal(res.statusCode, 400, url)
      t.equal(res.json().code, 'VFS_ERR_NOTIFY_URL')
      const batch = await app.inject({ method: 'POST', url: '/jobs/batch', headers: { 'notify-url': url }, payload: { jobs: [{ vendor: 'syncVendor' }] } })
      t.equal(batch.json().code, 'VFS_ERR_NOTIFY_URL', `${url}: a batch is refused whole`)
    }
    const id = (await submit(app, { 'notify-url': 'https://hooks.example/vfs' })).json().request_id as string
    t.match((await app.inject({ method: 'GET', url: `/jobs/${id}` })).json(), { notify: { status: 'pending', attempts: 0 } })
    t.notOk('url' in (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json().notify, 'the URL is not shown back')
    const plain = (await submit(app)).json().request_id as string
    t.notOk('notify' in (await app.inject({ method: 'GET', url: `/jobs/${plain}` })).json(), 'a job that asked for none shows none')
  })

  test(`${mode}: a webhook that failed for good is sent again on request, and only such a one`, { skip }, async (t) => {
    const app = await build(t, mode, { NOTIFY_ALLOWED_HOSTS: 'hooks.example', NOTIFY_SECRET: SECRET })
    const id = (await submit(app, { 'notify-url': 'https://hooks.example/vfs' })).json().request_id as string
    const pending = await app.inject({ method: 'POST', url: `/jobs/${id}/notify` })
    t.equal(pending.statusCode, 409)
    t.equal(pending.json().code, 'VFS_ERR_NOTIFY_NOT_FAILED')
    const notify = { url: 'https://hooks.example/vfs', status: 'pending' as const, attempts: 0 }
    await app.backend.store.transition(id, 'pending', { status: 'failed', error: 'no' })
    await app.backend.store.recordNotify(id, notify, { ...notify, status: 'failed', attempts: 8, lastError: 'the receiver answered 500' })
    const resent = await app.inject({ method: 'POST', url: `/jobs/${id}/notify` })
    t.equal(resent.statusCode, 202)
    t.same(resent.json().notify, { status: 'pending', attempts: 0 })
    t.same((await app.backend.outbox.lease('default', Date.now(), 10, 1_000)).ids, [id], 'due now')
    const none = (await submit(app)).json().request_id as string
    t.equal((await app.inject({ method: 'POST', url: `/jobs/${none}/notify` })).statusCode, 409)
  })
}

test('teams: a team sees only its own jobs and batches, waiting or not, and its notify settings are its own', async (t) => {
  const app = await build(t, 'embedded', teamsFile(t))
  const id = (await submit(app, growth)).json().request_id as string
  t.equal((await app.inject({ method: 'GET', url: `/jobs/${id}?wait=1`, headers: risk })).statusCode, 404, "another team's job, waited on, is unknown")
  const batch = (await app.inject({ method: 'POST', url: '/jobs/batch', headers: growth, payload: { jobs: [{ vendor: 'syncVendor' }] } })).json().batch_id as string
  t.equal((await app.inject({ method: 'GET', url: `/batches/${batch}`, headers: risk })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/batches/${batch}?wait=1`, headers: risk })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/jobs?batch_id=${batch}`, headers: risk })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/batches/${batch}`, headers: growth })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: `/jobs/${id}/notify`, headers: risk })).statusCode, 404)

  t.equal((await submit(app, { ...growth, 'notify-url': 'https://hooks.growth.example/x' })).statusCode, 202, 'its own allowed host')
  t.equal((await submit(app, { ...risk, 'notify-url': 'https://hooks.growth.example/x' })).json().code, 'VFS_ERR_NOTIFY_URL', "not another team's")
})

test('teams: the intake takes a batch whole or refuses it whole', async (t) => {
  const app = await build(t, 'embedded', teamsFile(t))
  const jobs = (n: number) => ({ jobs: Array.from({ length: n }, () => ({ vendor: 'syncVendor' })) })
  const over = await app.inject({ method: 'POST', url: '/jobs/batch', headers: slow, payload: jobs(4) })
  t.equal(over.statusCode, 429)
  t.ok(over.headers['retry-after'])
  t.equal((await app.inject({ method: 'GET', url: '/jobs', headers: slow })).json().jobs.length, 0, 'none of it queued')
  t.equal((await app.inject({ method: 'POST', url: '/jobs/batch', headers: slow, payload: jobs(3) })).statusCode, 202, 'a batch that fits')
  t.equal((await app.inject({ method: 'POST', url: '/jobs/batch', headers: slow, payload: jobs(1) })).statusCode, 429, 'and nothing past it')
})

test('the admin token submits no batch', async (t) => {
  const env = { ...teamsFile(t), ADMIN_TOKEN: 'admin-token-eeeeeeeeeeeeeeee' }
  const app = await build(t, 'embedded', env)
  const res = await app.inject({ method: 'POST', url: '/jobs/batch', headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` }, payload: { jobs: [{ vendor: 'syncVendor' }] } })
  t.equal(res.statusCode, 403)
})
