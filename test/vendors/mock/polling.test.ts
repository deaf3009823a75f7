import { test } from 'tap'
import { request } from 'undici'
import { buildMockPollingVendor } from '../../../vendors/mock/polling.js'

interface Tap {
  teardown (fn: () => unknown): void
}

const KEY = 'poll-test-key'

async function startPolling (t: Tap, readyAfterMs: number) {
  const mock = buildMockPollingVendor({ apiKey: KEY, readyAfterMs })
  t.teardown(() => mock.close())
  return { mock, url: await mock.listen({ port: 0, host: '127.0.0.1' }) }
}

async function call (url: string, method: 'GET' | 'POST', path: string, body?: unknown, key = KEY, more: Record<string, string> = {}) {
  const res = await request(`${url}${path}`, {
    method,
    headers: { 'x-api-key': key, ...more, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

test('a submitted job runs until its delay has passed, then succeeds with its output', async (t) => {
  const { url } = await startPolling(t, 150)
  const submit = await call(url, 'POST', '/jobs', { query: { q: 'x' } })
  t.equal(submit.status, 201)
  const id = submit.body.job_id as string
  t.match(id, /^pj-/)
  t.match(await call(url, 'GET', `/jobs/${id}`), { status: 200, body: { job_id: id, state: 'running', progress: Number } })
  await new Promise((resolve) => setTimeout(resolve, 170))
  t.same(await call(url, 'GET', `/jobs/${id}`), { status: 200, body: { job_id: id, state: 'succeeded', output: { query: { q: 'x' }, rows: 3 } } })
})

test('a query asking for failure ends failed with a message', async (t) => {
  const { url } = await startPolling(t, 0)
  const { body } = await call(url, 'POST', '/jobs', { query: { simulate: 'failure' } })
  t.same((await call(url, 'GET', `/jobs/${body.job_id}`)).body, {
    job_id: body.job_id, state: 'failed', error: { message: 'the query could not be answered' }
  })
})

test('an unknown job is a 404, a wrong key a 401; the submit counts under the Idempotency-Key, polls under the job id', async (t) => {
  const { mock, url } = await startPolling(t, 0)
  t.equal((await call(url, 'GET', '/jobs/pj-nope')).status, 404)
  t.equal((await call(url, 'POST', '/jobs', { query: {} }, 'wrong')).status, 401)
  const { body } = await call(url, 'POST', '/jobs', { query: {} }, KEY, { 'idempotency-key': 'req-5' })
  await call(url, 'GET', `/jobs/${body.job_id}`)
  await call(url, 'GET', `/jobs/${body.job_id}`)
  const calls = async (id: string) => (await mock.inject({ method: 'GET', url: `/admin/stats?request_id=${id}` })).json().calls
  t.equal(await calls('req-5'), 1)
  t.equal(await calls(body.job_id as string), 2)
  t.equal((await mock.inject({ method: 'GET', url: '/admin/stats' })).statusCode, 200, 'the admin routes need no key')
})
