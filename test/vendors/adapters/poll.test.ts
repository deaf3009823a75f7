import { test } from 'tap'
import { MappingError } from '../../../vendors/adapters/errors.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { buildPollRequest, readPollAnswer } from '../../../vendors/adapters/poll.js'
import { UnrecoverableVendorError, VendorError } from '../../../vendors/errors.js'
import { call } from './example.js'

const URL = 'http://127.0.0.1:9/api'
const json = (body: unknown, status = 200) => ({ status, headers: {}, body: JSON.stringify(body) })

function pollVendor (poll: Record<string, unknown>) {
  return compileVendor('p', { mode: 'poll', url: URL, poll: { request: {}, intervalMs: 200, done: "body.state = 'done'", ...poll } }, { env: {} })
}

test('a poll request is a GET of the url\'s path by default, without body or Idempotency-Key', async (t) => {
  const v = pollVendor({})
  t.same(await buildPollRequest(v, call({}, { vendorRef: 'x' })), { method: 'GET', origin: 'http://127.0.0.1:9', path: '/api', headers: {} })
  t.equal(v.poll?.intervalMs, 200)
})

test('running until done; the result is the body unless poll.result says where', async (t) => {
  const v = pollVendor({})
  const sent = await buildPollRequest(v, call({}))
  t.same(await readPollAnswer(v, sent, json({ state: 'queued' })), { state: 'running' })
  t.same(await readPollAnswer(v, sent, json({ state: 'done', out: 1 })), { state: 'done', result: { state: 'done', out: 1 } })
  const mapped = pollVendor({ result: 'body.out' })
  t.same(await readPollAnswer(mapped, sent, json({ state: 'done', out: [1] })), { state: 'done', result: [1] })
  await t.rejects(readPollAnswer(mapped, sent, json({ state: 'done' })), MappingError, 'done, but nothing where the result should be')
})

test('failed is checked before done, and its error defaults to a plain sentence', async (t) => {
  const v = pollVendor({ done: 'true', failed: "body.state = 'failed'" })
  const sent = await buildPollRequest(v, call({}))
  t.same(await readPollAnswer(v, sent, json({ state: 'failed' })), { state: 'failed', error: 'p reported the job failed' })
  const said = pollVendor({ failed: "body.state = 'failed'", error: 'body.message' })
  t.same(await readPollAnswer(said, sent, json({ state: 'failed', message: 'out of credits' })), { state: 'failed', error: 'out of credits' })
})

test('a retryOn status repeats the poll; another refusal fails it', async (t) => {
  const v = pollVendor({})
  const sent = await buildPollRequest(v, call({}))
  const busy = await readPollAnswer(v, sent, json({}, 503)).catch((e: unknown) => e)
  t.ok(busy instanceof VendorError && !(busy instanceof UnrecoverableVendorError))
  await t.rejects(readPollAnswer(v, sent, json({ error: 'gone' }, 410)), { name: 'UnrecoverableVendorError', message: 'p rejected the poll with 410: {"error":"gone"}' })
})

test('a vendor that is not a poll vendor cannot be polled', async (t) => {
  const sync = compileVendor('s', { mode: 'sync', url: URL }, { env: {} })
  await t.rejects(buildPollRequest(sync, call({})), { message: 'vendor "s": poll: the vendor\'s mode is sync, not poll' })
})
