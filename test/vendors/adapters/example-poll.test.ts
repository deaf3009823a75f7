import { test } from 'tap'
import { readAnswer } from '../../../vendors/adapters/answer.js'
import { buildPollRequest, readPollAnswer } from '../../../vendors/adapters/poll.js'
import { buildRequest } from '../../../vendors/adapters/request.js'
import { call, compileExample, ENV, send, startExampleMock } from './example.js'

test('the polling vendor: submitted, polled under its own id while running, then done with its output', async (t) => {
  const { mock, origin } = await startExampleMock(t, 'pollVendor', { pollReadyAfterMs: 150 })
  const vendor = compileExample('pollVendor', origin)
  const job = call({ q: 'widgets' })
  const submit = await buildRequest(vendor, job)
  t.match(submit, { method: 'POST', path: '/jobs', headers: { 'x-api-key': ENV.POLL_API_KEY } })
  const accepted = await readAnswer(vendor, undefined, submit, await send(submit))
  t.match(accepted, { kind: 'accepted', vendorRef: /^pj-/ })
  const vendorRef = (accepted as { vendorRef: string }).vendorRef

  const poll = await buildPollRequest(vendor, { ...job, vendorRef, attempt: 1 })
  t.same(poll, { method: 'GET', origin, path: `/jobs/${vendorRef}`, headers: { 'x-api-key': ENV.POLL_API_KEY } }, 'a GET, no body, no Idempotency-Key')
  t.same(await readPollAnswer(vendor, poll, await send(poll)), { state: 'running' })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(await readPollAnswer(vendor, poll, await send(poll)), { state: 'done', result: { query: { q: 'widgets' }, rows: 3 } })
  t.equal((await mock.inject({ method: 'GET', url: `/admin/stats?request_id=${vendorRef}` })).json().calls, 2, 'polls counted under their id')
})

test("a job the polling vendor failed ends with the vendor's message", async (t) => {
  const { origin } = await startExampleMock(t, 'pollVendor', { pollReadyAfterMs: 0 })
  const vendor = compileExample('pollVendor', origin)
  const job = call({ simulate: 'failure' })
  const submit = await buildRequest(vendor, job)
  const { vendorRef } = await readAnswer(vendor, undefined, submit, await send(submit)) as { vendorRef: string }
  const poll = await buildPollRequest(vendor, { ...job, vendorRef })
  t.same(await readPollAnswer(vendor, poll, await send(poll)), { state: 'failed', error: 'the query could not be answered' })
})

test('a job the polling vendor no longer knows (404) fails, as the example maps it', async (t) => {
  const { origin } = await startExampleMock(t, 'pollVendor')
  const vendor = compileExample('pollVendor', origin)
  const poll = await buildPollRequest(vendor, call({}, { vendorRef: 'pj-gone' }))
  t.same(await readPollAnswer(vendor, poll, await send(poll)), { state: 'failed', error: 'the vendor no longer knows the job' })
})

test("a vendor reference is encoded into the poll's path, and one that would climb out of it is refused", async (t) => {
  const { origin } = await startExampleMock(t, 'pollVendor')
  const vendor = compileExample('pollVendor', origin)
  t.equal((await buildPollRequest(vendor, call({}, { vendorRef: 'job 1?x=1' }))).path, '/jobs/job%201%3Fx%3D1')
  await t.rejects(buildPollRequest(vendor, call({}, { vendorRef: '../admin/stats?x=1' })), {
    message: 'vendor "pollVendor": poll.request.path: yielded "/jobs/..%2Fadmin%2Fstats%3Fx%3D1", which holds an encoded "/" or "\\" in a segment'
  })
})
