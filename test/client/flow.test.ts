import createClient from 'openapi-fetch'
import { test } from 'tap'
import { sign } from '../../vendors/signature.js'
import { listenTestApp, SECRET, startMocks, waitFor } from '../helper.js'
import type { paths } from './api.js'

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
