import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import Fastify, { type FastifyInstance } from 'fastify'
import tap, { type Test, test } from 'tap'
import type { VendorEntry } from '../../vendors/config.js'
import { buildTestApp, testConfig, type TestContext, waitFor } from '../helper.js'
import { redisFor, skipWithoutRedis } from '../redis-server.js'
import { value } from './arbitraries.js'

/**
 * Random and hostile vendor answers (lone surrogates, deep nesting, huge numbers, NUL, odd keys, a Retry-After
 * of millions of years) settled beside innocent jobs, through the worker's whole settle path: every job ends
 * after one call per attempt, every innocent one complete, and every read answers well-formed JSON.
 */
const skipRedis = skipWithoutRedis(tap)
const INNOCENT = 3

interface Answer { status: number, body: string, retryAfter?: string | undefined }

const unit = fc.oneof(fc.constantFrom('\ud800', '\udfff', '\ud83d', '\u0000', '😀', 'x', '"', '\\'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)))
const text = fc.string({ unit, maxLength: 300 })
const body = fc.oneof(
  value.map((v) => JSON.stringify({ v })),
  text.map((s) => JSON.stringify({ s })),
  text,
  fc.integer({ min: 1, max: 6000 }).map((n) => `{"d":${'['.repeat(n)}${']'.repeat(n)}}`),
  fc.constantFrom('{"n":1e400}', '{"n":-1e999}', '{"n":123456789012345678901234567890}', '{"k\\u0000":1}', '{"__proto__":{"a":1}}', '{"\\ud800":"\\udc00x"}', '{"s":"\\u0000"}'),
  fc.integer({ min: 185, max: 215 }).map((n) => `${'x'.repeat(n)}😀😀 and more`)
)
const answer: fc.Arbitrary<Answer> = fc.record({
  status: fc.constantFrom(200, 200, 200, 400, 404, 429, 500, 503),
  body,
  retryAfter: fc.option(fc.constantFrom('0', '1', '99999999999999', `1${'0'.repeat(400)}`, 'Fri, 31 Dec 9999 23:59:59 GMT', '-5'), { nil: undefined })
}, { requiredKeys: ['status', 'body'] })

/** Answers each case's jobs once all of them arrived, so that the worker settles them together; counts calls per request_id. */
async function startVendor (t: TestContext) {
  const cases = new Map<string, { bad: Answer, arrived: number, release: () => void, all: Promise<void> }>()
  const calls = new Map<string, number>()
  const vendor: FastifyInstance = Fastify()
  vendor.post('/*', async (req, reply) => {
    const { request_id: id, payload } = req.body as { request_id: string, payload: { case: string, n?: number } }
    calls.set(id, (calls.get(id) ?? 0) + 1)
    const c = cases.get(payload.case)
    if (c === undefined) return reply.code(500).send({ error: 'unknown case' })
    if (++c.arrived === INNOCENT + 1) c.release()
    await Promise.race([c.all, new Promise((resolve) => setTimeout(resolve, 1_000))])
    if (payload.n !== undefined) return { ok: true, n: payload.n }
    if (c.bad.retryAfter !== undefined) reply.header('retry-after', c.bad.retryAfter)
    return reply.code(c.bad.status).type('application/json').send(c.bad.body)
  })
  t.teardown(() => vendor.close())
  const url = await vendor.listen({ port: 0, host: '127.0.0.1' })
  return {
    url,
    calls: (id: string) => calls.get(id) ?? 0,
    open (bad: Answer): string {
      const id = randomUUID()
      let release = (): void => {}
      const all = new Promise<void>((resolve) => { release = resolve })
      cases.set(id, { bad, arrived: 0, release, all })
      return id
    }
  }
}

/** Every string of a parsed answer, keys included, is well formed: nothing the stores or cjson may refuse came back. */
function wellFormed (item: unknown): boolean {
  if (typeof item === 'string') return item.isWellFormed()
  if (Array.isArray(item)) return item.every(wellFormed)
  if (item !== null && typeof item === 'object') return Object.entries(item).every(([k, v]) => k.isWellFormed() && wellFormed(v))
  return true
}

async function drive (t: Test, env: Record<string, string>, numRuns: number): Promise<void> {
  const vendor = await startVendor(t)
  const common = { mode: 'sync' as const, url: vendor.url, rateLimit: { perSecond: 10_000, burst: 1_000 }, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, maxRetryAfterMs: 100, breaker: { minCalls: 1_000_000 } }
  const vendors: Record<string, VendorEntry> = { hostile: common, hostileMapped: { ...common, response: { result: 'body', error: "status >= 400 ? (body.s ? body.s : 'refused')" } } }
  const app = await buildTestApp(t, testConfig({ SWEEP_INTERVAL_MS: '1000', ...env }, vendors))
  const read = async (url: string) => {
    const res = await app.inject({ method: 'GET', url })
    return { status: res.statusCode, json: JSON.parse(res.body) }
  }
  await fc.assert(fc.asyncProperty(answer, fc.constantFrom('hostile', 'hostileMapped'), async (bad, name) => {
    const c = vendor.open(bad)
    const post = async (payload: object) => (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: name, case: c, ...payload } })).json().request_id as string
    const [hostile, ...innocent] = await Promise.all([post({}), ...Array.from({ length: INNOCENT }, (_, n) => post({ n }))]) as [string, ...string[]]
    const jobs = await waitFor(async () => {
      const all = await Promise.all([hostile, ...innocent].map((id) => read(`/jobs/${id}`)))
      if (all.some((r) => r.status !== 200)) return all
      return all.every((r) => r.json.status === 'complete' || r.json.status === 'failed') ? all : undefined
    }, 5_000, 'the case\'s jobs to end')
    for (const [i, r] of jobs.entries()) {
      if (r.status !== 200 || !wellFormed(r.json)) throw new Error(`GET answered ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`)
      const id = i === 0 ? hostile : innocent[i - 1] as string
      if (vendor.calls(id) !== r.json.attempts) throw new Error(`job ${i} was called ${vendor.calls(id)} times in ${r.json.attempts} attempts`)
      if (i > 0 && (r.json.status !== 'complete' || r.json.attempts !== 1 || r.json.result?.n !== i - 1)) throw new Error(`innocent job ${i}: ${JSON.stringify(r.json)}`)
    }
    const listed = await read(`/jobs?vendor=${name}&limit=100`)
    if (listed.status !== 200 || !wellFormed(listed.json)) throw new Error(`GET /jobs answered ${listed.status}`)
  }), { numRuns })
  t.pass(`${numRuns} cases`)
}

test('embedded: hostile answers settle alone, innocent jobs beside them once, every read answers', async (t) => {
  await drive(t, {}, 60)
})

test('redis: hostile answers settle alone, innocent jobs beside them once, every read answers', { skip: skipRedis }, async (t) => {
  const { url, prefix } = await redisFor(t)
  await drive(t, { REDIS_URL: url, REDIS_PREFIX: prefix, LEASE_MS: '2000' }, 40)
})
