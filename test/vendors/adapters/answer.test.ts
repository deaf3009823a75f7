import { test } from 'tap'
import { readAnswer } from '../../../vendors/adapters/answer.js'
import { MappingError, VendorJobFailedError } from '../../../vendors/adapters/errors.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { UnrecoverableVendorError, VendorError } from '../../../vendors/errors.js'

const URL = 'http://127.0.0.1:9'
const sent = { method: 'POST', origin: URL, path: '/', headers: {} }
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

function sync (response?: Record<string, unknown>) {
  return compileVendor('v', { mode: 'sync', url: URL, ...(response === undefined ? {} : { response }) }, { env: {} })
}

/** The error an answer gives, for its class and message. */
async function failure (pending: Promise<unknown>): Promise<Error> {
  const err = await pending.catch((e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('the answer did not fail')
  return err
}

test('our protocol: a 2xx JSON object is the result; anything else retries, or fails on a refusal', async (t) => {
  const v = sync()
  t.same(await readAnswer(v, undefined, sent, json({ a: 1 })), { kind: 'result', result: { a: 1 } })
  const notObject = await failure(readAnswer(v, undefined, sent, json([1])))
  t.ok(notObject instanceof VendorError && !(notObject instanceof UnrecoverableVendorError))
  t.equal(notObject.message, 'v answered 200 with JSON that is not an object: [1]')
  const refused = await failure(readAnswer(v, undefined, sent, json({ error: 'bad input' }, 422)))
  t.type(refused, UnrecoverableVendorError)
  t.equal(refused.message, 'v rejected the call with 422: {"error":"bad input"}')
})

test('the default retryOn statuses retry, with Retry-After; a custom list replaces them', async (t) => {
  for (const status of [408, 425, 429, 500, 502, 503, 504]) {
    const err = await failure(readAnswer(sync(), undefined, sent, json({}, status, { 'retry-after': '3' })))
    t.ok(err instanceof VendorError && !(err instanceof UnrecoverableVendorError), `${status} retries`)
    t.equal((err as VendorError).retryAfterMs, 3000)
  }
  const only500 = sync({ retryOn: [500] })
  t.type(await failure(readAnswer(only500, undefined, sent, json({}, 503))), UnrecoverableVendorError, '503 is no longer retried')
  t.notOk(await failure(readAnswer(only500, undefined, sent, json({}, 500))) instanceof UnrecoverableVendorError)
})

test('an error expression that yields a string fails the job with it, on any status it sees', async (t) => {
  const v = sync({ result: 'body.data', error: "body.status = 'error' ? body.reason : status = 404 ? 'not found'" })
  const said = await failure(readAnswer(v, undefined, sent, json({ status: 'error', reason: 'quota used up' })))
  t.type(said, VendorJobFailedError)
  t.match(said, { message: 'quota used up', code: 'VFS_ERR_VENDOR_JOB_FAILED' })
  t.match(await failure(readAnswer(v, undefined, sent, json({}, 404))), { name: 'VendorJobFailedError', message: 'not found' })
  t.same(await readAnswer(v, undefined, sent, json({ status: 'ok', data: [1, 2] })), { kind: 'result', result: [1, 2] })
  t.match(await failure(readAnswer(v, undefined, sent, json({}, 500))), { name: 'VendorError' }, 'a retryOn status retries before any mapping')
})

test('a result expression sees the status, headers and body, and may yield any JSON', async (t) => {
  const v = sync({ result: "{ 'status': status, 'etag': headers.etag, 'name': body.person.name }" })
  t.same(await readAnswer(v, undefined, sent, json({ person: { name: 'Ada' } }, 200, { etag: 'W/1' })), {
    kind: 'result', result: { status: 200, etag: 'W/1', name: 'Ada' }
  })
  t.same(await readAnswer(sync({ result: 'body.count' }), undefined, sent, json({ count: 0 })), { kind: 'result', result: 0 })
  t.same(await readAnswer(sync({ result: 'body' }), undefined, sent, { status: 200, headers: {}, body: 'plain words' }), {
    kind: 'result', result: 'plain words'
  }, 'a body that is not JSON is the text')
})

test('a result that finds nothing: garbage retries, well-formed JSON fails the job', async (t) => {
  const v = sync({ result: 'body.person' })
  const garbage = await failure(readAnswer(v, undefined, sent, { status: 200, headers: {}, body: '{"person":' }))
  t.ok(garbage instanceof VendorError && !(garbage instanceof UnrecoverableVendorError))
  const wrongPlace = await failure(readAnswer(v, undefined, sent, json({ people: [] })))
  t.type(wrongPlace, MappingError)
  t.equal(wrongPlace.message, 'vendor "v": response.result: yielded nothing for the answer 200: {"people":[]}')
})

test('an async vendor\'s acceptance gives its own id for the job, or none when no accepted mapping asks', async (t) => {
  const plain = compileVendor('a', { mode: 'async', url: URL, webhookSecret: 'a-webhook-secret' }, { env: {} })
  t.same(await readAnswer(plain, undefined, sent, { status: 202, headers: {}, body: '' }), { kind: 'accepted' })
  const own = compileVendor('a', { mode: 'async', url: URL, webhookSecret: 'a-webhook-secret', accepted: { vendorRef: 'headers.location' } }, { env: {} })
  t.same(await readAnswer(own, undefined, sent, { status: 201, headers: { location: '/jobs/77' }, body: '' }), { kind: 'accepted', vendorRef: '/jobs/77' })
  t.type(await failure(readAnswer(own, undefined, sent, { status: 201, headers: {}, body: '' })), VendorError, 'no id in an empty answer retries')
})

test('a long answer is quoted in at most 200 characters', async (t) => {
  const err = await failure(readAnswer(sync(), undefined, sent, { status: 400, headers: {}, body: 'x'.repeat(5000) }))
  t.equal(err.message, `v rejected the call with 400: ${'x'.repeat(200)}…`)
})
