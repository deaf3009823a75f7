import type { FastifyInstance } from 'fastify'
import { buildMockBillingVendor } from './billing.js'
import { buildMockDirectoryVendor } from './directory.js'
import { buildMockEnrichVendor } from './enrich.js'
import type { MockFaults } from './faults.js'
import { buildMockFilesVendor } from './files.js'
import { buildMockIssuesVendor } from './issues.js'
import { buildMockOAuthVendor } from './oauth.js'
import { buildMockPeopleVendor } from './people.js'
import { buildMockPollingVendor } from './polling.js'
import { buildMockSmsVendor } from './sms.js'
import type { MockVendorOptions } from './vendor.js'

/**
 * The mock vendors that speak other APIs than ours, as `vendors.example.json` wires them. Their secrets are
 * read from the same variables that file names, so one environment serves both; unset, they take these
 * development values.
 */
export const DEV_SECRETS = {
  PEOPLE_API_KEY: 'dev-people-api-key',
  COMPANY_CLIENT_SECRET: 'dev-company-client-secret',
  ENRICH_API_PASSWORD: 'dev-enrich-password',
  ENRICH_WEBHOOK_SECRET: `whsec_${Buffer.from('dev-enrich-webhook-secret').toString('base64')}`,
  ENRICH_HMAC_SECRET: 'dev-enrich-hmac-secret',
  POLL_API_KEY: 'dev-poll-api-key',
  DIRECTORY_API_KEY: 'dev-directory-api-key',
  BILLING_API_KEY: 'sk_test_dev-billing-api-key',
  FILES_API_KEY: 'dev-files-api-key',
  ISSUES_TOKEN: 'dev-issues-token',
  SMS_AUTH_TOKEN: 'dev-sms-auth-token',
  ENRICH_STRIPE_SECRET: 'whsec_dev-enrich-stripe-secret'
}

/** What vendors.example.json says outright, as it is no secret. */
export const EXAMPLE_CLIENT_ID = 'vfs-example'
export const EXAMPLE_USERNAME = 'vfs-example'
/** smsVendor's account, in its path and as its user name: Twilio's account ids are no secret. */
export const EXAMPLE_ACCOUNT_SID = 'AC00000000000000000000000000000000'

export const DIALECT_PORTS = {
  peopleVendor: { env: 'PEOPLE_VENDOR_PORT', port: 3004 },
  companyVendor: { env: 'COMPANY_VENDOR_PORT', port: 3005 },
  enrichVendor: { env: 'ENRICH_VENDOR_PORT', port: 3006 },
  pollVendor: { env: 'POLL_VENDOR_PORT', port: 3007 },
  directoryVendor: { env: 'DIRECTORY_VENDOR_PORT', port: 3008 },
  enrichHmacVendor: { env: 'ENRICH_HMAC_VENDOR_PORT', port: 3009 },
  billingVendor: { env: 'BILLING_VENDOR_PORT', port: 3010 },
  filesVendor: { env: 'FILES_VENDOR_PORT', port: 3011 },
  issuesVendor: { env: 'ISSUES_VENDOR_PORT', port: 3012 },
  smsVendor: { env: 'SMS_VENDOR_PORT', port: 3013 },
  enrichStripeVendor: { env: 'ENRICH_STRIPE_VENDOR_PORT', port: 3014 }
} as const

export type DialectName = keyof typeof DIALECT_PORTS

export interface DialectSettings {
  secrets: Record<keyof typeof DEV_SECRETS, string>
  faults: MockFaults
  /** How long the polling vendor's jobs run. */
  pollReadyAfterMs: number
  /** expires_in of the OAuth2 vendor's tokens. */
  tokenTtlS: number
  level: string
}

export function dialectSecretsFromEnv (env: NodeJS.ProcessEnv): DialectSettings['secrets'] {
  const secrets = { ...DEV_SECRETS }
  for (const name of Object.keys(secrets) as Array<keyof typeof DEV_SECRETS>) secrets[name] = env[name] || secrets[name]
  return secrets
}

/** Each mock by the name vendors.example.json gives it, built and not yet listening. */
export function buildDialectMocks (settings: DialectSettings): Record<DialectName, FastifyInstance> {
  const { secrets: s, faults } = settings
  const common = (name: string): MockVendorOptions => ({ faults, logger: { level: settings.level, name } })
  const enrich = { username: EXAMPLE_USERNAME, password: s.ENRICH_API_PASSWORD }
  return {
    peopleVendor: buildMockPeopleVendor({ ...common('peopleVendor'), apiKey: s.PEOPLE_API_KEY }),
    companyVendor: buildMockOAuthVendor({
      ...common('companyVendor'), clientId: EXAMPLE_CLIENT_ID, clientSecret: s.COMPANY_CLIENT_SECRET, tokenTtlS: settings.tokenTtlS
    }),
    enrichVendor: buildMockEnrichVendor({
      ...common('enrichVendor'), ...enrich, signature: { scheme: 'standard-webhooks' }, webhookSecret: s.ENRICH_WEBHOOK_SECRET
    }),
    pollVendor: buildMockPollingVendor({ ...common('pollVendor'), apiKey: s.POLL_API_KEY, readyAfterMs: settings.pollReadyAfterMs }),
    directoryVendor: buildMockDirectoryVendor({ ...common('directoryVendor'), apiKey: s.DIRECTORY_API_KEY }),
    enrichHmacVendor: buildMockEnrichVendor({
      ...common('enrichHmacVendor'),
      ...enrich,
      signature: { scheme: 'hmac', header: 'X-Hub-Signature-256', encoding: 'hex', prefix: 'sha256=' },
      webhookSecret: s.ENRICH_HMAC_SECRET
    }),
    billingVendor: buildMockBillingVendor({ ...common('billingVendor'), apiKey: s.BILLING_API_KEY }),
    filesVendor: buildMockFilesVendor({ ...common('filesVendor'), apiKey: s.FILES_API_KEY }),
    issuesVendor: buildMockIssuesVendor({ ...common('issuesVendor'), token: s.ISSUES_TOKEN }),
    smsVendor: buildMockSmsVendor({ ...common('smsVendor'), accountSid: EXAMPLE_ACCOUNT_SID, authToken: s.SMS_AUTH_TOKEN }),
    enrichStripeVendor: buildMockEnrichVendor({
      ...common('enrichStripeVendor'), ...enrich, signature: { scheme: 'stripe', header: 'Stripe-Signature' }, webhookSecret: s.ENRICH_STRIPE_SECRET
    })
  }
}
