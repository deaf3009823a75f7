import { test } from 'tap'
import { request } from 'undici'
import { freePort, listenTestApp } from '../helper.js'
import { ended, exampleVendors, postJob, startDialectMocks, tokenStats, useSecrets } from '../dialects.js'

useSecrets()

/** Fewer failed calls than the breaker's 20: with more it opens, and the jobs wait for the vendor instead of spending attempts. */
const JOBS = 5
/** Three attempts, quickly: the token's own backoff (1 s, then 2 s) paces them. */
const RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 }

async function setFault (company: string, fault: 'none' | 'fail' | 'garbage'): Promise<void> {
  const res = await request(`${company}/admin/oauth`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault }) })
  await res.body.dump()
}

const FAULTS = [
  { what: 'answers 503', fault: 'fail', error: /^companyVendor: OAuth2 token endpoint answered 503: \{"error":"temporarily_unavailable"\} \(after 3 attempts\)$/ },
  { what: 'answers an HTML page', fault: 'garbage', error: /^companyVendor: OAuth2 token endpoint answered 200 with a body that is not JSON: <html><body>Login<\/body><\/html> \(after 3 attempts\)$/ }
] as const

for (const { what, fault, error } of FAULTS) {
  test(`a token endpoint that ${what} fails the jobs after their attempts, naming the token problem, with one token request per backoff; back up, jobs complete`, async (t) => {
    const { urls } = await startDialectMocks(t)
    const company = urls.companyVendor
    await setFault(company, fault)
    const { url } = await listenTestApp(t, {}, exampleVendors({ companyVendor: company }, { companyVendor: { retry: RETRY } }))
    const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => postJob(url, { vendor: 'companyVendor', domain: `d${i}.io` })))
    for (const id of ids) t.match(await ended(url, id), { status: 'failed', attempts: 3, error })
    const { tokenRequests } = await tokenStats(company)
    t.ok(tokenRequests <= RETRY.attempts, `${tokenRequests} token requests for ${JOBS} jobs of ${RETRY.attempts} attempts each, not one per call`)

    await setFault(company, 'none')
    const later = await postJob(url, { vendor: 'companyVendor', domain: 'later.io' })
    t.match(await ended(url, later), { status: 'complete', result: { domain: 'later.io' } }, 'a later job completes once the endpoint is back')
    t.match(await tokenStats(company), { tokensIssued: 1 })
  })
}

test('a token endpoint nobody listens on fails the jobs after their attempts, saying the call failed', async (t) => {
  const { urls } = await startDialectMocks(t)
  const down = `http://127.0.0.1:${await freePort()}`
  const vendors = exampleVendors({ companyVendor: urls.companyVendor }, { companyVendor: { retry: RETRY } })
  const auth = vendors.companyVendor?.auth
  if (auth?.type !== 'oauth2-client-credentials') throw new Error('companyVendor is an OAuth2 vendor')
  const { url } = await listenTestApp(t, {}, { companyVendor: { ...vendors.companyVendor, auth: { ...auth, tokenUrl: `${down}/oauth/token` } } })
  const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => postJob(url, { vendor: 'companyVendor', domain: `d${i}.io` })))
  for (const id of ids) {
    t.match(await ended(url, id), { status: 'failed', attempts: 3, error: /^companyVendor: OAuth2 token endpoint call failed \(ECONNREFUSED: .*\) \(after 3 attempts\)$/ })
  }
  const calls = await request(`${urls.companyVendor}/admin/stats`).then((res) => res.body.json()) as { received: number }
  t.equal(calls.received, 0, 'the vendor was never called without a token')
})
