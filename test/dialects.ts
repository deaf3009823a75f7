import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request } from 'undici'
import type { VendorEntry } from '../vendors/config.js'
import { buildDialectMocks, type DEV_SECRETS, DIALECT_PORTS, type DialectName, EXAMPLE_ACCOUNT_SID } from '../vendors/mock/dialects.js'
import { type MockFaults, NO_FAULTS } from '../vendors/mock/faults.js'
import { freePort, type TestContext, waitFor } from './helper.js'

export const DIALECTS = Object.keys(DIALECT_PORTS) as DialectName[]

/** vendors.example.json as the repository ships it. */
export const EXAMPLE: Record<DialectName, VendorEntry> = JSON.parse(readFileSync(new URL('../vendors.example.json', import.meta.url), 'utf8'))

type Poll = NonNullable<VendorEntry['poll']>

/** The example poll vendor's `poll`, with some of its fields replaced. */
export function examplePoll (over: Partial<Poll>): Poll {
  const poll = EXAMPLE.pollVendor.poll
  if (poll === undefined) throw new Error('vendors.example.json has lost pollVendor.poll')
  return { ...poll, ...over }
}

/** Distinctive secret values, so that a test can search logs, answers and stored jobs for them. */
export const SECRETS: Record<keyof typeof DEV_SECRETS, string> = {
  PEOPLE_API_KEY: 'SEKRIT-people-9f1c2a7e',
  COMPANY_CLIENT_SECRET: 'SEKRIT-company-4b8d0e13',
  ENRICH_API_PASSWORD: 'SEKRIT-enrich-pw-c7a2f950',
  ENRICH_WEBHOOK_SECRET: `whsec_${Buffer.from('SEKRIT-enrich-wh-18e3b6d4').toString('base64')}`,
  ENRICH_HMAC_SECRET: 'SEKRIT-hmac-62f09ac1',
  POLL_API_KEY: 'SEKRIT-poll-d35e7b02',
  DIRECTORY_API_KEY: 'SEKRIT-directory-a91c4f68',
  BILLING_API_KEY: 'SEKRIT-billing-5d0e2b77',
  FILES_API_KEY: 'SEKRIT-files-7c31aa09',
  ISSUES_TOKEN: 'SEKRIT-issues-e24b8f61',
  SMS_AUTH_TOKEN: 'SEKRIT-sms-0b9d3c52',
  ENRICH_STRIPE_SECRET: 'whsec_SEKRIT-enrich-stripe-71f3'
}

/** Every form a secret could take in a line of text: as set, and the base64 of basic auth's `user:password`. */
const SECRET_FORMS = [
  ...Object.values(SECRETS),
  Buffer.from(`vfs-example:${SECRETS.ENRICH_API_PASSWORD}`).toString('base64'),
  Buffer.from(`${SECRETS.BILLING_API_KEY}:`).toString('base64'),
  Buffer.from(`${EXAMPLE_ACCOUNT_SID}:${SECRETS.SMS_AUTH_TOKEN}`).toString('base64')
]

/** The secrets that `vendorsPlugin` reads from the process's environment, as the service does at start. */
export function useSecrets (): void {
  Object.assign(process.env, SECRETS)
}

/** Which of the secret forms `text` holds. */
export function leaked (text: string): string[] {
  return SECRET_FORMS.filter((secret) => text.includes(secret))
}

/** The example entries of the vendors `urls` names, every URL of each (url, tokenUrl) moved to the origin given; `over` replaces fields. */
export function exampleVendors (urls: Partial<Record<DialectName, string>>, over: Partial<Record<DialectName, Partial<VendorEntry>>> = {}): Record<string, VendorEntry> {
  const vendors: Record<string, VendorEntry> = {}
  for (const [name, url] of Object.entries(urls) as Array<[DialectName, string]>) {
    const entry = EXAMPLE[name]
    const text = JSON.stringify(entry).replaceAll(new URL(entry.url ?? '').origin, url)
    vendors[name] = { ...JSON.parse(text) as VendorEntry, ...over[name] }
  }
  return vendors
}

/** The dialect mocks in this process, with the test secrets, each on a free port until the test ends; where each listens. */
export async function startDialectMocks (t: TestContext, opts: { faults?: Partial<MockFaults>, pollReadyAfterMs?: number } = {}): Promise<{ urls: Record<DialectName, string> }> {
  const mocks = buildDialectMocks({
    secrets: SECRETS,
    faults: { ...NO_FAULTS, webhookDelayMinMs: 20, webhookDelayMaxMs: 80, ...opts.faults },
    pollReadyAfterMs: opts.pollReadyAfterMs ?? 300,
    tokenTtlS: 3600,
    level: 'silent'
  })
  t.teardown(() => Promise.all(Object.values(mocks).map((mock) => mock.close())))
  const urls = {} as Record<DialectName, string>
  for (const name of DIALECTS) urls[name] = await mocks[name].listen({ port: 0, host: '127.0.0.1' })
  return { urls }
}

/** Free ports for the dialect mocks of another process: the variables to start it with, and the URLs. */
export async function dialectPorts (): Promise<{ env: Record<string, string>, urls: Record<DialectName, string> }> {
  const env: Record<string, string> = {}
  const urls = {} as Record<DialectName, string>
  for (const name of DIALECTS) {
    const port = await freePort()
    env[DIALECT_PORTS[name].env] = String(port)
    urls[name] = `http://127.0.0.1:${port}`
  }
  return { env, urls }
}

/** Bytes that UTF-8 would change (0x89, 0xc2, 0xff), as a PNG's signature starts: a file must arrive exactly so. */
const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xc2, 0xff, 0xfe, 0x80])
const BINARY_SHA256 = createHash('sha256').update(BINARY).digest('hex')

/** A job of each dialect that its mock completes, how its result shows it was mapped, and its calls when more than one (pages). */
export const DIALECT_JOBS: Array<{ vendor: DialectName, body: Record<string, unknown>, result: Record<string, unknown>, attempts?: number }> = [
  { vendor: 'peopleVendor', body: { email: 'ada.lovelace@example.com' }, result: { full_name: 'Ada Lovelace', employer: { domain: 'example.com' } } },
  { vendor: 'companyVendor', body: { domain: 'acme.io' }, result: { domain: 'acme.io', name: 'Acme' } },
  { vendor: 'enrichVendor', body: { email: 'e@x.io' }, result: { email: 'e@x.io', enriched: true } },
  { vendor: 'enrichHmacVendor', body: { email: 'h@x.io' }, result: { email: 'h@x.io', enriched: true } },
  { vendor: 'pollVendor', body: { q: 'rows' }, result: { query: { q: 'rows' }, rows: 3 } },
  { vendor: 'directoryVendor', body: { type: 'user_data', userId: 42 }, result: { id: 42, name: 'User 42' } },
  { vendor: 'directoryVendor', body: { type: 'company_data', domain: 'globex.com' }, result: { domain: 'globex.com', industry: 'software' } },
  {
    vendor: 'billingVendor',
    body: { type: 'charge', amount: 2000, currency: 'usd', metadata: { order: 'A-1' } },
    result: { object: 'charge', amount: 2000, metadata: { order: 'A-1' }, expanded: ['balance_transaction'] }
  },
  { vendor: 'billingVendor', body: { type: 'customers' }, result: { pages: 3, items: { length: 7, 6: { id: 'cus_0007' } } }, attempts: 3 },
  {
    vendor: 'filesVendor',
    body: { type: 'upload', purpose: 'dispute_evidence', filename: 'logo.png', contentType: 'image/png', content: BINARY.toString('base64') },
    result: { filename: 'logo.png', type: 'image/png', size: BINARY.length, sha256: BINARY_SHA256 }
  },
  {
    vendor: 'filesVendor',
    body: { type: 'object', name: 'report 1.bin', contentType: 'application/octet-stream', content: BINARY.toString('base64') },
    result: { name: 'report 1.bin', content_type: 'application/octet-stream', size: BINARY.length, sha256: BINARY_SHA256 }
  },
  { vendor: 'issuesVendor', body: { owner: 'acme', repo: 'widgets' }, result: { pages: 3, items: { length: 23, 22: { number: 23 } } }, attempts: 3 },
  { vendor: 'smsVendor', body: { to: '+15005550006', from: '+15005550009', text: 'hello' }, result: { status: 'delivered' } },
  { vendor: 'enrichStripeVendor', body: { email: 's@x.io' }, result: { email: 's@x.io', enriched: true } }
]

/** The `i`th of DIALECT_JOBS, round and round. */
export function dialectJob (i: number): typeof DIALECT_JOBS[number] {
  return DIALECT_JOBS[i % DIALECT_JOBS.length] as typeof DIALECT_JOBS[number]
}

/** POST /jobs over HTTP; the id of a job the service took. */
export async function postJob (base: string, body: Record<string, unknown>): Promise<string> {
  const res = await request(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json = await res.body.json() as { request_id?: string }
  if (res.statusCode !== 202 || json.request_id === undefined) throw new Error(`POST /jobs answered ${res.statusCode}: ${JSON.stringify(json)}`)
  return json.request_id
}

export type JobAnswer = { request_id: string, status: string, vendor: string, attempts: number, created_at: string, updated_at: string, result?: Record<string, unknown>, error?: string, next_attempt_at?: string, last_error?: string }

/** GET /jobs/{id} as its raw text and parsed. */
export async function getJob (base: string, id: string): Promise<{ text: string, job: JobAnswer }> {
  const res = await request(`${base}/jobs/${id}`)
  const text = await res.body.text()
  return { text, job: JSON.parse(text) as JobAnswer }
}

/** Waits until the job has ended (complete or failed) and answers it. */
export async function ended (base: string, id: string, timeoutMs = 15_000): Promise<JobAnswer> {
  return waitFor(async () => {
    const { job } = await getJob(base, id)
    return job.status === 'complete' || job.status === 'failed' ? job : undefined
  }, timeoutMs, `job ${id} to end`)
}

/** GET /admin/oauth of the OAuth2 mock. */
export async function tokenStats (companyUrl: string): Promise<{ tokenRequests: number, tokensIssued: number, activeTokens: number }> {
  const res = await request(`${companyUrl}/admin/oauth`)
  return await res.body.json() as { tokenRequests: number, tokensIssued: number, activeTokens: number }
}
