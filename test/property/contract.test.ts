import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import tap, { type Test, test } from 'tap'
import type { Job } from '../../core/job.js'
import { buildTestApp, testConfig } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'
import { contentType, headerValue, idempotencyKey, jobBody, jobId, rawBody, signature, value, webhookBody, webhookVendor } from './arbitraries.js'
import { contractOf } from './contract.js'

/**
 * Every route of the contract driven with generated valid and invalid input: never a 5xx, never a crash,
 * and every answer a status the route documents, with a body its schema for that status accepts.
 */
const skipRedis = skipWithoutRedis(tap)

/** The routes this file drives with inputs of their own; any other documented route gets generic ones. */
const DRIVEN = ['POST /jobs', 'GET /jobs/{id}', 'POST /jobs/{id}/retry', 'POST /vendor-webhook/{vendor}', 'GET /health', 'POST /jobs/batch', 'GET /batches/{id}', 'POST /jobs/{id}/notify']

type Runs = Record<'post' | 'read' | 'retry' | 'webhook' | 'health' | 'unknown' | 'other' | 'batch', number>

/** Jobs in every state a route treats differently, so that generated ids and callbacks meet them; and a batch per team. */
async function seed (app: FastifyInstance, teams: string[]): Promise<{ jobs: string[], ended: string[], batches: string[] }> {
  const { store } = app.backend
  const now = Date.now()
  let n = 0
  const job = (over: object) => ({
    id: crypto.randomUUID(), vendor: 'asyncVendor', team: teams[n++ % teams.length] as string, status: 'processing' as const, payload: {}, attempts: 1, createdAt: now, updatedAt: now, ...over
  })
  const jobs: Job[] = [
    ...Array.from({ length: 200 }, () => job({ waiting: 'callback', deadline: now + 3_600_000 })),
    ...Array.from({ length: 50 }, () => job({ status: 'failed', error: 'no', vendor: 'syncVendor' })),
    ...Array.from({ length: 20 }, () => job({ status: 'complete', result: { ok: 1 } })),
    ...Array.from({ length: 20 }, () => job({ status: 'pending', attempts: 0, vendor: 'syncVendor' }))
  ]
  for (const j of jobs) await store.create(j)
  const batches = await Promise.all(teams.map(async (team) => {
    const id = crypto.randomUUID()
    const ended = jobs.filter((j) => j.team === team && j.status === 'complete').slice(0, 3)
    await app.backend.batches.create({ id, team, createdAt: now, items: [...ended.map((j) => ({ requestId: j.id })), { error: { statusCode: 400, code: 'VFS_ERR_UNKNOWN_VENDOR', message: 'no' } }] })
    return id
  }))
  return { jobs: jobs.map((j) => j.id), ended: jobs.filter((j) => j.status !== 'processing' && j.status !== 'pending').map((j) => j.id), batches }
}

const headers = (given: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(given).filter((entry): entry is [string, string] => entry[1] !== undefined))

/** Teams mode: who calls the job routes (keys of teams, the admin token, anything else, nothing), and the teams jobs belong to. */
interface Callers { authorization: fc.Arbitrary<string | undefined>, teams: string[] }
const OPEN: Callers = { authorization: fc.constant(undefined), teams: ['default'] }

async function drive (t: Test, app: FastifyInstance, runs: Runs, callers: Callers = OPEN): Promise<void> {
  const contract = contractOf(app)
  const { jobs: known, ended, batches } = await seed(app, callers.teams)
  const { authorization } = callers
  type Answer = Awaited<ReturnType<FastifyInstance['inject']>>
  /** `found`: inputs that once broke the contract, kept so that every run tries them first. */
  const holds = async <T>(what: string, arbitrary: fc.Arbitrary<T>, numRuns: number, send: (input: T) => Promise<[string, string | undefined, Answer[]]>, found: T[] = []) => {
    const statuses = new Map<number, number>()
    await fc.assert(fc.asyncProperty(arbitrary, async (input) => {
      const [method, route, answers] = await send(input)
      for (const res of answers) {
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        const problems = contract.problems(method, route, res)
        if (problems.length > 0) throw new Error(problems.join('; '))
      }
    }), { numRuns, examples: found.map((input) => [input] as [T]) })
    // Which answers the cases reached, so that a generator that stopped reaching one shows.
    t.pass(`${what}: ${numRuns} cases, answered ${[...statuses].sort().map(([s, n]) => `${s} ×${n}`).join(', ')}`)
  }

  // Now and then the same request twice at once: with an Idempotency-Key both must name one job.
  const submit = fc.tuple(jobBody, contentType, idempotencyKey, fc.option(headerValue, { nil: undefined }), fc.integer({ min: 1, max: 6 }).map((n) => n === 1), authorization)
  await holds('POST /jobs', submit, runs.post, async ([body, type, key, requestId, twice, auth]) => {
    const send = () => app.inject({ method: 'POST', url: '/jobs', headers: headers({ 'content-type': type, 'idempotency-key': key, 'x-request-id': requestId, authorization: auth }), payload: body })
    const answers = await Promise.all(twice ? [send(), send()] : [send()])
    const ids = new Set(answers.filter((res) => res.statusCode < 300).map((res) => res.json().request_id))
    if (key !== undefined && ids.size > 1) throw new Error(`one Idempotency-Key, two jobs: ${[...ids].join(', ')}`)
    return ['POST', '/jobs', answers]
  })

  await holds('GET /jobs/{id}', fc.tuple(jobId(known), authorization), runs.read, async ([id, auth]) =>
    ['GET', '/jobs/{id}', [await app.inject({ method: 'GET', url: `/jobs/${id}`, headers: headers({ authorization: auth }) })]],
  // A 414 from the router's parameter length limit, which the contract did not list.
  [['a'.repeat(2_000), undefined]])

  // A wait on a job that has ended answers at once, whatever number spells the wait; any value that is no
  // wait of 1 to 60 s is refused before anything waits (one that is, on a job still running, would only wait).
  const waits = (v: string): boolean => Number(v) > 0 && Number(v) <= 60
  const waitOn = fc.oneof(
    fc.tuple(jobId(ended), fc.constantFrom('1', '1e1', '60')),
    fc.tuple(jobId(known), fc.oneof(fc.constantFrom('0', '61', '-1', '1.5', '', 'soon', '%00'), headerValue.filter((v) => !waits(v)).map(encodeURIComponent)))
  )
  await holds('GET /jobs/{id}?wait=', fc.tuple(waitOn, authorization), runs.read, async ([[id, wait], auth]) =>
    ['GET', '/jobs/{id}', [await app.inject({ method: 'GET', url: `/jobs/${id}?wait=${wait}`, headers: headers({ authorization: auth }) })]])

  const batchItems = fc.array(fc.oneof({ weight: 4, arbitrary: jobBody }, value.map((v) => JSON.stringify(v))), { maxLength: 8 })
  const batchBody = fc.oneof({ weight: 6, arbitrary: batchItems.map((items) => `{"jobs":[${items.map((i) => { try { JSON.parse(i); return i } catch { return 'null' } }).join(',')}]}`) }, rawBody)
  const notifyUrl = fc.option(fc.oneof(fc.constantFrom('https://hooks.example/vfs', 'http://169.254.169.254/', 'file:///etc/passwd', 'https://hooks.example:444/'), headerValue), { nil: undefined, freq: 3 })
  await holds('POST /jobs/batch', fc.tuple(batchBody, contentType, idempotencyKey, notifyUrl, authorization), runs.batch, async ([body, type, key, notify, auth]) =>
    ['POST', '/jobs/batch', [await app.inject({
      method: 'POST', url: '/jobs/batch', headers: headers({ 'content-type': type, 'idempotency-key': key, 'notify-url': notify, authorization: auth }), payload: body
    })]])

  const batchId = jobId(batches)
  await holds('GET /batches/{id}', fc.tuple(batchId, fc.constantFrom('', '?wait=1', '?wait=0', '?wait=x', '?other=1'), authorization), runs.read, async ([id, query, auth]) =>
    ['GET', '/batches/{id}', [await app.inject({ method: 'GET', url: `/batches/${id}${query}`, headers: headers({ authorization: auth }) })]])

  await holds('POST /jobs/{id}/notify', fc.tuple(jobId(known), authorization), runs.retry, async ([id, auth]) =>
    ['POST', '/jobs/{id}/notify', [await app.inject({ method: 'POST', url: `/jobs/${id}/notify`, headers: headers({ authorization: auth }) })]])

  const retryBody = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, rawBody)
  await holds('POST /jobs/{id}/retry', fc.tuple(jobId(known), retryBody, contentType, authorization), runs.retry, async ([id, body, type, auth]) =>
    ['POST', '/jobs/{id}/retry', [await app.inject({
      method: 'POST', url: `/jobs/${id}/retry`, headers: headers({ 'content-type': body === undefined ? undefined : type, authorization: auth }), ...(body === undefined ? {} : { payload: body })
    })]],
  // Bodies nobody reads are still parsed: a 415 and a 413 the contract did not list.
  [[known[0] as string, '', 'multipart/form-data; boundary=x', undefined], [known[0] as string, `"${'x'.repeat(1_100_000)}"`, 'application/json', undefined]])

  const webhook = fc.tuple(webhookVendor, webhookBody(known), contentType).chain(([vendor, body, type]) => signature(body).map((sig) => ({ vendor, body, type, sig })))
  await holds('POST /vendor-webhook/{vendor}', webhook, runs.webhook, async ({ vendor, body, type, sig }) =>
    ['POST', '/vendor-webhook/{vendor}', [await app.inject({ method: 'POST', url: `/vendor-webhook/${vendor}`, headers: headers({ 'content-type': type ?? 'application/json', 'x-signature': sig }), payload: body })]])

  await holds('GET /health', fc.dictionary(fc.constantFrom('x-request-id', 'accept', 'content-type', 'x-forwarded-for'), headerValue), runs.health, async (given) =>
    ['GET', '/health', [await app.inject({ method: 'GET', url: '/health', headers: given })]])

  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') as fc.Arbitrary<'GET'>
  const segment = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent), fc.constantFrom('jobs', 'vendor-webhook', 'health', '%zz', '..'))
  await holds('unknown routes', fc.tuple(method, fc.array(segment, { minLength: 1, maxLength: 4 }), fc.option(rawBody, { nil: undefined })), runs.unknown, async ([verb, path, body]) => {
    const url = `/${path.join('/')}`
    const res = await app.inject({ method: verb, url, ...(body === undefined || verb === 'GET' ? {} : { payload: body, headers: { 'content-type': 'application/json' } }) })
    // A URL that names a route once normalised (`/../health`) is that route's business, judged above: here only the error shape is.
    return [verb, undefined, [res]]
  })

  for (const route of contract.routes().filter((r) => !DRIVEN.includes(r))) {
    const [verb, path] = route.split(' ') as [string, string]
    const input = fc.tuple(fc.array(segment, { minLength: 4, maxLength: 4 }), fc.option(rawBody, { nil: undefined }), fc.oneof(fc.option(headerValue, { nil: undefined }), authorization))
    await holds(route, input, runs.other, async ([segments, body, auth]) => {
      let i = 0
      const url = path.replace(/\{[^}]+\}/g, () => segments[i++] ?? 'x')
      return [verb, path, [await app.inject({ method: verb as 'GET', url, headers: headers({ authorization: auth, 'content-type': body === undefined ? undefined : 'application/json' }), ...(body === undefined ? {} : { payload: body }) })]]
    })
  }

  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, 'and the service is still healthy')
}

test('embedded mode: every route answers generated input within its documented statuses and schemas, never a 5xx', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  await drive(t, app, { post: 1_500, read: 400, retry: 400, webhook: 1_200, health: 100, unknown: 300, other: 200, batch: 400 })
})

test('redis mode: the same, on fewer cases', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', REDIS_URL: url, REDIS_PREFIX: prefix }))
  await drive(t, app, { post: 300, read: 100, retry: 100, webhook: 200, health: 20, unknown: 50, other: 50, batch: 100 })
})

test('teams mode: the same with teams\' keys, the admin token and anything else as callers, 401s, 404s of other teams and 429s included', async (t) => {
  const file = join(t.testdir(), 'teams.json')
  writeFileSync(file, JSON.stringify({
    growth: { keys: [{ env: 'GROWTH_KEY' }], weight: 3, vendors: { syncVendor: { quotas: [{ limit: 10, window: '1h' }] } } },
    risk: { keys: [{ env: 'RISK_KEY' }], intake: { perSecond: 1, burst: 5 } }
  }))
  const keys = { GROWTH_KEY: 'growth-key-0123456789', RISK_KEY: 'risk-key-0123456789ab', ADMIN_TOKEN: 'admin-token-0123456789' }
  const app = await buildTestApp(t, testConfig({ WORKER: 'off', TEAMS_FILE: file, ...keys }))
  const authorization = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...Object.values(keys)).map((key) => `Bearer ${key}`) },
    fc.constantFrom('Bearer not-a-key-of-anyone', `Basic ${keys.GROWTH_KEY}`, 'Bearer', ''),
    headerValue,
    fc.constant(undefined)
  )
  await drive(t, app, { post: 400, read: 200, retry: 200, webhook: 50, health: 20, unknown: 50, other: 100, batch: 150 }, { authorization, teams: ['growth', 'risk'] })
})
