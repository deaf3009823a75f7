import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import createClient from 'openapi-fetch'
import { test } from 'tap'
import { sign } from '../../vendors/signature.js'
import { listenTestApp, SECRET, startMocks, waitFor } from '../helper.js'
import type { paths, webhooks } from './api.js'

/** A team's client, typed only by what openapi-typescript generated from openapi.yaml, drives the whole flow. */
test('a client generated from openapi.yaml submits jobs to both vendors and reads their results', async (t) => {
  const mocks = await startMocks(t)
  const { url } = await listenTestApp(t, {}, mocks.vendors)
  const api = createClient<paths>({ baseUrl: url })

  const health = await api.GET('/health')
  t.equal(health.data?.status, 'ok')

  for (const vendor of ['syncVendor', 'asyncVendor']) {
    const submitted = await api.POST('/jobs', { body: { vendor, type: 'user_data', userId: 42 } })
    t.equal(submitted.response.status, 202)
    const id = submitted.data?.request_id ?? ''
    t.equal(submitted.response.headers.get('location'), `/jobs/${id}`)
    const done = await waitFor(async () => {
      const { data } = await api.GET('/jobs/{id}', { params: { path: { id } } })
      return data?.status === 'complete' ? data : undefined
    }, 10_000, `${vendor} job`)
    t.match(done, { request_id: id, vendor, attempts: 1, result: { request_id: id } })
  }
})

test('the generated client sees the contract errors with their codes', async (t) => {
  const { url } = await listenTestApp(t, { WORKER: 'off' })
  const api = createClient<paths>({ baseUrl: url })
  const unknown = await api.POST('/jobs', { body: { vendor: 'nobody' } })
  t.equal(unknown.response.status, 400)
  t.equal(unknown.error?.code, 'VFS_ERR_UNKNOWN_VENDOR')
  const missing = await api.GET('/jobs/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } })
  t.equal(missing.response.status, 404)
  const body = { request_id: '00000000-0000-4000-8000-000000000000', result: { a: 1 } }
  const webhook = await api.POST('/vendor-webhook/{vendor}', {
    params: { path: { vendor: 'asyncVendor' }, header: { 'x-signature': sign(SECRET, JSON.stringify(body)) } },
    body
  })
  t.equal(webhook.response.status, 404, 'signed, but no such job')
  t.equal(webhook.error?.code, 'VFS_ERR_JOB_NOT_FOUND')
})

test("with TEAMS_FILE the generated client sends its team's bearer key, and sees a 401 without it", async (t) => {
  const file = join(t.testdir(), 'teams.json')
  writeFileSync(file, JSON.stringify({ growth: { keys: [{ env: 'GROWTH_KEY' }] } }))
  const { url } = await listenTestApp(t, { WORKER: 'off', TEAMS_FILE: file, GROWTH_KEY: 'growth-key-0123456789' })
  const api = createClient<paths>({ baseUrl: url, headers: { authorization: 'Bearer growth-key-0123456789' } })
  const submitted = await api.POST('/jobs', { body: { vendor: 'syncVendor', type: 'user_data', userId: 1 } })
  t.equal(submitted.response.status, 202)
  const { data } = await api.GET('/jobs/{id}', { params: { path: { id: submitted.data?.request_id ?? '' } } })
  const team: string | undefined = data?.team
  t.equal(team, 'growth')
  t.equal((await api.GET('/teams/me')).data?.name, 'growth')
  const anonymous = await createClient<paths>({ baseUrl: url }).GET('/jobs', { params: { query: { limit: 20 } } })
  t.equal(anonymous.response.status, 401)
  t.equal(anonymous.error?.code, 'VFS_ERR_UNAUTHENTICATED')
})

test('a generated client batches jobs, waits on its batch, and has the completion webhook\'s type', async (t) => {
  const mocks = await startMocks(t)
  const { url } = await listenTestApp(t, {}, mocks.vendors)
  const api = createClient<paths>({ baseUrl: url })
  const batch = await api.POST('/jobs/batch', { body: { jobs: [{ vendor: 'syncVendor', userId: 1 }, { vendor: 'nobody' }] } })
  t.equal(batch.response.status, 202)
  const [first, second] = batch.data?.jobs ?? []
  t.ok(first !== undefined && 'request_id' in first)
  t.equal(second !== undefined && 'error' in second ? second.error.code : undefined, 'VFS_ERR_UNKNOWN_VENDOR')
  const state = await api.GET('/batches/{id}', { params: { path: { id: batch.data?.batch_id ?? '' }, query: { wait: 10 } } })
  t.match(state.data, { total: 1, done: true, counts: { complete: 1 } })
  // What a receiver of job.complete gets, typed from the contract's webhooks.
  const event: webhooks['job.complete']['post']['requestBody']['content']['application/json'] = {
    type: 'job.complete', timestamp: new Date().toISOString(), data: { request_id: '00000000-0000-4000-8000-000000000000', status: 'complete', vendor: 'syncVendor', team: 'default', created_at: '', updated_at: '', attempts: 1 }
  }
  t.equal(event.data.status, 'complete')
})
