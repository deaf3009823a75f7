import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import type { VendorAnswer } from '../../../vendors/adapters/answer.js'
import type { CompiledVendor } from '../../../vendors/adapters/compiled.js'
import { type CompileOptions, compileVendor } from '../../../vendors/adapters/mapping.js'
import type { OutgoingRequest } from '../../../vendors/adapters/request.js'
import { DEV_ASYNC_VENDOR_SECRET, defaultVendors } from '../../../vendors/config.js'
import { buildMockBillingVendor } from '../../../vendors/mock/billing.js'
import { type DialectName, EXAMPLE_ACCOUNT_SID, EXAMPLE_CLIENT_ID, EXAMPLE_USERNAME } from '../../../vendors/mock/dialects.js'
import { buildMockDirectoryVendor } from '../../../vendors/mock/directory.js'
import { buildMockEnrichVendor } from '../../../vendors/mock/enrich.js'
import type { MockFaults } from '../../../vendors/mock/faults.js'
import { buildMockFilesVendor } from '../../../vendors/mock/files.js'
import { buildMockIssuesVendor } from '../../../vendors/mock/issues.js'
import { buildMockOAuthVendor } from '../../../vendors/mock/oauth.js'
import { buildMockPeopleVendor } from '../../../vendors/mock/people.js'
import { buildMockPollingVendor } from '../../../vendors/mock/polling.js'
import { buildMockSmsVendor } from '../../../vendors/mock/sms.js'
import type { TestContext } from './receiver.js'

export { startReceiver, type TestContext, until } from './receiver.js'

/** vendors.example.json as the repository ships it. */
export const EXAMPLE: Record<string, Record<string, unknown>> = JSON.parse(readFileSync(new URL('../../../vendors.example.json', import.meta.url), 'utf8'))

/** Distinctive values, so that a test can search every message and object for them. */
export const ENV = {
  PEOPLE_API_KEY: 'pk-SECRET-people-3f9a1c',
  COMPANY_CLIENT_SECRET: 'cs-SECRET-company-77b2e0',
  ENRICH_API_PASSWORD: 'pw-SECRET-enrich-c41d9b',
  ENRICH_WEBHOOK_SECRET: `whsec_${Buffer.from('wh-SECRET-enrich-5e8f02').toString('base64')}`,
  ENRICH_HMAC_SECRET: 'hm-SECRET-enrich-a0b7d3',
  POLL_API_KEY: 'ak-SECRET-poll-91c6e4',
  DIRECTORY_API_KEY: 'dk-SECRET-directory-2d5f88',
  BILLING_API_KEY: 'bk-SECRET-billing-6a1f30',
  FILES_API_KEY: 'fk-SECRET-files-93be27',
  ISSUES_TOKEN: 'it-SECRET-issues-0c4d81',
  SMS_AUTH_TOKEN: 'st-SECRET-sms-5e72a9',
  ENRICH_STRIPE_SECRET: 'whsec_SECRET-enrich-stripe-d8e1'
}

export const SECRET_VALUES = Object.values(ENV)

/** An example entry merged over the defaults as VENDORS_FILE merges it, pointed at `origin` instead of its port. */
export function exampleEntry (name: string, origin: string): Record<string, unknown> {
  const entry = EXAMPLE[name]
  if (entry === undefined) throw new Error(`vendors.example.json has no ${name}`)
  const base = (defaultVendors(DEV_ASYNC_VENDOR_SECRET) as Record<string, object>)[name] ?? {}
  const configured = new URL(entry.url as string).origin
  return JSON.parse(JSON.stringify({ ...base, ...entry }).replaceAll(configured, origin))
}

export function compileExample (name: string, origin: string, opts: CompileOptions = {}): CompiledVendor {
  return compileVendor(name, exampleEntry(name, origin), { env: ENV, ...opts })
}

/** Sends a built request as a worker would, and reads the whole answer. */
export async function send (req: OutgoingRequest): Promise<VendorAnswer> {
  const res = await request(`${req.origin}${req.path}`, { method: req.method as 'GET', headers: req.headers, body: req.body })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

export interface MockOptions {
  faults?: Partial<MockFaults>
  pollReadyAfterMs?: number
  tokenTtlS?: number
}

/** The mock that vendors.example.json's `name` stands for, with the test secrets, listening on a free port until the test ends. */
export async function startExampleMock (t: TestContext, name: DialectName, opts: MockOptions = {}): Promise<{ mock: FastifyInstance, origin: string }> {
  const faults = { webhookDelayMinMs: 10, webhookDelayMaxMs: 40, ...opts.faults }
  const enrich = { faults, username: EXAMPLE_USERNAME, password: ENV.ENRICH_API_PASSWORD }
  const mock = {
    peopleVendor: () => buildMockPeopleVendor({ faults, apiKey: ENV.PEOPLE_API_KEY }),
    companyVendor: () => buildMockOAuthVendor({ faults, clientId: EXAMPLE_CLIENT_ID, clientSecret: ENV.COMPANY_CLIENT_SECRET, tokenTtlS: opts.tokenTtlS }),
    enrichVendor: () => buildMockEnrichVendor({ ...enrich, signature: { scheme: 'standard-webhooks' }, webhookSecret: ENV.ENRICH_WEBHOOK_SECRET }),
    enrichHmacVendor: () => buildMockEnrichVendor({
      ...enrich,
      signature: { scheme: 'hmac', header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' },
      webhookSecret: ENV.ENRICH_HMAC_SECRET
    }),
    pollVendor: () => buildMockPollingVendor({ faults, apiKey: ENV.POLL_API_KEY, readyAfterMs: opts.pollReadyAfterMs ?? 200 }),
    directoryVendor: () => buildMockDirectoryVendor({ faults, apiKey: ENV.DIRECTORY_API_KEY }),
    billingVendor: () => buildMockBillingVendor({ faults, apiKey: ENV.BILLING_API_KEY }),
    filesVendor: () => buildMockFilesVendor({ faults, apiKey: ENV.FILES_API_KEY }),
    issuesVendor: () => buildMockIssuesVendor({ faults, token: ENV.ISSUES_TOKEN }),
    smsVendor: () => buildMockSmsVendor({ faults, accountSid: EXAMPLE_ACCOUNT_SID, authToken: ENV.SMS_AUTH_TOKEN }),
    enrichStripeVendor: () => buildMockEnrichVendor({ ...enrich, signature: { scheme: 'stripe', header: 'Stripe-Signature' }, webhookSecret: ENV.ENRICH_STRIPE_SECRET })
  }[name]()
  t.teardown(() => mock.close())
  const origin = await mock.listen({ port: 0, host: '127.0.0.1' })
  return { mock, origin }
}

/** A job's first call, as the worker would describe it. */
export function call (payload: Record<string, unknown>, more: { type?: string, callbackUrl?: string, vendorRef?: string, requestId?: string } = {}) {
  return { requestId: more.requestId ?? '6f1c1a52-2c53-4b7e-9d39-1f0e6a0c8b11', payload, attempt: 1, ...more }
}
