import { test } from 'tap'
import { readAnswer } from '../../../vendors/adapters/answer.js'
import { MappingError, TokenRejectedError, VendorJobFailedError } from '../../../vendors/adapters/errors.js'
import { buildRequest } from '../../../vendors/adapters/request.js'
import { UnrecoverableVendorError, VendorError } from '../../../vendors/errors.js'
import { call, compileExample, ENV, send, startExampleMock } from './example.js'

test('the people vendor: a GET with the email in its query and a bearer key, the person read from under "person"', async (t) => {
  const { mock, origin } = await startExampleMock(t, 'peopleVendor')
  const vendor = compileExample('peopleVendor', origin)
  const job = call({ email: 'ada.lovelace@example.com' })
  const req = await buildRequest(vendor, job)
  t.match(req, { method: 'GET', origin, path: '/v2/people/find?email=ada.lovelace%40example.com' })
  t.equal(req.body, undefined, 'a GET has no body')
  t.equal(req.headers.authorization, `Bearer ${ENV.PEOPLE_API_KEY}`)
  t.equal(req.headers['idempotency-key'], job.requestId)
  const outcome = await readAnswer(vendor, undefined, req, await send(req))
  t.match(outcome, { kind: 'result', result: { email: 'ada.lovelace@example.com', full_name: 'Ada Lovelace', employer: { domain: 'example.com' } } })
  t.notOk('credits_left' in ((outcome as { result: object }).result), 'only what sits under person')
  t.equal((await mock.inject({ method: 'GET', url: `/admin/stats?request_id=${job.requestId}` })).json().calls, 1, 'counted under our request id')
})

test("the people vendor's 404 fails the job with the vendor's words, not a retry", async (t) => {
  const { origin } = await startExampleMock(t, 'peopleVendor')
  const vendor = compileExample('peopleVendor', origin)
  const req = await buildRequest(vendor, call({ email: 'nobody@example.com' }))
  const answer = await send(req)
  t.equal(answer.status, 404)
  await t.rejects(readAnswer(vendor, undefined, req, answer), new VendorJobFailedError('no person with email nobody@example.com'))
})

test('a wrong bearer key is a 401 that fails the job without a retry, and never quotes the key', async (t) => {
  const { origin } = await startExampleMock(t, 'peopleVendor')
  const vendor = compileExample('peopleVendor', origin, { env: { ...ENV, PEOPLE_API_KEY: 'pk-SECRET-wrong-key' } })
  const req = await buildRequest(vendor, call({ email: 'ada@example.com' }))
  const err = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
  t.type(err, UnrecoverableVendorError)
  t.match((err as Error).message, /^peopleVendor rejected the call with 401: /)
  t.notMatch((err as Error).message, /SECRET/)
})

test('a 503 or a 429 from a mapped vendor is retried, with its Retry-After', async (t) => {
  const { origin } = await startExampleMock(t, 'peopleVendor', { faults: { rate429: 1, retryAfterS: 4 } })
  const vendor = compileExample('peopleVendor', origin)
  const req = await buildRequest(vendor, call({ email: 'ada@example.com' }))
  const err = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
  t.type(err, VendorError)
  t.notOk(err instanceof UnrecoverableVendorError, 'retryable')
  t.equal((err as VendorError).retryAfterMs, 4000)
})

test('an HTML page where JSON should be is retried; a JSON answer without the mapped field fails the job', async (t) => {
  const { origin } = await startExampleMock(t, 'peopleVendor', { faults: { malformedRate: 1 } })
  const vendor = compileExample('peopleVendor', origin)
  const req = await buildRequest(vendor, call({ email: 'ada@example.com' }))
  const html = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
  t.type(html, VendorError)
  t.notOk(html instanceof UnrecoverableVendorError)
  t.match((html as Error).message, /^peopleVendor answered 200 with a body that is not JSON: <!DOCTYPE html>/)
  await send(req)
  const bare = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
  t.type(bare, MappingError)
  t.equal((bare as Error).message, 'vendor "peopleVendor": response.result: yielded nothing for the answer 200: "OK"')
})

test('the OAuth2 vendor: a JSON body built by the mapping, a fetched token, the data read from under "data"', async (t) => {
  const { mock, origin } = await startExampleMock(t, 'companyVendor')
  const vendor = compileExample('companyVendor', origin)
  for (const domain of ['acme.com', 'globex.com', 'initech.com']) {
    const req = await buildRequest(vendor, call({ domain }))
    t.match(req, { method: 'POST', path: '/v1/companies/search', headers: { 'content-type': 'application/json', authorization: /^Bearer tok_/ } })
    t.same(JSON.parse(String(req.body ?? '')), { domain })
    t.match(await readAnswer(vendor, undefined, req, await send(req)), { kind: 'result', result: { domain, employees: Number } })
  }
  t.match((await mock.inject({ method: 'GET', url: '/admin/oauth' })).json(), { tokensIssued: 1 }, 'one token serves every call')
})

test('the directory vendor serves two job types at two endpoints, each with its own mapping', async (t) => {
  const { mock, origin } = await startExampleMock(t, 'directoryVendor')
  const vendor = compileExample('directoryVendor', origin)
  const user = await buildRequest(vendor, call({ userId: 7 }, { type: 'user_data' }))
  t.match(user, { method: 'GET', path: `/v1/users/7?api_key=${ENV.DIRECTORY_API_KEY}` })
  t.equal(user.body, undefined)
  t.same(await readAnswer(vendor, 'user_data', user, await send(user)), { kind: 'result', result: { id: 7, name: 'User 7', email: 'user7@example.com' } })
  const company = await buildRequest(vendor, call({ domain: 'acme.com' }, { type: 'company_data' }))
  t.match(company, { method: 'POST', path: `/v1/companies/lookup?api_key=${ENV.DIRECTORY_API_KEY}` })
  t.same(await readAnswer(vendor, 'company_data', company, await send(company)), { kind: 'result', result: { domain: 'acme.com', name: 'acme', industry: 'software' } })
  t.match((await mock.inject({ method: 'GET', url: '/admin/stats' })).json(), { received: 2 })
  await t.rejects(buildRequest(vendor, call({ userId: 7 }, { type: 'invoice_data' })), {
    message: 'vendor "directoryVendor": types: unknown job type "invoice_data" (one of user_data, company_data)'
  })
  await t.rejects(buildRequest(vendor, call({ userId: 7 })), { message: /the job has no type/ })
})

test('the OAuth2 vendor answering 401 to a revoked token: a retryable error, and the next call goes with a new token', async (t) => {
  const { mock, origin } = await startExampleMock(t, 'companyVendor')
  const vendor = compileExample('companyVendor', origin)
  const first = await buildRequest(vendor, call({ domain: 'acme.com' }))
  await mock.inject({ method: 'POST', url: '/admin/oauth/revoke' })
  const err = await readAnswer(vendor, undefined, first, await send(first)).catch((e: unknown) => e)
  t.type(err, TokenRejectedError)
  t.notOk(err instanceof UnrecoverableVendorError, 'retryable')
  t.equal((err as Error).message, 'companyVendor answered 401 to its OAuth2 token; the next call fetches a new one')
  const second = await buildRequest(vendor, call({ domain: 'acme.com' }))
  t.not(second.headers.authorization, first.headers.authorization)
  t.match(await readAnswer(vendor, undefined, second, await send(second)), { kind: 'result', result: { domain: 'acme.com' } })
  t.match((await mock.inject({ method: 'GET', url: '/admin/oauth' })).json(), { tokensIssued: 2 })
})

test('the OAuth2 vendor\'s token endpoint being down fails the call before it is sent, retryably', async (t) => {
  const { mock, origin } = await startExampleMock(t, 'companyVendor')
  await mock.inject({ method: 'PUT', url: '/admin/oauth', payload: { fault: 'fail' } })
  const vendor = compileExample('companyVendor', origin)
  await t.rejects(buildRequest(vendor, call({ domain: 'acme.com' })), { name: 'TokenError', message: /^companyVendor: OAuth2 token endpoint answered 503/ })
  t.match((await mock.inject({ method: 'GET', url: '/admin/stats' })).json(), { received: 0 }, 'the API was never called')
})

test("the issue tracker's last call of a window pauses the vendor until its reset, and its 403 past the limit is a retryable rate limit", async (t) => {
  const { origin } = await startExampleMock(t, 'issuesVendor', { faults: { rateLimit: 1, rateWindowS: 3 } })
  const vendor = compileExample('issuesVendor', origin)
  const req = await buildRequest(vendor, call({ owner: 'acme', repo: 'widgets' }))
  t.match(req, { method: 'GET', path: '/repos/acme/widgets/issues?per_page=10&state=open', headers: { authorization: `Bearer ${ENV.ISSUES_TOKEN}` } })
  const first = await readAnswer(vendor, undefined, req, await send(req))
  t.match(first, { kind: 'page', progress: { pages: 1, next: { link: '/repos/acme/widgets/issues?per_page=10&state=open&page=2' } } })
  t.ok((first.pauseMs ?? 0) > 1000 && (first.pauseMs ?? 0) <= 4000, `remaining 0: paused until the reset, ${first.pauseMs} ms`)
  const err = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
  t.type(err, VendorError)
  t.notOk(err instanceof UnrecoverableVendorError, "response.retryable makes GitHub's 403 a rate limit, not a refusal")
  t.match(err, { status: 403, message: /^issuesVendor answered 403: .*API rate limit exceeded/, pauseMs: Number })
})

test('the billing vendor: a form body with nested metadata and expand[], the key as the Basic user name, and a type kept out of the form', async (t) => {
  const { origin } = await startExampleMock(t, 'billingVendor')
  const vendor = compileExample('billingVendor', origin)
  const req = await buildRequest(vendor, call({ amount: 2000, currency: 'usd', metadata: { order: 'A-1' } }, { type: 'charge' }))
  t.equal(req.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(req.body, 'amount=2000&currency=usd&metadata%5Border%5D=A-1&expand%5B%5D=balance_transaction', 'no type= in the form')
  t.equal(req.headers.authorization, `Basic ${Buffer.from(`${ENV.BILLING_API_KEY}:`).toString('base64')}`)
  t.match(await readAnswer(vendor, 'charge', req, await send(req)), { kind: 'result', result: { object: 'charge', amount: 2000, metadata: { order: 'A-1' } } })
})
