import t, { test } from 'tap'
import { request } from 'undici'
import { waitFor } from '../helper.js'
import { type HostileAnswer, startHostileVendor } from '../hostile-vendor.js'
import { skipWithoutRedis } from '../redis-server.js'
import { postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t)

interface JobView { status: string, attempts: number, result?: unknown, error?: string, next_attempt_at?: string }

test('hostile answers beside normal jobs: each fails or completes alone, every innocent job is called exactly once, and every read answers', { skip }, async (t) => {
  const INNOCENT = 24
  const vendor = await startHostileVendor(t, INNOCENT + 7)
  const sync = { mode: 'sync' as const, url: vendor.url, rateLimit: { perSecond: 1000, burst: 100 }, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 }, maxRetryAfterMs: 1500 }
  const stack = await startStack(t, {
    vendors: { hostile: sync, hostileMapped: { ...sync, response: { error: 'status = 400 ? body.error' } } },
    env: { LEASE_MS: '2000' }
  })
  await stack.startWorker()
  const hostile: Array<[string, HostileAnswer]> = [
    ['hostile', 'emoji400'], ['hostileMapped', 'surrogateError'], ['hostile', 'surrogateResult'], ['hostile', 'deep'],
    ['hostile', 'nulKey'], ['hostile', 'huge'], ['hostile', 'farRetry']
  ]
  // Posted and answered together, so that the worker settles them in the same batches as the innocent jobs.
  const all = await postMany(stack, INNOCENT + hostile.length, (i) => {
    const bad = hostile[i - INNOCENT]
    return bad === undefined ? { vendor: i % 2 === 0 ? 'hostile' : 'hostileMapped', n: i } : { vendor: bad[0], answer: bad[1] }
  })
  const innocent = all.slice(0, INNOCENT)
  const ids = Object.fromEntries(hostile.map(([, answer], i) => [answer, all[INNOCENT + i] as string])) as Record<HostileAnswer, string>
  const get = async (id: string): Promise<{ status: number, job: JobView }> => {
    const res = await request(`${stack.base}/jobs/${id}`)
    return { status: res.statusCode, job: await res.body.json() as JobView }
  }

  // A Retry-After of millennia is capped by maxRetryAfterMs, and the job reads back while it waits.
  const waiting = await waitFor(async () => {
    const read = await get(ids.farRetry)
    return read.status !== 200 || read.job.next_attempt_at !== undefined ? read : undefined
  }, 10_000, 'the retry to be scheduled').catch((err: Error) => t.fail(err.message))
  if (typeof waiting === 'object') {
    t.equal(waiting.status, 200, 'GET /jobs/{id} answers while the job waits')
    t.ok(Date.parse(waiting.job.next_attempt_at ?? '') <= Date.now() + 1500, `retry capped by maxRetryAfterMs: ${waiting.job.next_attempt_at}`)
  }
  const listed = await request(`${stack.base}/jobs?vendor=hostile`)
  t.equal(listed.statusCode, 200, 'GET /jobs answers too')
  await listed.body.dump()

  // Asserted as they stand after the wait, so that a run that fails shows which jobs were called again.
  let ended: JobView[] = []
  await waitFor(async () => {
    ended = await Promise.all(all.map(async (id) => (await get(id)).job))
    return ended.every((j) => j.status === 'complete' || j.status === 'failed') ? true : undefined
  }, 15_000, 'every job to end').catch((err: Error) => t.fail(err.message))
  const calls = vendor.calls()
  for (const [i, id] of innocent.entries()) {
    t.match(ended[i], { status: 'complete', attempts: 1, result: { ok: true, n: i } })
    t.equal(calls[id], 1, `innocent job ${i} called exactly once`)
  }
  const byAnswer = async (answer: HostileAnswer) => (await get(ids[answer])).job
  t.match(await byAnswer('emoji400'), { status: 'failed', attempts: 1, error: /^hostile rejected the call with 400: x{199}😀…$/ })
  t.match(await byAnswer('surrogateError'), { status: 'failed', attempts: 1, error: 'refused \ufffd' })
  t.match(await byAnswer('surrogateResult'), { status: 'complete', attempts: 1, result: { v: '\ufffd' } })
  t.match(await byAnswer('deep'), { status: 'failed', attempts: 1, error: 'hostile answered a result that cannot be stored: it is nested deeper than 64 levels' })
  t.match(await byAnswer('nulKey'), { status: 'failed', attempts: 1, error: 'hostile answered a result that cannot be stored: its key "k\\u0000": it contains a NUL byte, which the job store cannot hold' })
  t.match(await byAnswer('huge'), { status: 'failed', attempts: 1, error: 'hostile answered a result that cannot be stored: it holds a number beyond what JSON can carry' })
  t.match(await byAnswer('farRetry'), { status: 'failed', attempts: 2, error: /^hostile answered 500: .*\(after 2 attempts\)$/ })
  for (const answer of Object.keys(ids) as HostileAnswer[]) {
    t.equal(calls[ids[answer]], answer === 'farRetry' ? 2 : 1, `${answer}: called once per attempt`)
  }
})

test('a mapping that runs for seconds in one built-in is stopped at its bound, while the worker keeps renewing its other leases', { skip }, async (t) => {
  const vendor = await startHostileVendor(t)
  const stack = await startStack(t, {
    vendors: {
      mapped: {
        mode: 'sync',
        url: vendor.url,
        rateLimit: { perSecond: 1000, burst: 100 },
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
        response: { result: 'body.items ? {"distinct": $count($distinct(body.items))} : body' }
      }
    },
    // Leases this short are lost within a second by a worker whose event loop is held.
    env: { LEASE_MS: '1000' }
  })
  await Promise.all([stack.startWorker(), stack.startWorker()])
  const [slow, ...innocent] = await postMany(stack, 11, (i) => i === 0 ? { vendor: 'mapped', answer: 'many' } : { vendor: 'mapped', n: i - 1 })
  if (slow === undefined) return t.fail('not posted')
  let jobs: JobView[] = []
  await waitFor(async () => {
    jobs = await Promise.all([slow, ...innocent].map(async (id) => (await request(`${stack.base}/jobs/${id}`)).body.json() as Promise<JobView>))
    return jobs.every((j) => j.status === 'complete' || j.status === 'failed') ? true : undefined
  }, 15_000, 'every job to end').catch((err: Error) => t.fail(err.message))
  // Given the lease-loss window a chance to show a second call.
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  const calls = vendor.calls()
  t.match(jobs[0], { status: 'failed', attempts: 1, error: 'vendor "mapped": response.result: ran past its 100 ms bound and was stopped' })
  t.equal(calls[slow], 1, 'the slow job called once: its lease was renewed while its mapping ran')
  for (const [i, id] of innocent.entries()) {
    t.match(jobs[i + 1], { status: 'complete', attempts: 1, result: { ok: true, n: i } })
    t.equal(calls[id], 1, `innocent job ${i} called exactly once`)
  }
})
